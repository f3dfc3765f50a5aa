// SerialConsole: feeds a host fd's input to the guest console; Ctrl-A x ends the VM, Ctrl-A p presses power.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

namespace nimbus {

class SerialConsole final {
public:
    // `deliver` hands bytes to the UART and returns how many it accepted; `quit` ends the VM;
    // `power_button` (Ctrl-A p, QEMU's system_powerdown) presses the ACPI power button, if given.
    SerialConsole(std::function<std::size_t(std::span<const std::uint8_t>)> deliver, std::function<void()> quit,
                  bool escape_enabled, std::function<void()> power_button = {})
        : m_deliver(std::move(deliver)), m_quit(std::move(quit)), m_power_button(std::move(power_button)),
          m_escape_enabled(escape_enabled) {}

    // Bytes read from the host side, after the escape sequence is filtered out.
    void input(std::span<const std::uint8_t> bytes);
    // Retries bytes the UART's FIFO had no room for; called from the event loop's tick.
    void flush_pending();
    bool has_pending() const { return !m_pending.empty(); }
    std::size_t pending_size() const { return m_pending.size(); }

    static constexpr std::uint8_t ESCAPE = 0x01;  // Ctrl-A, as in QEMU and lkvm
    // Input waiting for the guest beyond this is dropped: a guest that never reads must not grow us.
    static constexpr std::size_t MAX_PENDING = 64 * 1024;

private:
    std::function<std::size_t(std::span<const std::uint8_t>)> m_deliver;
    std::function<void()> m_quit;
    std::function<void()> m_power_button;
    bool m_escape_enabled;
    bool m_after_escape = false;
    std::string m_pending;
};

}  // namespace nimbus
