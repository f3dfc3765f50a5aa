// SerialConsole: escape handling and back-pressure.
#include "vmm/serial_console.hpp"

namespace nimbus {

void SerialConsole::input(std::span<const std::uint8_t> bytes)
{
    for (std::uint8_t byte : bytes) {
        if (m_escape_enabled && m_after_escape) {
            m_after_escape = false;
            if (byte == 'x' || byte == 'X') {
                flush_pending();  // what was typed before the escape still reaches the guest
                m_quit();
                return;
            }
            if ((byte == 'p' || byte == 'P') && m_power_button) {
                m_power_button();  // not ordered with bytes still pending for the guest
                continue;
            }
            if (byte != ESCAPE)  // Ctrl-A Ctrl-A sends one Ctrl-A
                m_pending.push_back(static_cast<char>(ESCAPE));
        } else if (m_escape_enabled && byte == ESCAPE) {
            m_after_escape = true;
            continue;
        }
        if (m_pending.size() < MAX_PENDING)
            m_pending.push_back(static_cast<char>(byte));
    }
    flush_pending();
}

void SerialConsole::flush_pending()
{
    if (m_pending.empty())
        return;
    std::size_t accepted =
        m_deliver({reinterpret_cast<const std::uint8_t*>(m_pending.data()), m_pending.size()});
    m_pending.erase(0, accepted);
}

}  // namespace nimbus
