// XlConfigFile: the settings of a parsed xl.cfg file (plus overrides), looked up as libxlutil does.
#pragma once

#include <string>
#include <vector>

#include "base/error.hpp"
#include "config/xl_value.hpp"

namespace nimbus {

enum class XlOperation { Assign, Add };  // `KEY = VALUE` or `KEY += VALUE`

struct XlSetting final {
    std::string name;
    XlValue value;
    XlOperation operation = XlOperation::Assign;
    std::string source;   // the file name, or "command line" for an override
    XlPosition position;  // of the key
};

class XlConfigFile final {
public:
    // Records a setting. `+=` appends to the latest value of the same key (string to string, list to
    // list; anything else is an error, as in xl); with no earlier value it acts as `=`.
    Result<void> add(XlSetting setting);

    // The latest setting of `name` (a later assignment replaces an earlier one), or nullptr.
    const XlSetting* find(const std::string& name) const;

    // Every key in order of first appearance, each once.
    std::vector<std::string> keys() const;

    const std::vector<XlSetting>& settings() const { return m_settings; }

private:
    std::vector<XlSetting> m_settings;
};

}  // namespace nimbus
