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

// The ACPI Generic Event Device (ACPI0013) that carries the power button. Its GSI is 23, the last
// pin of KVM's 24-pin IO APIC: the ISA GSIs are taken or spoken for (0 the PIT, 1 the i8042, 2 the
// cascade, 3 COM2's, 4 COM1, 8 the RTC, 5-7 and 9-15 the virtio devices, src/vmm/virtio_devices),
// a GSI above 15 reaches only the IO APIC (not the 8259 too, where a line held high would sit
// unseen), and taking the top pin leaves 16-22 for more devices to count up into. The line is
// level-triggered, active high, and stays asserted while an event bit in the status register is
// set: a press made before the guest unmasked the pin is delivered when it does.
inline constexpr std::uint32_t GED_GSI = 23;
// The GED's event status register, one byte in I/O space after the sleep registers (0x600-0x601):
// bit 0 = power button; reads return the pending events, writing 1s clears them.
inline constexpr std::uint16_t GED_STATUS_PORT = 0x602;
inline constexpr std::uint8_t GED_EVENT_POWER_BUTTON = 1u << 0;

}  // namespace nimbus::x86
