// XlValue: one value of an xl.cfg setting (a string or a list of values) and where it was written.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace nimbus {

// 1-based line and column (in bytes) inside one source: the config file or one override argument.
struct XlPosition final {
    std::uint32_t line = 1;
    std::uint32_t column = 1;
};

// xl stores numbers as their text, like strings; a list holds strings or lists.
class XlValue final {
public:
    enum class Kind { String, List };

    static XlValue string(std::string text, XlPosition position)
    {
        return XlValue(Kind::String, std::move(text), {}, position);
    }
    static XlValue list(std::vector<XlValue> items, XlPosition position)
    {
        return XlValue(Kind::List, {}, std::move(items), position);
    }

    Kind kind() const { return m_kind; }
    bool is_string() const { return m_kind == Kind::String; }
    bool is_list() const { return m_kind == Kind::List; }
    const std::string& text() const { return m_text; }  // "" for a list
    const std::vector<XlValue>& items() const { return m_items; }
    XlPosition position() const { return m_position; }

    // `+=`: a string grows by a string, a list by a list's items (the caller checked the kinds).
    void append(const XlValue& other)
    {
        m_text += other.m_text;
        m_items.insert(m_items.end(), other.m_items.begin(), other.m_items.end());
    }

private:
    XlValue(Kind kind, std::string text, std::vector<XlValue> items, XlPosition position)
        : m_kind(kind), m_text(std::move(text)), m_items(std::move(items)), m_position(position)
    {
    }

    Kind m_kind;
    std::string m_text;
    std::vector<XlValue> m_items;
    XlPosition m_position;
};

}  // namespace nimbus
