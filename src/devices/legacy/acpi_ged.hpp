// AcpiGed: the Generic Event Device's event status register and its level-triggered interrupt line.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>

#include "devices/bus_device.hpp"

namespace nimbus {

// One byte at the DSDT's GED status port (x86::GED_STATUS_PORT). Reads return the pending event
// bits; writing 1s clears those bits (0s change nothing). The line is asserted exactly while some
// bit is pending, so an event raised before the guest enabled the interrupt still arrives, and
// the guest's _EVT lowers the line by acknowledging. Nothing here reads guest memory.
class AcpiGed final : public BusDevice {
public:
    static constexpr std::uint64_t PORT_COUNT = 1;
    // Sets the interrupt line's level; called with the device's lock held, so calls stay ordered.
    using LineLevel = std::function<void(bool asserted)>;

    explicit AcpiGed(LineLevel line) : m_line(std::move(line)) {}

    // Latches `events` (bits of the status register) and asserts the line; any thread.
    void raise(std::uint8_t events);
    std::uint8_t pending() const;

    void read(std::uint64_t offset, std::span<std::uint8_t> data) override;
    void write(std::uint64_t offset, std::span<const std::uint8_t> data) override;

private:
    void update_line();  // with m_mutex held

    LineLevel m_line;
    mutable std::mutex m_mutex;
    std::uint8_t m_pending = 0;
    bool m_asserted = false;
};

}  // namespace nimbus
