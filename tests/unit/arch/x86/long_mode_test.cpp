// LongMode: the identity map, the boot GDT and the register state the 64-bit entry expects.
#include <gtest/gtest.h>

#include "arch/x86/boot_layout.hpp"
#include "arch/x86/long_mode.hpp"
#include "tests/unit/support/guest_memory_fixture.hpp"

using namespace nimbus;
using namespace nimbus::x86;

namespace {

using test::byte_sum;
using test::make_memory;

std::uint64_t read_u64(const GuestMemory& memory, std::uint64_t address)
{
    auto value = memory.read_object<std::uint64_t>(address);
    EXPECT_TRUE(value);
    return value.value_or(0);
}

// Walks our 4-level tables the way the MMU does for a 2 MiB page; returns the physical address.
std::uint64_t translate(const GuestMemory& memory, std::uint64_t virtual_address)
{
    constexpr std::uint64_t ADDRESS_MASK = 0x000f'ffff'ffff'f000;
    std::uint64_t pml4e = read_u64(memory, PML4_ADDRESS + ((virtual_address >> 39) & 0x1ff) * 8);
    EXPECT_EQ(pml4e & (PTE_PRESENT | PTE_WRITABLE), PTE_PRESENT | PTE_WRITABLE);
    std::uint64_t pdpte = read_u64(memory, (pml4e & ADDRESS_MASK) + ((virtual_address >> 30) & 0x1ff) * 8);
    EXPECT_EQ(pdpte & (PTE_PRESENT | PTE_WRITABLE | PTE_LARGE_PAGE), PTE_PRESENT | PTE_WRITABLE);
    std::uint64_t pde = read_u64(memory, (pdpte & ADDRESS_MASK) + ((virtual_address >> 21) & 0x1ff) * 8);
    EXPECT_EQ(pde & (PTE_PRESENT | PTE_WRITABLE | PTE_LARGE_PAGE), PTE_PRESENT | PTE_WRITABLE | PTE_LARGE_PAGE);
    return (pde & 0x000f'ffff'ffe0'0000) | (virtual_address & 0x1f'ffff);
}

}  // namespace

