// LongMode: writes the boot page tables and GDT, and fills the vCPU's registers to match them.
#include "arch/x86/long_mode.hpp"

#include <array>

#include "arch/x86/boot_layout.hpp"

namespace nimbus::x86 {

namespace {

constexpr std::uint64_t PAGE_SIZE = 0x1000;
constexpr std::uint64_t LARGE_PAGE_SIZE = 0x20'0000;
constexpr std::uint64_t ENTRIES_PER_TABLE = 512;
constexpr std::uint64_t PD_COUNT = 4;  // 4 x 1 GiB

using Table = std::array<std::uint64_t, ENTRIES_PER_TABLE>;

}  // namespace

Result<void> write_boot_page_tables(const GuestMemory& memory)
{
    Table pml4{};
    pml4[0] = PDPT_ADDRESS | PTE_PRESENT | PTE_WRITABLE;
    TRY(memory.write_object(PML4_ADDRESS, pml4));

    Table pdpt{};
    for (std::uint64_t gib = 0; gib < PD_COUNT; ++gib)
        pdpt[gib] = (PD_ADDRESS + gib * PAGE_SIZE) | PTE_PRESENT | PTE_WRITABLE;
    TRY(memory.write_object(PDPT_ADDRESS, pdpt));

    for (std::uint64_t gib = 0; gib < PD_COUNT; ++gib) {
        Table pd{};
        for (std::uint64_t index = 0; index < ENTRIES_PER_TABLE; ++index)
            pd[index] = ((gib * ENTRIES_PER_TABLE + index) * LARGE_PAGE_SIZE) | PTE_PRESENT | PTE_WRITABLE |
                        PTE_LARGE_PAGE;
        TRY(memory.write_object(PD_ADDRESS + gib * PAGE_SIZE, pd));
    }
    return {};
}

Result<void> write_boot_gdt(const GuestMemory& memory)
{
    std::array<std::uint64_t, GDT_ENTRY_COUNT> gdt{};
    gdt[BOOT_CODE_SELECTOR / 8] = GDT_CODE_64;
    gdt[BOOT_DATA_SELECTOR / 8] = GDT_DATA;
    TRY(memory.write_object(GDT_ADDRESS, gdt));
    return memory.write_object(IDT_ADDRESS, std::array<std::uint8_t, IDT_SIZE>{});
}

kvm_segment segment_from_descriptor(std::uint64_t descriptor, std::uint16_t selector)
{
    auto bits = [descriptor](unsigned shift, unsigned width) {
        return static_cast<std::uint8_t>((descriptor >> shift) & ((1u << width) - 1));
    };
    std::uint32_t limit = static_cast<std::uint32_t>((descriptor & 0xffff) | ((descriptor >> 32) & 0xf'0000));
    bool granular = bits(55, 1) != 0;
    return kvm_segment{
        .base = ((descriptor >> 16) & 0xff'ffff) | (((descriptor >> 56) & 0xff) << 24),
        // KVM takes the limit in bytes: scale 4 KiB granules as the CPU does.
        .limit = granular ? (limit << 12) | 0xfff : limit,
        .selector = selector,
        .type = bits(40, 4),
        .present = bits(47, 1),
        .dpl = bits(45, 2),
        .db = bits(54, 1),
        .s = bits(44, 1),
        .l = bits(53, 1),
        .g = bits(55, 1),
        .avl = bits(52, 1),
        .unusable = 0,
        .padding = 0,
    };
}

void set_long_mode_sregs(kvm_sregs& sregs)
{
    sregs.cs = segment_from_descriptor(GDT_CODE_64, BOOT_CODE_SELECTOR);
    kvm_segment data = segment_from_descriptor(GDT_DATA, BOOT_DATA_SELECTOR);
    sregs.ds = data;
    sregs.es = data;
    sregs.fs = data;
    sregs.gs = data;
    sregs.ss = data;

    sregs.gdt.base = GDT_ADDRESS;
    sregs.gdt.limit = static_cast<std::uint16_t>(GDT_ENTRY_COUNT * sizeof(std::uint64_t) - 1);
    sregs.idt.base = IDT_ADDRESS;
    sregs.idt.limit = static_cast<std::uint16_t>(IDT_SIZE - 1);

    // Assigned, not OR-ed into KVM's reset value, which has CD|NW (caches off) set.
    sregs.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
    sregs.cr3 = PML4_ADDRESS;
    sregs.cr4 = CR4_PAE;
    sregs.efer = EFER_LME | EFER_LMA;
}

kvm_regs boot_regs(std::uint64_t entry, std::uint64_t zero_page)
{
    kvm_regs regs{};
    regs.rip = entry;
    regs.rsi = zero_page;
    regs.rflags = 0x2;  // bit 1 is reserved and reads as 1; interrupts off
    regs.rsp = BOOT_STACK_POINTER;
    regs.rbp = 0;
    return regs;
}

kvm_fpu boot_fpu()
{
    kvm_fpu fpu{};
    fpu.fcw = 0x37f;     // FNINIT: all x87 exceptions masked, extended precision
    fpu.mxcsr = 0x1f80;  // all SSE exceptions masked
    return fpu;
}

}  // namespace nimbus::x86
