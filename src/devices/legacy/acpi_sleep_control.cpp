// AcpiSleepControl: decodes SLP_TYP/SLP_EN (ACPI 6.5 section 4.8.3.7).
#include "devices/legacy/acpi_sleep_control.hpp"

#include <algorithm>

#include "base/log.hpp"

namespace nimbus {

namespace {
constexpr std::uint8_t SLP_EN = 1u << 5;
constexpr unsigned SLP_TYP_SHIFT = 2;
constexpr std::uint8_t SLP_TYP_MASK = 0x7;
constexpr std::uint8_t S5_SOFT_OFF = 5;  // the value the DSDT's \_S5_ package gives
}  // namespace

void AcpiSleepControl::read(std::uint64_t, std::span<std::uint8_t> data)
{
    // Status: WAK_STS clear; the guest never sleeps in a state it wakes from.
    std::ranges::fill(data, std::uint8_t{0});
}

void AcpiSleepControl::write(std::uint64_t offset, std::span<const std::uint8_t> data)
{
    if (offset != 0 || data.empty())
        return;  // the status register: write-1-to-clear bits we never set
    std::uint8_t value = data[0];
    std::uint8_t sleep_type = (value >> SLP_TYP_SHIFT) & SLP_TYP_MASK;
    if ((value & SLP_EN) == 0)
        return;
    if (sleep_type == S5_SOFT_OFF)
        m_control.request_exit(VmExitReason::PowerOff);
    else
        log::debug("ACPI sleep type {} requested: not supported, ignored", sleep_type);
}

}  // namespace nimbus
