// MP table (Intel MultiProcessor Specification 1.4): tells the guest its CPUs and IO APIC.
#pragma once

#include <cstdint>
#include <vector>

#include "base/error.hpp"
#include "memory/guest_memory.hpp"

namespace nimbus::x86 {

inline constexpr std::uint32_t LOCAL_APIC_DEFAULT_ADDRESS = 0xFEE0'0000;
inline constexpr std::uint32_t IO_APIC_DEFAULT_ADDRESS = 0xFEC0'0000;
inline constexpr std::uint8_t LOCAL_APIC_VERSION = 0x14;  // what KVM's local APIC reports
inline constexpr std::uint8_t IO_APIC_VERSION = 0x11;     // what KVM's IO APIC reports
inline constexpr std::uint32_t ISA_IRQ_COUNT = 16;

// The IO APIC takes the first id after the vCPUs' APIC ids (apic_id_for(0..count-1)).
constexpr std::uint32_t io_apic_id_for(std::uint32_t vcpu_count)
{
    return vcpu_count;
}

// Bytes the floating pointer and configuration table take for `vcpu_count` vCPUs.
std::uint64_t mptable_size(std::uint32_t vcpu_count);

// Writes the floating pointer at EBDA_START and the configuration table right after it. Fails
// for vcpu_count of 0 or above MAX_VCPU_COUNT, or if the table would pass BIOS_AREA_END.
//
// ISA IRQ i goes to IO APIC pin i for i in 0..15, not IRQ0 -> pin 2 as on a PC: KVM's default
// GSI routing (kvm_setup_default_irq_routing) wires GSI i to IO APIC pin i, and the in-kernel PIT
// raises GSI 0. A VMM that installs its own routing must keep this identity for GSIs 0..15.
Result<void> write_mptable(const GuestMemory& memory, std::uint32_t vcpu_count);

struct MpTableCpu final {
    std::uint8_t apic_id;
    bool enabled;
    bool bootstrap;
};

struct MpTableIrqRoute final {
    std::uint8_t source_bus_irq;
    std::uint8_t io_apic_id;
    std::uint8_t io_apic_pin;
};

struct MpTableSummary final {
    std::uint64_t floating_pointer_address = 0;
    std::uint64_t config_table_address = 0;
    std::uint32_t local_apic_address = 0;
    std::vector<MpTableCpu> cpus;
    std::uint32_t bsp_index = 0;  // index into cpus
    std::uint8_t io_apic_id = 0;
    std::uint32_t io_apic_address = 0;
    std::vector<MpTableIrqRoute> irq_routes;  // INT-type I/O interrupt entries
    std::uint32_t extint_lint = 0xFF;        // LINT pin of the ExtINT local entry (0xFF: none)
    std::uint32_t nmi_lint = 0xFF;           // LINT pin of the NMI local entry (0xFF: none)
};

// Finds "_MP_" in EBDA_START..BIOS_AREA_END on a 16-byte boundary as Linux does, then checks
// both checksums, the signatures and every entry's bounds, and summarises what it found. Needs
// exactly one IO APIC and exactly one bootstrap processor.
Result<MpTableSummary> parse_mptable(const GuestMemory& memory);

}  // namespace nimbus::x86
