// Typed key reads.
#include "config/xl_key_reader.hpp"

#include <cerrno>
#include <cstdlib>

namespace nimbus {

std::string format_position(const std::string& source, XlPosition position)
{
    return fmt::format("{}:{}:{}", source, position.line, position.column);
}

std::string XlKeyReader::where(const std::string& key) const
{
    const XlSetting* setting = m_file.find(key);
    return setting == nullptr ? std::string() : format_position(setting->source, setting->position);
}

std::unexpected<Error> XlKeyReader::error(const XlSetting& setting, std::string detail) const
{
    return std::unexpected(make_error(format_position(setting.source, setting.position),
                                      fmt::format("{}: {}", setting.name, detail)));
}

Result<std::optional<std::string>> XlKeyReader::string(const std::string& key) const
{
    const XlSetting* setting = m_file.find(key);
    if (setting == nullptr)
        return std::nullopt;
    if (!setting->value.is_string())
        return error(*setting, "expected a single value, found a list");
    return setting->value.text();
}

Result<std::optional<long>> XlKeyReader::number(const std::string& key, long min, long max) const
{
    const XlSetting* setting = m_file.find(key);
    if (setting == nullptr)
        return std::nullopt;
    if (!setting->value.is_string())
        return error(*setting, "expected a number, found a list");
    if (setting->operation == XlOperation::Add)
        return error(*setting, "+= cannot be used with a number");
    const std::string& text = setting->value.text();
    char* end = nullptr;
    errno = 0;
    long value = std::strtol(text.c_str(), &end, 0);
    if (errno == ERANGE)
        return error(*setting, fmt::format("'{}' is out of range", text));
    if (end == text.c_str() || *end != '\0' || text.find('\0') != std::string::npos)
        return error(*setting, fmt::format("'{}' is not a number", text));
    if (value < min || value > max)
        return error(*setting, fmt::format("{} is outside {}..{}", value, min, max));
    return value;
}

Result<std::optional<std::vector<XlListItem>>> XlKeyReader::string_list(const std::string& key) const
{
    const XlSetting* setting = m_file.find(key);
    if (setting == nullptr)
        return std::nullopt;
    if (!setting->value.is_list())
        return error(*setting, "expected a list [ '...', ... ], found a single value");
    std::vector<XlListItem> items;
    for (const auto& item : setting->value.items()) {
        if (!item.is_string())
            return std::unexpected(make_error(format_position(setting->source, item.position()),
                                              fmt::format("{}: expected a string in the list, found a list", key)));
        items.push_back(XlListItem{item.text(), format_position(setting->source, item.position())});
    }
    return items;
}

}  // namespace nimbus
