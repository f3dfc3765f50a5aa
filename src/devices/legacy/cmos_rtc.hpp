// CmosRtc: the PC's MC146818 real-time clock and its 128 bytes of CMOS RAM (ports 0x70-0x71).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>

#include "devices/bus_device.hpp"

namespace nimbus {

// Registered at port 0x70 with size PORT_COUNT: offset 0 selects a byte (bit 7 is the NMI mask,
// kept and otherwise ignored), offset 1 reads or writes it. The time registers always show the
// host's UTC time; guest writes to them are ignored (the guest cannot set the host clock). The
// update cycle is never in progress and no RTC interrupt (IRQ 8) is raised.
class CmosRtc final : public BusDevice {
public:
    using Clock = std::function<std::chrono::system_clock::time_point()>;

    static constexpr std::uint64_t PORT_COUNT = 2;
    static constexpr std::uint64_t INDEX = 0;
    static constexpr std::uint64_t DATA = 1;

    // The RAM sizes fill the memory bytes firmware and old loaders read, as QEMU does:
    // 0x34-0x35 RAM between 16 MiB and 4 GiB, 0x5b-0x5d RAM above 4 GiB, in 64 KiB units.
    explicit CmosRtc(std::uint64_t ram_below_4g = 0, std::uint64_t ram_above_4g = 0,
                     Clock clock = std::chrono::system_clock::now);

    void read(std::uint64_t offset, std::span<std::uint8_t> data) override;
    void write(std::uint64_t offset, std::span<const std::uint8_t> data) override;

private:
    std::uint8_t read_data();
    void write_data(std::uint8_t value);
    // A time register from the clock, in BCD or binary and 12- or 24-hour form as register B says.
    std::uint8_t time_register(std::uint8_t index) const;
    static bool is_time_register(std::uint8_t index);

    Clock m_clock;
    std::mutex m_lock;  // guards everything below
    std::uint8_t m_index = 0;
    bool m_nmi_masked = false;
    std::array<std::uint8_t, 128> m_ram{};
};

}  // namespace nimbus
