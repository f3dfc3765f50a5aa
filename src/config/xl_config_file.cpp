// Settings storage and `+=` as libxlutil applies it.
#include "config/xl_config_file.hpp"

#include <algorithm>

namespace nimbus {

Result<void> XlConfigFile::add(XlSetting setting)
{
    if (setting.operation == XlOperation::Add) {
        for (auto it = m_settings.rbegin(); it != m_settings.rend(); ++it) {
            if (it->name != setting.name)
                continue;
            if (it->value.kind() != setting.value.kind())
                return fail(fmt::format("{}:{}:{}", setting.source, setting.position.line, setting.position.column),
                            "'{}' += needs the same kind as its earlier value (a list to a list, a string to a string)",
                            setting.name);
            XlValue combined = it->value;
            combined.append(setting.value);
            setting.value = std::move(combined);
            break;
        }
    }
    m_settings.push_back(std::move(setting));
    return {};
}

const XlSetting* XlConfigFile::find(const std::string& name) const
{
    for (auto it = m_settings.rbegin(); it != m_settings.rend(); ++it)
        if (it->name == name)
            return &*it;
    return nullptr;
}

std::vector<std::string> XlConfigFile::keys() const
{
    std::vector<std::string> names;
    for (const auto& setting : m_settings)
        if (std::find(names.begin(), names.end(), setting.name) == names.end())
            names.push_back(setting.name);
    return names;
}

}  // namespace nimbus
