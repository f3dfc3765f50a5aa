// Where the VMM puts boot structures in guest-physical memory (all below 1 MiB but the kernel).
#pragma once

#include <cstdint>

namespace nimbus::x86 {

inline constexpr std::uint64_t GDT_ADDRESS = 0x500;
inline constexpr std::uint64_t IDT_ADDRESS = 0x520;
inline constexpr std::uint64_t BOOT_STACK_POINTER = 0x8ff0;  // only for non-Linux test guests' first call
inline constexpr std::uint64_t ZERO_PAGE_ADDRESS = 0x7000;
inline constexpr std::uint64_t PML4_ADDRESS = 0x9000;
inline constexpr std::uint64_t PDPT_ADDRESS = 0xa000;
inline constexpr std::uint64_t PD_ADDRESS = 0xb000;  // four pages: 0xb000..0xefff map 4 GiB with 2 MiB pages
inline constexpr std::uint64_t CMDLINE_ADDRESS = 0x20000;
inline constexpr std::uint64_t CMDLINE_MAX_SIZE = 0x10000;  // our cap; the kernel's cmdline_size also applies
inline constexpr std::uint64_t EBDA_START = 0x9fc00;         // MP table lives here; reserved in e820
inline constexpr std::uint64_t BIOS_AREA_END = 0x100000;     // 0x9fc00..1 MiB reserved in e820
inline constexpr std::uint64_t HIGH_MEMORY_START = 0x100000; // 1 MiB: where bzImage's protected-mode part goes

// Segment selectors of the boot GDT (the Linux boot protocol's __BOOT_CS/__BOOT_DS).
inline constexpr std::uint16_t BOOT_CODE_SELECTOR = 0x10;
inline constexpr std::uint16_t BOOT_DATA_SELECTOR = 0x18;

}  // namespace nimbus::x86
