// Intel MultiProcessor Specification 1.4 table layouts (Linux: arch/x86/include/asm/mpspec_def.h).
#pragma once

#include <cstdint>

namespace nimbus::x86::mp {

inline constexpr char FLOATING_POINTER_SIGNATURE[4] = {'_', 'M', 'P', '_'};
inline constexpr char CONFIG_TABLE_SIGNATURE[4] = {'P', 'C', 'M', 'P'};
inline constexpr std::uint8_t SPEC_REVISION_1_4 = 4;

// Entry types, in the order the spec requires them to appear in the table.
inline constexpr std::uint8_t ENTRY_PROCESSOR = 0;
inline constexpr std::uint8_t ENTRY_BUS = 1;
inline constexpr std::uint8_t ENTRY_IO_APIC = 2;
inline constexpr std::uint8_t ENTRY_IO_INTERRUPT = 3;
inline constexpr std::uint8_t ENTRY_LOCAL_INTERRUPT = 4;

// Processor entry cpu_flags.
inline constexpr std::uint8_t CPU_ENABLED = 1;
inline constexpr std::uint8_t CPU_BOOTPROCESSOR = 2;

// IO APIC entry flags.
inline constexpr std::uint8_t IO_APIC_USABLE = 1;

// Interrupt types of the interrupt assignment entries.
inline constexpr std::uint8_t INTERRUPT_INT = 0;  // vectored, through the IO APIC redirection table
inline constexpr std::uint8_t INTERRUPT_NMI = 1;
inline constexpr std::uint8_t INTERRUPT_SMI = 2;
inline constexpr std::uint8_t INTERRUPT_EXTINT = 3;  // from an 8259A-compatible PIC

// Interrupt flags: polarity bits 1:0 and trigger bits 3:2; 0 means "conforms to the bus".
inline constexpr std::uint16_t INTERRUPT_FLAGS_CONFORMING = 0;

inline constexpr std::uint8_t ALL_LOCAL_APICS = 0xFF;

// "_MP_": found by scanning; points at the configuration table.
struct [[gnu::packed]] FloatingPointer final {
    char signature[4];
    std::uint32_t physical_address_pointer;  // of the configuration table
    std::uint8_t length;                     // in 16-byte paragraphs: 1
    std::uint8_t spec_rev;
    std::uint8_t checksum;                   // all 16 bytes sum to 0
    std::uint8_t feature1;                   // 0: a configuration table is present
    std::uint8_t feature2;                   // bit 7 IMCRP: 0 = virtual wire mode, no IMCR
    std::uint8_t feature3_5[3];
};
static_assert(sizeof(FloatingPointer) == 16);

// "PCMP": the header in front of the variable-length entries.
struct [[gnu::packed]] ConfigTableHeader final {
    char signature[4];
    std::uint16_t base_table_length;  // header and all entries
    std::uint8_t spec_rev;
    std::uint8_t checksum;            // the base table sums to 0
    char oem_id[8];
    char product_id[12];
    std::uint32_t oem_table_pointer;
    std::uint16_t oem_table_size;
    std::uint16_t entry_count;
    std::uint32_t local_apic_address;
    std::uint16_t extended_table_length;
    std::uint8_t extended_table_checksum;
    std::uint8_t reserved;
};
static_assert(sizeof(ConfigTableHeader) == 44);

struct [[gnu::packed]] ProcessorEntry final {
    std::uint8_t entry_type;  // ENTRY_PROCESSOR
    std::uint8_t local_apic_id;
    std::uint8_t local_apic_version;
    std::uint8_t cpu_flags;
    std::uint32_t cpu_signature;  // CPUID.1:EAX stepping, model, family
    std::uint32_t feature_flags;  // CPUID.1:EDX
    std::uint32_t reserved[2];
};
static_assert(sizeof(ProcessorEntry) == 20);

struct [[gnu::packed]] BusEntry final {
    std::uint8_t entry_type;  // ENTRY_BUS
    std::uint8_t bus_id;
    char bus_type[6];  // space-padded, e.g. "ISA   "
};
static_assert(sizeof(BusEntry) == 8);

struct [[gnu::packed]] IoApicEntry final {
    std::uint8_t entry_type;  // ENTRY_IO_APIC
    std::uint8_t io_apic_id;
    std::uint8_t io_apic_version;
    std::uint8_t io_apic_flags;
    std::uint32_t io_apic_address;
};
static_assert(sizeof(IoApicEntry) == 8);

// I/O interrupt assignment: a bus IRQ wired to an IO APIC input pin.
struct [[gnu::packed]] IoInterruptEntry final {
    std::uint8_t entry_type;  // ENTRY_IO_INTERRUPT
    std::uint8_t interrupt_type;
    std::uint16_t interrupt_flags;
    std::uint8_t source_bus_id;
    std::uint8_t source_bus_irq;
    std::uint8_t destination_io_apic_id;
    std::uint8_t destination_io_apic_intin;
};
static_assert(sizeof(IoInterruptEntry) == 8);

// Local interrupt assignment: what drives a local APIC's LINT0/LINT1.
struct [[gnu::packed]] LocalInterruptEntry final {
    std::uint8_t entry_type;  // ENTRY_LOCAL_INTERRUPT
    std::uint8_t interrupt_type;
    std::uint16_t interrupt_flags;
    std::uint8_t source_bus_id;
    std::uint8_t source_bus_irq;
    std::uint8_t destination_local_apic_id;
    std::uint8_t destination_local_apic_lintin;
};
static_assert(sizeof(LocalInterruptEntry) == 8);

}  // namespace nimbus::x86::mp
