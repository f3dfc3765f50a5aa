// The xl.cfg lexer, following libxlutil's token rules and its string escapes (quirks included).
#include "config/xl_config_lexer.hpp"

#include <cctype>

namespace nimbus {

namespace {

bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_char(char c) { return is_lower(c) || is_digit(c) || c == '_'; }
bool is_number_char(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || c == 'x'; }

std::string printable(char c)
{
    auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f)
        return fmt::format("'{}'", c);
    return fmt::format("byte 0x{:02x}", byte);
}

// How many bytes strtoul(text, &end, 10) consumes of at most three bytes: xl reads an octal escape's
// digits this way (base 10, leading blanks and a sign allowed, the value then dropped).
std::size_t strtoul_length(std::string_view text)
{
    std::size_t i = 0;
    while (i < text.size() && (text[i] == ' ' || (text[i] >= '\t' && text[i] <= '\r')))
        ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-'))
        ++i;
    std::size_t digits = i;
    while (digits < text.size() && is_digit(text[digits]))
        ++digits;
    return digits == i ? 0 : digits;
}

}  // namespace

XlConfigLexer::XlConfigLexer(std::string_view text, std::string source) : m_text(text), m_source(std::move(source)) {}

XlPosition XlConfigLexer::position_at(std::size_t offset) const
{
    return XlPosition{m_line, static_cast<std::uint32_t>(offset - m_line_start + 1)};
}

std::unexpected<Error> XlConfigLexer::error(XlPosition position, std::string detail) const
{
    return std::unexpected(make_error(fmt::format("{}:{}:{}", m_source, position.line, position.column), std::move(detail)));
}

void XlConfigLexer::advance_to(std::size_t offset)
{
    for (; m_offset < offset; ++m_offset) {
        if (m_text[m_offset] == '\n') {
            ++m_line;
            m_line_start = m_offset + 1;
        }
    }
}

Result<XlToken> XlConfigLexer::next()
{
    while (m_offset < m_text.size() && (m_text[m_offset] == ' ' || m_text[m_offset] == '\t'))
        ++m_offset;
    XlPosition start = position_at(m_offset);
    if (m_offset >= m_text.size())
        return XlToken{XlTokenKind::End, {}, start};

    std::size_t begin = m_offset;
    char c = m_text[begin];
    auto simple = [&](XlTokenKind kind, std::size_t length) {
        advance_to(begin + length);
        return XlToken{kind, std::string(m_text.substr(begin, length)), start};
    };
    if (is_lower(c)) {
        std::size_t end = begin + 1;
        while (end < m_text.size() && is_ident_char(m_text[end]))
            ++end;
        return simple(XlTokenKind::Ident, end - begin);
    }
    if (is_digit(c)) {
        std::size_t end = begin + 1;
        while (end < m_text.size() && is_number_char(m_text[end]))
            ++end;
        return simple(XlTokenKind::Number, end - begin);
    }
    switch (c) {
    case '=': return simple(XlTokenKind::Equals, 1);
    case ',': return simple(XlTokenKind::Comma, 1);
    case ';': return simple(XlTokenKind::Semicolon, 1);
    case '[': return simple(XlTokenKind::LeftBracket, 1);
    case ']': return simple(XlTokenKind::RightBracket, 1);
    case '\n': return simple(XlTokenKind::Newline, 1);
    default: break;
    }
    if (c == '+' && begin + 1 < m_text.size() && m_text[begin + 1] == '=')
        return simple(XlTokenKind::AddEquals, 2);
    if (c == '#') {
        // A comment is `#` up to and including a newline, and counts as that newline.
        std::size_t newline = m_text.find('\n', begin);
        if (newline != std::string_view::npos) {
            advance_to(newline + 1);
            return XlToken{XlTokenKind::Newline, "\n", start};
        }
    }
    if (c == '"' || c == '\'') {
        std::size_t close = closing_quote(begin);
        if (close != std::string_view::npos)
            return quoted_string(start, close);
    }
    // xl ignores a stray character only when nothing follows it.
    if (begin + 1 == m_text.size() && c != '\0') {
        advance_to(m_text.size());
        return XlToken{XlTokenKind::End, {}, position_at(m_offset)};
    }
    if (c == '#')
        return error(start, "a '#' comment must end with a newline");
    if (c == '"' || c == '\'')
        return error(start, "unterminated string (a string ends on the line it starts)");
    if (c == '\r')
        return error(start, "carriage return (xl reads only Unix line ends)");
    return error(start, fmt::format("unexpected {}: expected a key, a value or one of = += , ; [ ]", printable(c)));
}

std::size_t XlConfigLexer::closing_quote(std::size_t begin) const
{
    // Q ( [^\\Q\n] | \\[^\n] )* Q, on one line.
    char quote = m_text[begin];
    for (std::size_t i = begin + 1; i < m_text.size(); ++i) {
        char c = m_text[i];
        if (c == quote)
            return i;
        if (c == '\n')
            return std::string_view::npos;
        if (c == '\\') {
            if (i + 1 >= m_text.size() || m_text[i + 1] == '\n')
                return std::string_view::npos;
            ++i;
        }
    }
    return std::string_view::npos;
}

Result<XlToken> XlConfigLexer::quoted_string(XlPosition start, std::size_t close)
{
    std::string_view token = m_text.substr(m_offset, close + 1 - m_offset);
    if (token.find('\0') != std::string_view::npos)
        return error(start, "NUL byte inside a string");
    std::string value;
    TRY(unescape(token, start, value));
    advance_to(close + 1);
    return XlToken{XlTokenKind::String, std::move(value), start};
}

Result<void> XlConfigLexer::unescape(std::string_view token, XlPosition start, std::string& out) const
{
    std::size_t end = token.size() - 1;  // the closing quote
    for (std::size_t p = 1; p < end;) {
        char c = token[p++];
        if (c != '\\') {
            out += c;
            continue;
        }
        char escaped = token[p++];
        XlPosition at{start.line, static_cast<std::uint32_t>(start.column + p - 2)};
        switch (escaped) {
        case '"': case '\'': case '\\': out += escaped; break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'v': out += '\v'; break;
        case 'x':
            // libxlutil rejects every \x escape (its hex reader can never succeed); so do we.
            return error(at, "\\x escapes are not accepted by xl");
        default:
            if (escaped >= '0' && escaped <= '7') {
                // libxlutil reads two or three more characters and drops the value: "\101z" is "z".
                std::size_t used = strtoul_length(token.substr(p, 3));
                if (used <= 1)
                    return error(at, "octal escape needs three digits (\\ooo)");
                p += used;
                break;
            }
            return error(at, fmt::format("invalid escape \\{} in a string", escaped));
        }
    }
    return {};
}

}  // namespace nimbus