TEST(LongMode, PageTablesIdentityMapTheFirstFourGiB)
{
    GuestMemory memory = make_memory();
    ASSERT_TRUE(write_boot_page_tables(memory));
    EXPECT_EQ(translate(memory, 0x0), 0x0u);
    EXPECT_EQ(translate(memory, 0x1234), 0x1234u);
    EXPECT_EQ(translate(memory, 0x100'0000), 0x100'0000u);
    EXPECT_EQ(translate(memory, 0x4000'0123), 0x4000'0123u);  // second PD
    EXPECT_EQ(translate(memory, 0xFFE0'0000), 0xFFE0'0000u);  // last 2 MiB page below 4 GiB
    EXPECT_EQ(translate(memory, 0xFFFF'FFFF), 0xFFFF'FFFFu);
    EXPECT_EQ(read_u64(memory, PD_ADDRESS + 3 * 0x1000 + 511 * 8), 0xFFE0'0000u | 0x83u);
}

TEST(LongMode, NothingAboveFourGiBIsMapped)
{
    GuestMemory memory = make_memory();
    ASSERT_TRUE(write_boot_page_tables(memory));
    EXPECT_EQ(read_u64(memory, PML4_ADDRESS + 8), 0u);
    EXPECT_EQ(read_u64(memory, PDPT_ADDRESS + 4 * 8), 0u);
}

TEST(LongMode, GdtHasCodeAndDataAtTheBootSelectors)
{
    GuestMemory memory = make_memory();
    std::vector<std::uint8_t> garbage(0x40, 0xCC);
    ASSERT_TRUE(memory.write(GDT_ADDRESS, garbage));
    ASSERT_TRUE(write_boot_gdt(memory));
    EXPECT_EQ(read_u64(memory, GDT_ADDRESS), 0u);
    EXPECT_EQ(read_u64(memory, GDT_ADDRESS + 8), 0u);
    EXPECT_EQ(read_u64(memory, GDT_ADDRESS + BOOT_CODE_SELECTOR), GDT_CODE_64);
    EXPECT_EQ(read_u64(memory, GDT_ADDRESS + BOOT_DATA_SELECTOR), GDT_DATA);
    EXPECT_EQ(read_u64(memory, IDT_ADDRESS), 0u);
    EXPECT_EQ(read_u64(memory, IDT_ADDRESS + 8), 0u);
}

TEST(LongMode, SegmentsDecodeTheDescriptors)
{
    kvm_segment code = segment_from_descriptor(GDT_CODE_64, BOOT_CODE_SELECTOR);
    EXPECT_EQ(code.base, 0u);
    EXPECT_EQ(code.limit, 0xFFFF'FFFFu);
    EXPECT_EQ(code.selector, 0x10);
    EXPECT_EQ(code.type, 0xB);
    EXPECT_EQ(code.present, 1);
    EXPECT_EQ(code.dpl, 0);
    EXPECT_EQ(code.db, 0);  // must be 0 when L is 1
    EXPECT_EQ(code.s, 1);
    EXPECT_EQ(code.l, 1);
    EXPECT_EQ(code.g, 1);

    kvm_segment data = segment_from_descriptor(GDT_DATA, BOOT_DATA_SELECTOR);
    EXPECT_EQ(data.selector, 0x18);
    EXPECT_EQ(data.type, 0x3);
    EXPECT_EQ(data.db, 1);
    EXPECT_EQ(data.l, 0);
    EXPECT_EQ(data.limit, 0xFFFF'FFFFu);

    kvm_segment odd = segment_from_descriptor(0x1200'0034'5678'0fffULL, 0x8);  // base 0x12345678, byte limit
    EXPECT_EQ(odd.base, 0x1234'5678u);
    EXPECT_EQ(odd.limit, 0xfffu);
    EXPECT_EQ(odd.g, 0);
}

TEST(LongMode, SregsEnterLongModeOnOurTables)
{
    kvm_sregs sregs{};
    sregs.cr0 = 0x6000'0010;  // KVM's reset value: CD|NW|ET
    sregs.apic_base = 0xFEE0'0900;
    sregs.tr.type = 11;
    set_long_mode_sregs(sregs);

    EXPECT_EQ(sregs.cs.selector, BOOT_CODE_SELECTOR);
    EXPECT_EQ(sregs.cs.l, 1);
    for (const kvm_segment* segment : {&sregs.ds, &sregs.es, &sregs.fs, &sregs.gs, &sregs.ss}) {
        EXPECT_EQ(segment->selector, BOOT_DATA_SELECTOR);
        EXPECT_EQ(segment->type, 0x3);
        EXPECT_EQ(segment->present, 1);
    }
    EXPECT_EQ(sregs.gdt.base, GDT_ADDRESS);
    EXPECT_EQ(sregs.gdt.limit, 31);
    EXPECT_EQ(sregs.idt.base, IDT_ADDRESS);
    EXPECT_EQ(sregs.idt.limit, 15);
    EXPECT_EQ(sregs.cr0, 0x8000'0031u);  // PG|NE|ET|PE, caches on
    EXPECT_EQ(sregs.cr3, PML4_ADDRESS);
    EXPECT_EQ(sregs.cr4, 0x20u);
    EXPECT_EQ(sregs.efer, 0x500u);
    EXPECT_EQ(sregs.apic_base, 0xFEE0'0900u);  // untouched
    EXPECT_EQ(sregs.tr.type, 11);
}

TEST(LongMode, RegistersFollowTheSixtyFourBitBootProtocol)
{
    kvm_regs regs = boot_regs(0x100'0200, ZERO_PAGE_ADDRESS);
    EXPECT_EQ(regs.rip, 0x100'0200u);
    EXPECT_EQ(regs.rsi, ZERO_PAGE_ADDRESS);
    EXPECT_EQ(regs.rflags, 0x2u);
    EXPECT_EQ(regs.rsp, BOOT_STACK_POINTER);
    EXPECT_EQ(regs.rbp, 0u);
    EXPECT_EQ(regs.rax, 0u);

    kvm_fpu fpu = boot_fpu();
    EXPECT_EQ(fpu.fcw, 0x37f);
    EXPECT_EQ(fpu.mxcsr, 0x1f80u);
}
