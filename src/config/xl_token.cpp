// How token kinds are named in messages.
#include "config/xl_token.hpp"

namespace nimbus {

const char* describe(XlTokenKind kind)
{
    switch (kind) {
    case XlTokenKind::Ident: return "a key name";
    case XlTokenKind::Number: return "a number";
    case XlTokenKind::String: return "a string";
    case XlTokenKind::Equals: return "'='";
    case XlTokenKind::AddEquals: return "'+='";
    case XlTokenKind::Comma: return "','";
    case XlTokenKind::Semicolon: return "';'";
    case XlTokenKind::LeftBracket: return "'['";
    case XlTokenKind::RightBracket: return "']'";
    case XlTokenKind::Newline: return "end of line";
    case XlTokenKind::End: return "end of input";
    }
    return "a token";
}

}  // namespace nimbus
