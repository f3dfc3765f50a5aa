// Tests for the ACPI tables: found from the RSDP as Linux does, checksummed, and the MADT read back.
#include "arch/x86/acpi_tables.hpp"

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "arch/x86/boot_layout.hpp"
#include "arch/x86/cpuid.hpp"
#include "arch/x86/mptable.hpp"
#include "tests/unit/support/guest_memory_fixture.hpp"

namespace nimbus::x86 {
namespace {

using test::byte_sum;
using test::make_memory;

// Linux's acpi_find_root_pointer: "RSD PTR " on a 16-byte boundary with a valid checksum.
std::uint64_t find_rsdp(const GuestMemory& memory)
{
    for (std::uint64_t address = ACPI_AREA_START; address + sizeof(acpi::Rsdp) <= ACPI_AREA_END; address += 16) {
        auto rsdp = memory.read_object<acpi::Rsdp>(address);
        if (rsdp && std::memcmp(rsdp->signature, "RSD PTR ", 8) == 0 && byte_sum(memory, address, 20) == 0)
            return address;
    }
    return 0;
}

struct MadtContents {
    std::vector<acpi::MadtLocalApic> cpus;
    std::vector<acpi::MadtIoApic> io_apics;
    std::vector<acpi::MadtLocalApicNmi> nmis;
    std::size_t overrides = 0;
    acpi::MadtHeader header{};
};

MadtContents read_madt(const GuestMemory& memory, std::uint64_t address)
{
    MadtContents contents;
    contents.header = *memory.read_object<acpi::MadtHeader>(address);
    auto table = *memory.span(address, contents.header.header.length);
    for (std::size_t offset = sizeof(acpi::MadtHeader); offset < table.size();) {
        std::uint8_t type = table[offset];
        std::uint8_t length = table[offset + 1];
        EXPECT_GE(length, 2);
        EXPECT_LE(offset + length, table.size());
        if (length < 2 || offset + length > table.size())
            break;
        const std::uint8_t* bytes = table.data() + offset;
        if (type == acpi::MADT_LOCAL_APIC && length == sizeof(acpi::MadtLocalApic)) {
            contents.cpus.emplace_back();
            std::memcpy(&contents.cpus.back(), bytes, length);
        } else if (type == acpi::MADT_IO_APIC && length == sizeof(acpi::MadtIoApic)) {
            contents.io_apics.emplace_back();
            std::memcpy(&contents.io_apics.back(), bytes, length);
        } else if (type == acpi::MADT_LOCAL_APIC_NMI && length == sizeof(acpi::MadtLocalApicNmi)) {
            contents.nmis.emplace_back();
            std::memcpy(&contents.nmis.back(), bytes, length);
        } else if (type == acpi::MADT_INTERRUPT_SOURCE_OVERRIDE) {
            ++contents.overrides;
        } else {
            ADD_FAILURE() << "unexpected MADT entry type " << int{type} << " length " << int{length};
        }
        offset += length;
    }
    return contents;
}

// Scope (\_SB) { Device (COM1) { Name (_HID, EisaId ("PNP0501")) Name (_UID, Zero)
//   Name (_CRS, ResourceTemplate () { IO (Decode16, 0x03F8, 0x03F8, 0x00, 0x08) IRQNoFlags () {4} }) }
//   Device (PWRB) { Name (_HID, EisaId ("PNP0C0C")) Name (_UID, Zero) }
//   Device (GED0) { ... as in aml_test's GenericEventDeviceMatchesIasl, on GSI 23, port 0x602 } }
// Name (_S5_, Package () { 0x05 })
// byte for byte as `iasl -oa` compiles it (plain iasl drops the redundant root prefix).
const std::vector<std::uint8_t> DSDT_AML{
    0x10, 0x4A, 0x0B, 0x5C, 0x5F, 0x53, 0x42, 0x5F, 0x5B, 0x82, 0x2B, 0x43, 0x4F, 0x4D, 0x31, 0x08, 0x5F, 0x48,
    0x49, 0x44, 0x0C, 0x41, 0xD0, 0x05, 0x01, 0x08, 0x5F, 0x55, 0x49, 0x44, 0x00, 0x08, 0x5F, 0x43, 0x52, 0x53,
    0x11, 0x10, 0x0A, 0x0D, 0x47, 0x01, 0xF8, 0x03, 0xF8, 0x03, 0x00, 0x08, 0x22, 0x10, 0x00, 0x79, 0x00, 0x5B,
    0x82, 0x15, 0x50, 0x57, 0x52, 0x42, 0x08, 0x5F, 0x48, 0x49, 0x44, 0x0C, 0x41, 0xD0, 0x0C, 0x0C, 0x08, 0x5F,
    0x55, 0x49, 0x44, 0x00, 0x5B, 0x82, 0x4D, 0x06, 0x47, 0x45, 0x44, 0x30, 0x08, 0x5F, 0x48, 0x49, 0x44, 0x0D,
    0x41, 0x43, 0x50, 0x49, 0x30, 0x30, 0x31, 0x33, 0x00, 0x08, 0x5F, 0x55, 0x49, 0x44, 0x00, 0x08, 0x5F, 0x43,
    0x52, 0x53, 0x11, 0x0E, 0x0A, 0x0B, 0x89, 0x06, 0x00, 0x01, 0x01, 0x17, 0x00, 0x00, 0x00, 0x79, 0x00, 0x5B,
    0x80, 0x47, 0x44, 0x53, 0x54, 0x01, 0x0B, 0x02, 0x06, 0x01, 0x5B, 0x81, 0x0B, 0x47, 0x44, 0x53, 0x54, 0x41,
    0x47, 0x45, 0x56, 0x54, 0x08, 0x14, 0x25, 0x5F, 0x45, 0x56, 0x54, 0x09, 0x70, 0x47, 0x45, 0x56, 0x54, 0x60,
    0x70, 0x60, 0x47, 0x45, 0x56, 0x54, 0xA0, 0x12, 0x7B, 0x60, 0x01, 0x00, 0x86, 0x5C, 0x2E, 0x5F, 0x53, 0x42,
    0x5F, 0x50, 0x57, 0x52, 0x42, 0x0A, 0x80, 0x08, 0x5F, 0x53, 0x35, 0x5F, 0x12, 0x04, 0x01, 0x0A, 0x05,
};

class AcpiForVcpus : public testing::TestWithParam<std::uint32_t> {};

TEST_P(AcpiForVcpus, TablesAreFoundChecksummedAndDescribeTheMachine)
{
    const std::uint32_t vcpus = GetParam();
    GuestMemory memory = make_memory();
    auto written = write_acpi_tables(memory, vcpus);
    ASSERT_TRUE(written) << written.error().message();

    std::uint64_t rsdp_address = find_rsdp(memory);
    ASSERT_EQ(rsdp_address, RSDP_ADDRESS);
    auto rsdp = *memory.read_object<acpi::Rsdp>(rsdp_address);
    EXPECT_EQ(rsdp.revision, 2);
    EXPECT_EQ(rsdp.length, sizeof(acpi::Rsdp));
    EXPECT_EQ(byte_sum(memory, rsdp_address, rsdp.length), 0) << "extended checksum";

    auto xsdt = *memory.read_object<acpi::SdtHeader>(rsdp.xsdt_address);
    ASSERT_EQ(std::memcmp(xsdt.signature, "XSDT", 4), 0);
    EXPECT_EQ(byte_sum(memory, rsdp.xsdt_address, xsdt.length), 0);
    ASSERT_EQ((xsdt.length - sizeof xsdt) % 8, 0u);

    // Every table the XSDT names: signature, checksum, and inside the reserved BIOS area.
    std::map<std::string, std::uint64_t> tables;
    for (std::uint64_t offset = sizeof xsdt; offset < xsdt.length; offset += 8) {
        std::uint64_t address = *memory.read_object<std::uint64_t>(rsdp.xsdt_address + offset);
        auto header = *memory.read_object<acpi::SdtHeader>(address);
        EXPECT_EQ(byte_sum(memory, address, header.length), 0) << std::string(header.signature, 4);
        EXPECT_GE(address, ACPI_AREA_START);
        EXPECT_LE(address + header.length, ACPI_AREA_END);
        EXPECT_EQ(address % 8, 0u);
        tables[std::string(header.signature, 4)] = address;
    }
    ASSERT_EQ(tables.size(), 2u);
    ASSERT_TRUE(tables.contains("FACP") && tables.contains("APIC"));

    auto fadt = *memory.read_object<acpi::Fadt>(tables["FACP"]);
    EXPECT_EQ(fadt.header.length, sizeof(acpi::Fadt));
    EXPECT_EQ(fadt.header.revision, 6);
    EXPECT_NE(fadt.flags & FADT_FLAG_HW_REDUCED_ACPI, 0u);
    EXPECT_EQ(fadt.x_dsdt, fadt.dsdt);
    auto dsdt = *memory.read_object<acpi::SdtHeader>(fadt.x_dsdt);
    EXPECT_EQ(std::memcmp(dsdt.signature, "DSDT", 4), 0);
    EXPECT_EQ(byte_sum(memory, fadt.x_dsdt, dsdt.length), 0);
    EXPECT_GE(fadt.x_dsdt, ACPI_AREA_START);
    EXPECT_LE(fadt.x_dsdt + dsdt.length, ACPI_AREA_END);
    ASSERT_GT(dsdt.length, sizeof dsdt);
    auto aml = *memory.span(fadt.x_dsdt + sizeof dsdt, dsdt.length - sizeof dsdt);
    EXPECT_EQ(std::vector<std::uint8_t>(aml.begin(), aml.end()), DSDT_AML);
    EXPECT_EQ(fadt.flags, FADT_FLAG_HW_REDUCED_ACPI | FADT_FLAG_PWR_BUTTON | FADT_FLAG_SLP_BUTTON);
    EXPECT_EQ(fadt.sleep_control_reg.address_space_id, 1);  // system I/O
    EXPECT_EQ(fadt.sleep_control_reg.address, SLEEP_CONTROL_PORT);
    EXPECT_EQ(fadt.sleep_status_reg.address, SLEEP_STATUS_PORT);

    MadtContents madt = read_madt(memory, tables["APIC"]);
    EXPECT_EQ(madt.header.local_apic_address, LOCAL_APIC_DEFAULT_ADDRESS);
    ASSERT_EQ(madt.cpus.size(), vcpus);
    for (std::uint32_t i = 0; i < vcpus; ++i) {
        EXPECT_EQ(madt.cpus[i].apic_id, apic_id_for(i));
        EXPECT_EQ(madt.cpus[i].processor_uid, i);
        EXPECT_EQ(madt.cpus[i].flags, acpi::MADT_LOCAL_APIC_ENABLED);
    }
    ASSERT_EQ(madt.io_apics.size(), 1u);
    EXPECT_EQ(madt.io_apics[0].io_apic_id, io_apic_id_for(vcpus));
    EXPECT_EQ(madt.io_apics[0].io_apic_address, IO_APIC_DEFAULT_ADDRESS);
    EXPECT_EQ(madt.io_apics[0].global_system_interrupt_base, 0u);
    EXPECT_EQ(madt.overrides, 0u) << "GSI i = IO APIC pin i, as KVM routes by default";
    ASSERT_EQ(madt.nmis.size(), 1u);
    EXPECT_EQ(madt.nmis[0].lint, 1);
    EXPECT_EQ(madt.nmis[0].processor_uid, acpi::MADT_ALL_PROCESSORS);
}

INSTANTIATE_TEST_SUITE_P(Vcpus, AcpiForVcpus, testing::Values(1u, 2u, 8u, MAX_VCPU_COUNT));

// The AML of one virtio-mmio device (aml_test's VirtioMmioDeviceMatchesIasl), named and numbered.
std::vector<std::uint8_t> virtio_device_aml(char digit, std::uint8_t uid_byte, std::uint8_t base_high, std::uint8_t gsi)
{
    std::vector<std::uint8_t> uid = uid_byte == 0 ? std::vector<std::uint8_t>{0x00}
                                                  : std::vector<std::uint8_t>{0x01};  // Zero / One
    std::vector<std::uint8_t> out{0x5B, 0x82, 0x3A, 'V', 'R', '0', static_cast<std::uint8_t>(digit),
                                  0x08, '_', 'H', 'I', 'D', 0x0D, 'L', 'N', 'R', 'O', '0', '0', '0', '5', 0x00,
                                  0x08, '_', 'U', 'I', 'D'};
    out.insert(out.end(), uid.begin(), uid.end());
    const std::vector<std::uint8_t> rest{
        0x08, '_', 'C', 'R', 'S', 0x11, 0x1A, 0x0A, 0x17,
        0x86, 0x09, 0x00, 0x01, 0x00, base_high, 0x00, 0xD0, 0x00, 0x10, 0x00, 0x00,
        0x89, 0x06, 0x00, 0x03, 0x01, gsi, 0x00, 0x00, 0x00,
        0x79, 0x00,
    };
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
}

TEST(AcpiTables, DsdtDescribesEachVirtioMmioDevice)
{
    GuestMemory memory = make_memory();
    const VirtioMmioAcpi devices[] = {{0xD000'0000, 0x1000, 5}, {0xD000'1000, 0x1000, 6}};
    ASSERT_TRUE(write_acpi_tables(memory, 1, devices));
    auto rsdp = *memory.read_object<acpi::Rsdp>(RSDP_ADDRESS);
    auto fadt = *memory.read_object<acpi::Fadt>(
        *memory.read_object<std::uint64_t>(rsdp.xsdt_address + sizeof(acpi::SdtHeader)));
    auto dsdt = *memory.read_object<acpi::SdtHeader>(fadt.x_dsdt);
    EXPECT_EQ(byte_sum(memory, fadt.x_dsdt, dsdt.length), 0);
    auto span = *memory.span(fadt.x_dsdt + sizeof dsdt, dsdt.length - sizeof dsdt);
    std::vector<std::uint8_t> aml(span.begin(), span.end());

    // Scope (\_SB) grows by the two devices (60 bytes each): PkgLength 0x0BA + 120 = 0x132 (iasl -oa agrees).
    std::vector<std::uint8_t> expected = DSDT_AML;
    expected[1] = 0x42;
    expected[2] = 0x13;
    std::vector<std::uint8_t> devices_aml = virtio_device_aml('0', 0, 0x00, 5);
    std::vector<std::uint8_t> second = virtio_device_aml('1', 1, 0x10, 6);
    devices_aml.insert(devices_aml.end(), second.begin(), second.end());
    ASSERT_EQ(devices_aml.size(), 120u);
    const std::size_t s5_size = 10;  // Name (_S5_, ...) stays after the scope
    expected.insert(expected.end() - s5_size, devices_aml.begin(), devices_aml.end());
    EXPECT_EQ(aml, expected);
}

TEST(AcpiTables, RejectsTooManyOrNoVcpus)
{
    GuestMemory memory = make_memory();
    EXPECT_FALSE(write_acpi_tables(memory, 0));
    EXPECT_FALSE(write_acpi_tables(memory, MAX_VCPU_COUNT + 1));
    EXPECT_EQ(find_rsdp(memory), 0u);
}

TEST(AcpiTables, CoexistWithTheMpTable)
{
    GuestMemory memory = make_memory();
    EXPECT_LE(EBDA_START + mptable_size(MAX_VCPU_COUNT), ACPI_AREA_START);
    ASSERT_TRUE(write_mptable(memory, MAX_VCPU_COUNT));
    ASSERT_TRUE(write_acpi_tables(memory, MAX_VCPU_COUNT));
    auto summary = parse_mptable(memory);
    ASSERT_TRUE(summary) << summary.error().message();
    EXPECT_EQ(summary->cpus.size(), MAX_VCPU_COUNT);
    EXPECT_EQ(find_rsdp(memory), RSDP_ADDRESS);
}

}  // namespace
}  // namespace nimbus::x86
