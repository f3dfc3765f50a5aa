// ACPI table writer: each table built in a byte buffer, checksummed, then copied into guest RAM.
#include "arch/x86/acpi_tables.hpp"

#include <cstddef>
#include <cstring>
#include <span>
#include <vector>

#include <fmt/format.h>

#include "arch/x86/aml.hpp"
#include "arch/x86/cpuid.hpp"
#include "arch/x86/mptable.hpp"
#include "arch/x86/pc_io_layout.hpp"
#include "arch/x86/table_bytes.hpp"

namespace nimbus::x86 {

namespace {

constexpr char OEM_ID[6] = {'N', 'I', 'M', 'B', 'U', 'S'};
constexpr char OEM_TABLE_ID[8] = {'N', 'I', 'M', 'B', 'U', 'S', 'V', 'M'};
constexpr char CREATOR_ID[4] = {'N', 'M', 'B', 'S'};
constexpr char HYPERVISOR_VENDOR[8] = {'N', 'I', 'M', 'B', 'U', 'S', ' ', ' '};
constexpr std::uint8_t FADT_REVISION = 6;
constexpr std::uint8_t FADT_MINOR_VERSION = 5;  // ACPI 6.5
constexpr std::uint8_t DSDT_REVISION = 2;       // 64-bit AML integers
constexpr std::uint8_t MADT_REVISION = 5;
constexpr std::uint8_t XSDT_REVISION = 1;
constexpr std::uint8_t NMI_LINT = 1;  // as in the MP table: NMI on LINT1 of every local APIC

std::uint64_t align16(std::uint64_t value)
{
    return (value + 15) & ~std::uint64_t{15};
}

acpi::SdtHeader make_header(const char (&signature)[5], std::uint8_t revision)
{
    acpi::SdtHeader header{};
    std::memcpy(header.signature, signature, sizeof header.signature);
    header.revision = revision;
    std::memcpy(header.oem_id, OEM_ID, sizeof header.oem_id);
    std::memcpy(header.oem_table_id, OEM_TABLE_ID, sizeof header.oem_table_id);
    header.oem_revision = 1;
    std::memcpy(header.creator_id, CREATOR_ID, sizeof header.creator_id);
    header.creator_revision = 1;
    return header;
}

// Fills in the SDT header's length and checksum once the whole table is in `table`.
void seal(std::vector<std::uint8_t>& table)
{
    auto length = static_cast<std::uint32_t>(table.size());
    std::memcpy(table.data() + offsetof(acpi::SdtHeader, length), &length, sizeof length);
    table[offsetof(acpi::SdtHeader, checksum)] = 0;
    table[offsetof(acpi::SdtHeader, checksum)] = checksum_for(table);
}

// The legacy devices a hardware-reduced OS cannot assume. Linux then has no PIC and
// preallocates no ISA IRQs, so the 8250 driver's built-in IRQ 4 for ttyS0 maps to nothing; the
// ACPI PNP layer reads this _CRS, registers GSI 4 with the IO APIC and 8250_pnp hands the port
// that IRQ. Laid out as QEMU's microvm does (Scope (\_SB) { Device (COM1) ... }). The i8042 is
// left out: Linux resets through port 0x64 without looking for it. So is the RTC: its IRQ 8 would
// let rtc_cmos bind, but it would then wait for update interrupts CmosRtc never raises.
aml::Bytes com1_device()
{
    aml::Bytes resources = aml::io(COM1_PORT, COM1_PORT, 0, COM1_PORT_COUNT);
    aml::append(resources, aml::irq_no_flags(COM1_IRQ));
    aml::Bytes com1 = aml::name("_HID", aml::eisa_id("PNP0501"));
    aml::append(com1, aml::name("_UID", aml::integer(0)));
    aml::append(com1, aml::name("_CRS", aml::resource_template(resources)));
    return aml::device("COM1", com1);
}

// HW-reduced ACPI has no fixed power button and no GPEs: events come through a Generic Event
// Device (ACPI 6.5 section 5.6.9), as on Firecracker and Cloud Hypervisor. Linux's evged driver
// requests the _CRS interrupt and runs _EVT; the notify reaches the button driver (acpi_button),
// which reports KEY_POWER on its input device.
//   Device (PWRB) { Name (_HID, EisaId ("PNP0C0C")) Name (_UID, Zero) }
//   Device (GED0) { Name (_HID, "ACPI0013") Name (_UID, Zero)
//     Name (_CRS, ResourceTemplate () { Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) {23} })
//     OperationRegion (GDST, SystemIO, 0x0602, One)
//     Field (GDST, ByteAcc, NoLock, WriteAsZeros) { GEVT, 8 }
//     Method (_EVT, 1, Serialized) { Local0 = GEVT  GEVT = Local0
//       If ((Local0 & One)) { Notify (\_SB.PWRB, 0x80) } } }
// Acknowledging before notifying lowers the level-triggered line before Linux unmasks it again.
aml::Bytes power_button_devices()
{
    constexpr std::uint64_t NOTIFY_DEVICE_SPECIFIC = 0x80;  // for a power button: "pressed"
    aml::Bytes button = aml::name("_HID", aml::eisa_id("PNP0C0C"));
    aml::append(button, aml::name("_UID", aml::integer(0)));
    aml::Bytes devices = aml::device("PWRB", button);

    aml::Bytes ged = aml::name("_HID", aml::string("ACPI0013"));
    aml::append(ged, aml::name("_UID", aml::integer(0)));
    aml::append(ged, aml::name("_CRS", aml::resource_template(aml::extended_interrupt(
                                          aml::Trigger::Level, aml::Polarity::ActiveHigh, GED_GSI))));
    aml::append(ged, aml::operation_region("GDST", aml::RegionSpace::SystemIo, GED_STATUS_PORT, 1));
    aml::append(ged, aml::field("GDST", aml::FieldAccess::Byte, aml::FieldUpdate::WriteAsZeros, {{"GEVT", 8}}));
    aml::Bytes event = aml::store(aml::name_string("GEVT"), aml::local(0));
    aml::append(event, aml::store(aml::local(0), aml::name_string("GEVT")));
    aml::append(event, aml::if_then(aml::bitwise_and(aml::local(0), aml::integer(GED_EVENT_POWER_BUTTON)),
                                    aml::notify(aml::name_string("\\_SB.PWRB"), aml::integer(NOTIFY_DEVICE_SPECIFIC))));
    aml::append(ged, aml::method("_EVT", 1, aml::MethodSync::Serialized, event));
    aml::append(devices, aml::device("GED0", ged));
    return devices;
}

// Laid out as QEMU's microvm names them (VR00, VR01, ...). With ACPI on, Linux creates a platform
// device per entry, maps the GSI through the IO APIC as the descriptor says, and virtio_mmio
// probes it; without these it would not know the devices, or (named on the command line) could
// not map their ISA IRQs, which a hardware-reduced Linux maps only when the DSDT mentions them.
aml::Bytes virtio_mmio_device(std::size_t index, const VirtioMmioAcpi& where)
{
    aml::Bytes resources = aml::memory32_fixed(aml::MemoryAccess::ReadWrite, where.base, where.size);
    aml::append(resources, aml::extended_interrupt(aml::Trigger::Edge, aml::Polarity::ActiveHigh, where.gsi));
    aml::Bytes body = aml::name("_HID", aml::string("LNRO0005"));
    aml::append(body, aml::name("_UID", aml::integer(index)));
    aml::append(body, aml::name("_CRS", aml::resource_template(resources)));
    return aml::device(fmt::format("VR{:02X}", index), body);
}

aml::Bytes build_dsdt_aml(std::span<const VirtioMmioAcpi> virtio_mmio)
{
    aml::Bytes system_bus = com1_device();
    aml::append(system_bus, power_button_devices());
    for (std::size_t index = 0; index < virtio_mmio.size(); ++index)
        aml::append(system_bus, virtio_mmio_device(index, virtio_mmio[index]));
    aml::Bytes dsdt = aml::scope("\\_SB", system_bus);
    // \_S5_ (soft off): without it Linux registers no ACPI power-off and `poweroff` only halts.
    aml::append(dsdt, aml::name("_S5_", aml::package({aml::integer(S5_SLEEP_TYPE)})));
    return dsdt;
}

std::vector<std::uint8_t> build_dsdt(std::span<const VirtioMmioAcpi> virtio_mmio)
{
    std::vector<std::uint8_t> table;
    append(table, make_header("DSDT", DSDT_REVISION));
    aml::append(table, build_dsdt_aml(virtio_mmio));
    seal(table);
    return table;
}

std::vector<std::uint8_t> build_fadt(std::uint64_t dsdt_address)
{
    acpi::Fadt fadt{};
    fadt.header = make_header("FACP", FADT_REVISION);
    // No PM1, GPE or SCI blocks: without this flag ACPICA insists on them and will not start its
    // interpreter. Linux then skips the PIC and PIT (the local APIC timer drives it) and learns
    // of the UART from the DSDT.
    fadt.flags = FADT_FLAG_HW_REDUCED_ACPI | FADT_FLAG_PWR_BUTTON | FADT_FLAG_SLP_BUTTON;
    fadt.iapc_boot_arch = FADT_BOOT_ARCH_VGA_NOT_PRESENT;
    // Linux offers ACPI power-off on a HW-reduced machine only when both sleep registers exist.
    constexpr std::uint8_t SYSTEM_IO = 1;
    constexpr std::uint8_t BYTE_ACCESS = 1;
    fadt.sleep_control_reg = {SYSTEM_IO, 8, 0, BYTE_ACCESS, SLEEP_CONTROL_PORT};
    fadt.sleep_status_reg = {SYSTEM_IO, 8, 0, BYTE_ACCESS, SLEEP_STATUS_PORT};
    fadt.fadt_minor_version = FADT_MINOR_VERSION;
    // Both pointers, as ACPICA warns when a 32-bit and a 64-bit field disagree.
    fadt.dsdt = static_cast<std::uint32_t>(dsdt_address);
    fadt.x_dsdt = dsdt_address;
    std::memcpy(fadt.hypervisor_vendor_identity, HYPERVISOR_VENDOR, sizeof fadt.hypervisor_vendor_identity);
    std::vector<std::uint8_t> table;
    append(table, fadt);
    seal(table);
    return table;
}

std::vector<std::uint8_t> build_madt(std::uint32_t vcpu_count)
{
    acpi::MadtHeader madt{};
    madt.header = make_header("APIC", MADT_REVISION);
    madt.local_apic_address = LOCAL_APIC_DEFAULT_ADDRESS;
    // KVM's in-kernel irqchip does include the 8259 pair, so the OS should know to mask it.
    madt.flags = MADT_FLAG_PCAT_COMPAT;
    std::vector<std::uint8_t> table;
    append(table, madt);

    for (std::uint32_t i = 0; i < vcpu_count; ++i) {
        acpi::MadtLocalApic cpu{};
        cpu.type = acpi::MADT_LOCAL_APIC;
        cpu.length = sizeof cpu;
        cpu.processor_uid = static_cast<std::uint8_t>(i);
        cpu.apic_id = static_cast<std::uint8_t>(apic_id_for(i));
        cpu.flags = acpi::MADT_LOCAL_APIC_ENABLED;
        append(table, cpu);
    }

    acpi::MadtIoApic io_apic{};
    io_apic.type = acpi::MADT_IO_APIC;
    io_apic.length = sizeof io_apic;
    io_apic.io_apic_id = static_cast<std::uint8_t>(io_apic_id_for(vcpu_count));
    io_apic.io_apic_address = IO_APIC_DEFAULT_ADDRESS;
    io_apic.global_system_interrupt_base = 0;
    append(table, io_apic);

    // No interrupt source overrides: they describe ISA IRQs that reach a GSI other than their own
    // number (QEMU's IRQ0 -> GSI2), and KVM's default routing wires ISA IRQ n to IO APIC pin n,
    // the PIT included. Identity overrides do not help a hardware-reduced Linux either: it maps
    // ISA IRQs only for devices the DSDT describes (see build_dsdt_aml).
    acpi::MadtLocalApicNmi nmi{};
    nmi.type = acpi::MADT_LOCAL_APIC_NMI;
    nmi.length = sizeof nmi;
    nmi.processor_uid = acpi::MADT_ALL_PROCESSORS;
    nmi.flags = 0;  // conforms to the bus
    nmi.lint = NMI_LINT;
    append(table, nmi);

    seal(table);
    return table;
}

std::vector<std::uint8_t> build_xsdt(std::span<const std::uint64_t> entries)
{
    std::vector<std::uint8_t> table;
    append(table, make_header("XSDT", XSDT_REVISION));
    for (std::uint64_t entry : entries)
        append(table, entry);
    seal(table);
    return table;
}

std::vector<std::uint8_t> build_rsdp(std::uint64_t xsdt_address)
{
    acpi::Rsdp rsdp{};
    std::memcpy(rsdp.signature, "RSD PTR ", sizeof rsdp.signature);
    std::memcpy(rsdp.oem_id, OEM_ID, sizeof rsdp.oem_id);
    rsdp.revision = 2;
    rsdp.length = sizeof rsdp;
    rsdp.xsdt_address = xsdt_address;
    std::vector<std::uint8_t> bytes;
    append(bytes, rsdp);
    bytes[offsetof(acpi::Rsdp, checksum)] = checksum_for(std::span(bytes).first(20));
    bytes[offsetof(acpi::Rsdp, extended_checksum)] = checksum_for(bytes);
    return bytes;
}

}  // namespace

Result<void> write_acpi_tables(const GuestMemory& memory, std::uint32_t vcpu_count,
                               std::span<const VirtioMmioAcpi> virtio_mmio)
{
    if (vcpu_count == 0 || vcpu_count > MAX_VCPU_COUNT)
        return fail("write ACPI tables", "{} vCPUs: the MADT describes 1 to {} (8-bit xAPIC ids)", vcpu_count,
                    MAX_VCPU_COUNT);
    if (virtio_mmio.size() > 0xFF)
        return fail("write ACPI tables", "{} virtio-mmio devices: the DSDT names at most 255", virtio_mmio.size());

    // Lay out RSDP, XSDT, FADT, DSDT, MADT in that order, each on a 16-byte boundary.
    constexpr std::size_t XSDT_ENTRY_COUNT = 2;  // FADT and MADT; the DSDT hangs off the FADT
    const std::uint64_t xsdt_address = align16(RSDP_ADDRESS + sizeof(acpi::Rsdp));
    const std::uint64_t fadt_address =
        align16(xsdt_address + sizeof(acpi::SdtHeader) + XSDT_ENTRY_COUNT * sizeof(std::uint64_t));
    const std::uint64_t dsdt_address = align16(fadt_address + sizeof(acpi::Fadt));
    std::vector<std::uint8_t> dsdt = build_dsdt(virtio_mmio);
    const std::uint64_t madt_address = align16(dsdt_address + dsdt.size());
    std::vector<std::uint8_t> madt = build_madt(vcpu_count);
    if (madt_address + madt.size() > ACPI_AREA_END)
        return fail("write ACPI tables", "tables for {} vCPUs end at {:#x}, past {:#x}", vcpu_count,
                    madt_address + madt.size(), ACPI_AREA_END);

    const std::uint64_t xsdt_entries[XSDT_ENTRY_COUNT] = {fadt_address, madt_address};
    TRY(memory.write(RSDP_ADDRESS, build_rsdp(xsdt_address)));
    TRY(memory.write(xsdt_address, build_xsdt(xsdt_entries)));
    TRY(memory.write(fadt_address, build_fadt(dsdt_address)));
    TRY(memory.write(dsdt_address, dsdt));
    TRY(memory.write(madt_address, madt));
    return {};
}

}  // namespace nimbus::x86
