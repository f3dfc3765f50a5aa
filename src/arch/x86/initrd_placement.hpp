// InitrdPlacement: where the initial ramdisk goes in guest-physical memory.
#pragma once

#include <cstdint>

#include "base/error.hpp"

namespace nimbus::x86 {

// An ELF vmlinux has no setup header to tell us; this is what the kernel's header.S advertises
// for x86-64 (0x37FFFFFF), which keeps the initrd inside what early boot has mapped.
inline constexpr std::uint64_t DEFAULT_INITRD_ADDR_MAX = 0x37FFFFFF;
inline constexpr std::uint64_t INITRD_ALIGNMENT = 0x1000;

struct InitrdLimits final {
    std::uint64_t kernel_end = 0;       // first byte after the kernel image; the initrd goes above
    std::uint64_t low_ram_end = 0;      // min(end of RAM, MMIO hole start)
    std::uint64_t initrd_addr_max = 0;  // highest byte the initrd may occupy (inclusive)
};

// The highest 4 KiB-aligned address where `initrd_size` bytes fit at or above kernel_end and
// end at or below both low_ram_end and initrd_addr_max + 1, the way boot loaders place it.
Result<std::uint64_t> place_initrd(std::uint64_t initrd_size, const InitrdLimits& limits);

}  // namespace nimbus::x86
