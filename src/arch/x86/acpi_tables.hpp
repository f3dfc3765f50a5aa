// ACPI tables for a hardware-reduced machine: RSDP, XSDT, FADT, a DSDT naming COM1, the MADT.
#pragma once

#include <cstdint>
#include <span>

#include "base/error.hpp"
#include "memory/guest_memory.hpp"

namespace nimbus::x86 {

// Linux looks for the RSDP on 16-byte boundaries in the EBDA's first KiB and in 0xE0000..1 MiB;
// the EBDA holds the MP table, so ACPI takes the BIOS area. e820 reserves both.
inline constexpr std::uint64_t ACPI_AREA_START = 0xE0000;
inline constexpr std::uint64_t ACPI_AREA_END = 0x100000;
inline constexpr std::uint64_t RSDP_ADDRESS = ACPI_AREA_START;
// HW-reduced ACPI's sleep registers (FADT SLEEP_CONTROL_REG/SLEEP_STATUS_REG), one byte each in
// I/O space: the guest powers off by writing SLP_TYP=5 (our \_S5_) with SLP_EN to the control one.
inline constexpr std::uint16_t SLEEP_CONTROL_PORT = 0x600;
inline constexpr std::uint16_t SLEEP_STATUS_PORT = 0x601;
inline constexpr std::uint8_t S5_SLEEP_TYPE = 5;

// The power button is a control-method device (the DSDT's PNP0C0C), not the fixed-feature one a
// HW-reduced machine cannot have; there is no sleep button at all.
inline constexpr std::uint32_t FADT_FLAG_PWR_BUTTON = 1u << 4;
inline constexpr std::uint32_t FADT_FLAG_SLP_BUTTON = 1u << 5;
inline constexpr std::uint32_t FADT_FLAG_HW_REDUCED_ACPI = 1u << 20;
inline constexpr std::uint16_t FADT_BOOT_ARCH_VGA_NOT_PRESENT = 1u << 2;
inline constexpr std::uint32_t MADT_FLAG_PCAT_COMPAT = 1u << 0;

namespace acpi {

// Root System Description Pointer, revision 2 (ACPI 6.5 section 5.2.5.3).
struct [[gnu::packed]] Rsdp final {
    char signature[8];  // "RSD PTR "
    std::uint8_t checksum;  // of the first 20 bytes (the ACPI 1.0 part)
    char oem_id[6];
    std::uint8_t revision;  // 2: XSDT present
    std::uint32_t rsdt_address;
    std::uint32_t length;
    std::uint64_t xsdt_address;
    std::uint8_t extended_checksum;  // of all 36 bytes
    std::uint8_t reserved[3];
};
static_assert(sizeof(Rsdp) == 36);

// The header every system description table starts with (section 5.2.6).
struct [[gnu::packed]] SdtHeader final {
    char signature[4];
    std::uint32_t length;  // of the whole table
    std::uint8_t revision;
    std::uint8_t checksum;  // the whole table sums to 0
    char oem_id[6];
    char oem_table_id[8];
    std::uint32_t oem_revision;
    char creator_id[4];
    std::uint32_t creator_revision;
};
static_assert(sizeof(SdtHeader) == 36);

// Generic Address Structure (section 5.2.3.2).
struct [[gnu::packed]] GenericAddress final {
    std::uint8_t address_space_id;
    std::uint8_t register_bit_width;
    std::uint8_t register_bit_offset;
    std::uint8_t access_size;
    std::uint64_t address;
};
static_assert(sizeof(GenericAddress) == 12);

// Fixed ACPI Description Table, revision 6 (section 5.2.9). All hardware blocks stay 0: a
// hardware-reduced machine has no PM timer, GPE or PM1 registers.
struct [[gnu::packed]] Fadt final {
    SdtHeader header;  // "FACP"
    std::uint32_t firmware_ctrl;
    std::uint32_t dsdt;
    std::uint8_t reserved0;
    std::uint8_t preferred_pm_profile;
    std::uint16_t sci_int;
    std::uint32_t smi_cmd;
    std::uint8_t acpi_enable;
    std::uint8_t acpi_disable;
    std::uint8_t s4bios_req;
    std::uint8_t pstate_cnt;
    std::uint32_t pm1_blocks[6];  // PM1a/b event, PM1a/b control, PM2 control, PM timer
    std::uint32_t gpe_blocks[2];
    std::uint8_t block_lengths[6];  // PM1 event, PM1 control, PM2 control, PM timer, GPE0, GPE1
    std::uint8_t gpe1_base;
    std::uint8_t cst_cnt;
    std::uint16_t p_lvl2_lat;
    std::uint16_t p_lvl3_lat;
    std::uint16_t flush_size;
    std::uint16_t flush_stride;
    std::uint8_t duty_offset;
    std::uint8_t duty_width;
    std::uint8_t day_alrm;
    std::uint8_t mon_alrm;
    std::uint8_t century;
    std::uint16_t iapc_boot_arch;
    std::uint8_t reserved1;
    std::uint32_t flags;
    GenericAddress reset_reg;
    std::uint8_t reset_value;
    std::uint16_t arm_boot_arch;
    std::uint8_t fadt_minor_version;
    std::uint64_t x_firmware_ctrl;
    std::uint64_t x_dsdt;
    GenericAddress x_blocks[8];  // X_PM1a_EVT_BLK .. X_GPE1_BLK
    GenericAddress sleep_control_reg;
    GenericAddress sleep_status_reg;
    char hypervisor_vendor_identity[8];
};
static_assert(sizeof(Fadt) == 276);

// MADT (section 5.2.12): the header, then interrupt controller structures.
struct [[gnu::packed]] MadtHeader final {
    SdtHeader header;  // "APIC"
    std::uint32_t local_apic_address;
    std::uint32_t flags;
};
static_assert(sizeof(MadtHeader) == 44);

inline constexpr std::uint8_t MADT_LOCAL_APIC = 0;
inline constexpr std::uint8_t MADT_IO_APIC = 1;
inline constexpr std::uint8_t MADT_INTERRUPT_SOURCE_OVERRIDE = 2;
inline constexpr std::uint8_t MADT_LOCAL_APIC_NMI = 4;
inline constexpr std::uint32_t MADT_LOCAL_APIC_ENABLED = 1;
inline constexpr std::uint8_t MADT_ALL_PROCESSORS = 0xFF;

struct [[gnu::packed]] MadtLocalApic final {
    std::uint8_t type;
    std::uint8_t length;
    std::uint8_t processor_uid;
    std::uint8_t apic_id;
    std::uint32_t flags;
};
static_assert(sizeof(MadtLocalApic) == 8);

struct [[gnu::packed]] MadtIoApic final {
    std::uint8_t type;
    std::uint8_t length;
    std::uint8_t io_apic_id;
    std::uint8_t reserved;
    std::uint32_t io_apic_address;
    std::uint32_t global_system_interrupt_base;
};
static_assert(sizeof(MadtIoApic) == 12);

struct [[gnu::packed]] MadtInterruptSourceOverride final {
    std::uint8_t type;
    std::uint8_t length;
    std::uint8_t bus;  // 0: ISA
    std::uint8_t source;
    std::uint32_t global_system_interrupt;
    std::uint16_t flags;
};
static_assert(sizeof(MadtInterruptSourceOverride) == 10);

struct [[gnu::packed]] MadtLocalApicNmi final {
    std::uint8_t type;
    std::uint8_t length;
    std::uint8_t processor_uid;
    std::uint16_t flags;
    std::uint8_t lint;
};
static_assert(sizeof(MadtLocalApicNmi) == 6);

}  // namespace acpi

// A virtio-mmio device as the DSDT describes it: Device (VRnn) { _HID "LNRO0005", _UID n, _CRS
// Memory32Fixed (ReadWrite, base, size) and Interrupt (ResourceConsumer, Edge, ActiveHigh,
// Exclusive) {gsi} } (edge, as the irqfd pulses it). Linux's virtio_mmio binds by that _HID.
struct VirtioMmioAcpi final {
    std::uint32_t base;
    std::uint32_t size;
    std::uint32_t gsi;
};

// Writes the RSDP at RSDP_ADDRESS and the tables after it, all inside ACPI_AREA_START..END.
// The MADT lists apic_id_for(i) for each vCPU and the IO APIC as io_apic_id_for(vcpu_count) with
// GSI base 0, like the MP table, and has no interrupt source override: KVM's default routing
// sends GSI i to IO APIC pin i, IRQ0 included, and with HW_REDUCED_ACPI Linux starts no PIT timer.
// The DSDT describes the UART at 0x3F8 / IRQ 4 (PNP0501) so that Linux maps the console's IRQ,
// and the power button (PNP0C0C) behind a Generic Event Device (ACPI0013) on GED_GSI whose _EVT
// reads and clears GED_STATUS_PORT and sends the button Notify 0x80 for GED_EVENT_POWER_BUTTON.
// `virtio_mmio[n]` becomes Device (VRnn) with _UID n (n < 256).
Result<void> write_acpi_tables(const GuestMemory& memory, std::uint32_t vcpu_count,
                               std::span<const VirtioMmioAcpi> virtio_mmio = {});

}  // namespace nimbus::x86
