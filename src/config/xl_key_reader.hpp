// XlKeyReader: typed reads of xl.cfg keys (string, number as xl reads it, list) with located errors.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "config/xl_config_file.hpp"

namespace nimbus {

struct XlListItem final {
    std::string text;
    std::string where;  // "guest.cfg:5:9"
};

class XlKeyReader final {
public:
    explicit XlKeyReader(const XlConfigFile& file) : m_file(file) {}

    // "guest.cfg:5:1" for the latest setting of `key` ("" when unset).
    std::string where(const std::string& key) const;

    // A single value; a list is an error.
    Result<std::optional<std::string>> string(const std::string& key) const;
    // A number as xl reads it: strtol base 0 over the whole text ("0x10", "010" octal, " 12"), within
    // [min, max]; `+=` on it is an error, as in xl.
    Result<std::optional<long>> number(const std::string& key, long min, long max) const;
    // A list of strings (a nested list is an error).
    Result<std::optional<std::vector<XlListItem>>> string_list(const std::string& key) const;

private:
    std::unexpected<Error> error(const XlSetting& setting, std::string detail) const;

    const XlConfigFile& m_file;
};

std::string format_position(const std::string& source, XlPosition position);

}  // namespace nimbus
