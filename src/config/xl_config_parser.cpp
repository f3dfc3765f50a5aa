// Recursive-descent parser for the xl.cfg grammar.
#include "config/xl_config_parser.hpp"

namespace nimbus {

Result<void> XlConfigParser::parse(std::string_view text, const std::string& source, XlConfigFile& into)
{
    XlConfigParser parser(text, source);
    return parser.parse_file(into);
}

Result<void> XlConfigParser::advance()
{
    m_token = TRY(m_lexer.next());
    return {};
}

std::unexpected<Error> XlConfigParser::expected(const char* what) const
{
    std::string found = describe(m_token.kind);
    if (m_token.kind == XlTokenKind::Ident || m_token.kind == XlTokenKind::Number)
        found += fmt::format(" '{}'", m_token.text);
    return std::unexpected(make_error(
        fmt::format("{}:{}:{}", m_lexer.source(), m_token.position.line, m_token.position.column),
        fmt::format("expected {}, found {}", what, found)));
}

Result<void> XlConfigParser::skip_newlines()
{
    while (m_token.kind == XlTokenKind::Newline)
        TRY(advance());
    return {};
}

Result<void> XlConfigParser::parse_file(XlConfigFile& into)
{
    TRY(advance());
    while (m_token.kind != XlTokenKind::End) {
        if (m_token.kind == XlTokenKind::Newline || m_token.kind == XlTokenKind::Semicolon) {
            TRY(advance());
            continue;
        }
        if (m_token.kind != XlTokenKind::Ident)
            return expected("a key name (lower-case letters, digits, '_')");
        XlSetting setting{m_token.text, XlValue::string({}, m_token.position), XlOperation::Assign,
                          m_lexer.source(), m_token.position};
        TRY(advance());
        if (m_token.kind == XlTokenKind::AddEquals)
            setting.operation = XlOperation::Add;
        else if (m_token.kind != XlTokenKind::Equals)
            return expected("'=' or '+=' after the key");
        TRY(advance());
        setting.value = TRY(parse_value(0));
        if (m_token.kind != XlTokenKind::Newline && m_token.kind != XlTokenKind::Semicolon &&
            m_token.kind != XlTokenKind::End)
            return expected("end of line or ';' after the value");
        TRY(into.add(std::move(setting)));
    }
    return {};
}

Result<XlValue> XlConfigParser::parse_value(int depth)
{
    XlPosition start = m_token.position;
    if (m_token.kind == XlTokenKind::String || m_token.kind == XlTokenKind::Number) {
        XlValue value = XlValue::string(m_token.text, start);
        TRY(advance());
        return value;
    }
    if (m_token.kind != XlTokenKind::LeftBracket)
        return expected("a value (a quoted string, a number or a '[' list)");
    if (depth >= kMaxListDepth)
        return expected("a value nested less deeply (lists nest at most 64 deep)");
    TRY(advance());
    TRY(skip_newlines());
    std::vector<XlValue> items;
    while (m_token.kind != XlTokenKind::RightBracket) {
        items.push_back(TRY(parse_value(depth + 1)));
        TRY(skip_newlines());
        if (m_token.kind == XlTokenKind::RightBracket)
            break;
        if (m_token.kind != XlTokenKind::Comma)
            return expected("',' or ']' in the list");
        TRY(advance());
        TRY(skip_newlines());
    }
    TRY(advance());
    return XlValue::list(std::move(items), start);
}

}  // namespace nimbus
