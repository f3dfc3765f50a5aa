// XlConfigParser: xl.cfg text to settings, with libxlutil's grammar (statements, values, lists).
#pragma once

#include <string>
#include <string_view>

#include "base/error.hpp"
#include "config/xl_config_file.hpp"
#include "config/xl_config_lexer.hpp"

namespace nimbus {

// Grammar (libxlutil 4.17):
//   file      := { NEWLINE | ';' | setting ( NEWLINE | ';' | end ) }
//   setting   := IDENT ( '=' | '+=' ) value
//   value     := STRING | NUMBER | '[' nl* [ value nl* { ',' nl* value nl* } [ ',' nl* ] ] ']'
// Lists may nest (at most kMaxListDepth deep here). The first error ends the parse, as in xl.
class XlConfigParser final {
public:
    static constexpr int kMaxListDepth = 64;

    // Parses `text` (named `source` in errors) and adds its settings to `into`.
    static Result<void> parse(std::string_view text, const std::string& source, XlConfigFile& into);

private:
    explicit XlConfigParser(std::string_view text, const std::string& source) : m_lexer(text, source) {}

    Result<void> parse_file(XlConfigFile& into);
    Result<XlValue> parse_value(int depth);
    Result<void> skip_newlines();
    Result<void> advance();
    std::unexpected<Error> expected(const char* what) const;

    XlConfigLexer m_lexer;
    XlToken m_token;
};

}  // namespace nimbus
