// LongMode: page tables, GDT and register state for entering a kernel in 64-bit mode.
#pragma once

#include <linux/kvm.h>

#include <cstdint>

#include "base/error.hpp"
#include "memory/guest_memory.hpp"

namespace nimbus::x86 {

// Boot GDT descriptors (flat 4 GiB); the Linux boot protocol wants code at 0x10, data at 0x18.
inline constexpr std::uint64_t GDT_CODE_64 = 0x00AF'9B00'0000'FFFF;  // G, L, P, DPL 0, code execute/read, accessed
inline constexpr std::uint64_t GDT_DATA = 0x00CF'9300'0000'FFFF;     // G, D/B, P, DPL 0, data read/write, accessed
inline constexpr std::uint64_t GDT_ENTRY_COUNT = 4;                   // null, null, code, data
inline constexpr std::uint64_t IDT_SIZE = 16;                         // one empty 64-bit gate

inline constexpr std::uint64_t PTE_PRESENT = 1u << 0;
inline constexpr std::uint64_t PTE_WRITABLE = 1u << 1;
inline constexpr std::uint64_t PTE_LARGE_PAGE = 1u << 7;  // PS: a PD entry maps 2 MiB

inline constexpr std::uint64_t CR0_PE = 1u << 0;
inline constexpr std::uint64_t CR0_ET = 1u << 4;
inline constexpr std::uint64_t CR0_NE = 1u << 5;
inline constexpr std::uint64_t CR0_PG = 1u << 31;
inline constexpr std::uint64_t CR4_PAE = 1u << 5;
inline constexpr std::uint64_t EFER_LME = 1u << 8;
inline constexpr std::uint64_t EFER_LMA = 1u << 10;

// Identity map of [0, 4 GiB) with 2 MiB pages: PML4 -> one PDPT (4 entries) -> 4 PDs.
Result<void> write_boot_page_tables(const GuestMemory& memory);
// The boot GDT at GDT_ADDRESS and an empty IDT at IDT_ADDRESS.
Result<void> write_boot_gdt(const GuestMemory& memory);

// A kvm_segment that matches what the CPU would load from GDT `descriptor` at `selector`.
kvm_segment segment_from_descriptor(std::uint64_t descriptor, std::uint16_t selector);
// Precondition: `sregs` came from KVM_GET_SREGS. Sets segments, GDT/IDT, control registers and
// EFER for 64-bit mode on our page tables; leaves TR, LDT, APIC base and the rest as KVM had them.
void set_long_mode_sregs(kvm_sregs& sregs);
// rip = entry, rsi = zero page (the 64-bit boot protocol), rflags with only the reserved bit 1.
kvm_regs boot_regs(std::uint64_t entry, std::uint64_t zero_page);
// The FPU as after FNINIT, SSE exceptions masked.
kvm_fpu boot_fpu();

}  // namespace nimbus::x86
