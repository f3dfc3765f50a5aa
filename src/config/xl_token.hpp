// XlToken: one lexical token of the xl.cfg language (libxlutil's lexer, token for token).
#pragma once

#include <string>

#include "config/xl_value.hpp"

namespace nimbus {

enum class XlTokenKind { Ident, Number, String, Equals, AddEquals, Comma, Semicolon, LeftBracket, RightBracket, Newline, End };

struct XlToken final {
    XlTokenKind kind = XlTokenKind::End;
    std::string text;  // identifier or number as written; a string already unquoted and unescaped
    XlPosition position;
};

// How errors and messages name a token kind: "a string", "'='", "end of line" ...
const char* describe(XlTokenKind kind);

}  // namespace nimbus
