// VirtioInterrupt: what a device tells its driver through the transport (InterruptStatus, DEVICE_NEEDS_RESET).
#pragma once

#include <atomic>
#include <cstdint>

#include "devices/interrupt_line.hpp"

namespace nimbus {

// Safe from any thread: devices signal from the event loop, the transport reads and acknowledges
// from vCPU threads. Each signal sets its InterruptStatus bit before the line fires, so a driver
// that takes the interrupt always finds the bit (section 4.2.2: the bit stays set until acked).
class VirtioInterrupt final {
public:
    explicit VirtioInterrupt(InterruptLine& line) : m_line(line) {}

    // A used buffer notification (InterruptStatus bit 0).
    void signal_used_buffer();
    // A configuration change notification (bit 1); the configuration generation moves on.
    void signal_config_change();
    // The device hit an error it cannot recover from: DEVICE_NEEDS_RESET, announced by a
    // configuration change notification (section 2.1.2).
    void signal_needs_reset();

    std::uint32_t status() const { return m_status.load(); }
    void acknowledge(std::uint32_t bits) { m_status.fetch_and(~bits); }
    bool needs_reset() const { return m_needs_reset.load(); }
    std::uint32_t config_generation() const { return m_config_generation.load(); }
    // Device reset: no pending bits, no error.
    void reset();

private:
    InterruptLine& m_line;
    std::atomic<std::uint32_t> m_status{0};
    std::atomic<bool> m_needs_reset{false};
    std::atomic<std::uint32_t> m_config_generation{0};
};

}  // namespace nimbus
