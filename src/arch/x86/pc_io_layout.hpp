// The legacy PC I/O ports and ISA IRQs nimbus's machine has: what the VMM wires and the ACPI
// tables describe come from here, so the two cannot disagree.
#pragma once

#include <cstdint>

namespace nimbus::x86 {

inline constexpr std::uint16_t COM1_PORT = 0x3f8;
inline constexpr std::uint8_t COM1_PORT_COUNT = 8;  // the 8250's register block
inline constexpr std::uint8_t COM1_IRQ = 4;
inline constexpr std::uint16_t I8042_PORT = 0x60;   // data; command/status at +4
inline constexpr std::uint16_t CMOS_PORT = 0x70;    // index; data at +1

}  // namespace nimbus::x86
