// XlConfigLexer: splits xl.cfg text into tokens exactly where libxlutil's flex lexer does.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/error.hpp"
#include "config/xl_token.hpp"

namespace nimbus {

// Accepted lexemes (as libxlutil 4.17): identifiers [a-z][_0-9a-z]*, numbers [0-9][0-9a-fx]* (kept
// as text), strings in '...' or "..." on one line with backslash escapes, `=`, `+=`, `,`, `;`, `[`,
// `]`, newlines, spaces and tabs, and `#` comments that run to a newline (a comment without one is
// an error, as in xl). One xl quirk is kept for compatibility: a stray character that is the very
// last byte of the input is ignored.
class XlConfigLexer final {
public:
    XlConfigLexer(std::string_view text, std::string source);

    // The next token, or an error "SOURCE:LINE:COL: ..." naming what was found.
    Result<XlToken> next();

    const std::string& source() const { return m_source; }

private:
    std::size_t closing_quote(std::size_t begin) const;  // npos when the string is unterminated
    Result<XlToken> quoted_string(XlPosition start, std::size_t close);
    Result<void> unescape(std::string_view body, XlPosition start, std::string& out) const;
    std::unexpected<Error> error(XlPosition position, std::string detail) const;
    XlPosition position_at(std::size_t offset) const;
    void advance_to(std::size_t offset);

    std::string_view m_text;
    std::string m_source;
    std::size_t m_offset = 0;
    std::uint32_t m_line = 1;
    std::size_t m_line_start = 0;
};

}  // namespace nimbus
