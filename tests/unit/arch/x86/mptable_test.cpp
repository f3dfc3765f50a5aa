// Tests for the MP table: written into guest memory, then found and checked as Linux would.
#include "arch/x86/mptable.hpp"

#include <cstring>

#include <gtest/gtest.h>

#include "arch/x86/boot_layout.hpp"
#include "arch/x86/cpuid.hpp"
#include "arch/x86/mptable_structs.hpp"
#include "tests/unit/support/guest_memory_fixture.hpp"

namespace nimbus::x86 {
namespace {

using test::byte_sum;
using test::make_memory;

class MpTableForVcpus : public testing::TestWithParam<std::uint32_t> {};

TEST_P(MpTableForVcpus, ParsesBackWhatWasWritten)
{
    const std::uint32_t vcpus = GetParam();
    GuestMemory memory = make_memory();
    auto written = write_mptable(memory, vcpus);
    ASSERT_TRUE(written) << written.error().message();

    auto summary = parse_mptable(memory);
    ASSERT_TRUE(summary) << summary.error().message();
    EXPECT_EQ(summary->floating_pointer_address, EBDA_START);
    EXPECT_EQ(summary->config_table_address, EBDA_START + sizeof(mp::FloatingPointer));
    EXPECT_EQ(summary->local_apic_address, LOCAL_APIC_DEFAULT_ADDRESS);

    ASSERT_EQ(summary->cpus.size(), vcpus);
    for (std::uint32_t i = 0; i < vcpus; ++i) {
        EXPECT_EQ(summary->cpus[i].apic_id, apic_id_for(i));
        EXPECT_TRUE(summary->cpus[i].enabled);
        EXPECT_EQ(summary->cpus[i].bootstrap, i == 0) << "BSP flag only on cpu 0";
    }
    EXPECT_EQ(summary->bsp_index, 0u);

    EXPECT_EQ(summary->io_apic_id, io_apic_id_for(vcpus));
    EXPECT_EQ(summary->io_apic_address, IO_APIC_DEFAULT_ADDRESS);
    ASSERT_EQ(summary->irq_routes.size(), ISA_IRQ_COUNT);
    for (std::uint32_t irq = 0; irq < ISA_IRQ_COUNT; ++irq) {
        EXPECT_EQ(summary->irq_routes[irq].source_bus_irq, irq);
        EXPECT_EQ(summary->irq_routes[irq].io_apic_pin, irq) << "KVM default routing: GSI i -> pin i";
        EXPECT_EQ(summary->irq_routes[irq].io_apic_id, io_apic_id_for(vcpus));
    }
    EXPECT_EQ(summary->extint_lint, 0u);
    EXPECT_EQ(summary->nmi_lint, 1u);
}

TEST_P(MpTableForVcpus, ChecksumsAndHeaderFields)
{
    const std::uint32_t vcpus = GetParam();
    GuestMemory memory = make_memory();
    ASSERT_TRUE(write_mptable(memory, vcpus));

    auto pointer = memory.read_object<mp::FloatingPointer>(EBDA_START);
    ASSERT_TRUE(pointer);
    EXPECT_EQ(std::memcmp(pointer->signature, "_MP_", 4), 0);
    EXPECT_EQ(pointer->length, 1);
    EXPECT_EQ(pointer->spec_rev, 4);
    EXPECT_EQ(pointer->feature1, 0);
    EXPECT_EQ(byte_sum(memory, EBDA_START, sizeof(mp::FloatingPointer)), 0);

    auto header = memory.read_object<mp::ConfigTableHeader>(pointer->physical_address_pointer);
    ASSERT_TRUE(header);
    EXPECT_EQ(std::memcmp(header->signature, "PCMP", 4), 0);
    EXPECT_EQ(header->spec_rev, 4);
    EXPECT_EQ(std::memcmp(header->oem_id, "NIMBUS  ", 8), 0);
    EXPECT_EQ(header->entry_count, vcpus + 1 + 1 + 16 + 2);
    EXPECT_EQ(header->base_table_length + sizeof(mp::FloatingPointer), mptable_size(vcpus));
    EXPECT_EQ(byte_sum(memory, pointer->physical_address_pointer, header->base_table_length), 0);

    // Entries appear in type order (processors, bus, IO APIC, I/O and local interrupts).
    auto table = memory.span(pointer->physical_address_pointer, header->base_table_length);
    ASSERT_TRUE(table);
    std::uint8_t previous = 0;
    for (std::size_t offset = sizeof(mp::ConfigTableHeader); offset < table->size();) {
        std::uint8_t type = (*table)[offset];
        EXPECT_GE(type, previous);
        previous = type;
        offset += type == mp::ENTRY_PROCESSOR ? sizeof(mp::ProcessorEntry) : 8;
    }
}

INSTANTIATE_TEST_SUITE_P(Vcpus, MpTableForVcpus, testing::Values(1u, 2u, 8u));

TEST(MpTable, LargestMachineFitsBelowOneMegabyte)
{
    EXPECT_LE(EBDA_START + mptable_size(MAX_VCPU_COUNT), BIOS_AREA_END);
    GuestMemory memory = make_memory();
    ASSERT_TRUE(write_mptable(memory, MAX_VCPU_COUNT));
    auto summary = parse_mptable(memory);
    ASSERT_TRUE(summary) << summary.error().message();
    EXPECT_EQ(summary->cpus.size(), MAX_VCPU_COUNT);
    EXPECT_EQ(summary->cpus.back().apic_id, 253);
    EXPECT_EQ(summary->io_apic_id, 254) << "below the 0xFF broadcast id";
}

TEST(MpTable, RejectsTooManyOrNoVcpus)
{
    GuestMemory memory = make_memory();
    auto too_many = write_mptable(memory, MAX_VCPU_COUNT + 1);
    ASSERT_FALSE(too_many);
    EXPECT_NE(too_many.error().message().find("255 vCPUs"), std::string::npos) << too_many.error().message();
    EXPECT_FALSE(write_mptable(memory, 0));
    EXPECT_FALSE(parse_mptable(memory)) << "a refused table leaves nothing behind";
}

TEST(MpTable, FailsWhenEbdaIsNotRam)
{
    auto small = GuestMemory::create(512 << 10);
    ASSERT_TRUE(small);
    EXPECT_FALSE(write_mptable(*small, 1));
}

TEST(MpTable, ParserFindsNothingInEmptyMemory)
{
    GuestMemory memory = make_memory();
    auto summary = parse_mptable(memory);
    ASSERT_FALSE(summary);
    EXPECT_NE(summary.error().message().find("_MP_"), std::string::npos);
}

TEST(MpTable, ParserRejectsCorruptedTables)
{
    GuestMemory memory = make_memory();
    ASSERT_TRUE(write_mptable(memory, 2));
    const std::uint64_t first_entry = EBDA_START + sizeof(mp::FloatingPointer) + sizeof(mp::ConfigTableHeader);

    // A flipped APIC id breaks the configuration table checksum.
    auto cpu = memory.span(first_entry, sizeof(mp::ProcessorEntry));
    ASSERT_TRUE(cpu);
    (*cpu)[1] ^= 0x40;
    EXPECT_FALSE(parse_mptable(memory));
    (*cpu)[1] ^= 0x40;
    EXPECT_TRUE(parse_mptable(memory));

    // A floating pointer with a bad checksum is not found at all, as in Linux's scan.
    auto pointer = memory.span(EBDA_START, sizeof(mp::FloatingPointer));
    ASSERT_TRUE(pointer);
    (*pointer)[offsetof(mp::FloatingPointer, checksum)] ^= 1;
    EXPECT_FALSE(parse_mptable(memory));
}

}  // namespace
}  // namespace nimbus::x86
