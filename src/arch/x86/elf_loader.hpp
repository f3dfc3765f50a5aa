// ElfLoader: copies an x86-64 ELF vmlinux (or a freestanding ELF test guest) into guest RAM.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "base/error.hpp"
#include "memory/guest_memory.hpp"

namespace nimbus::x86 {

struct ElfKernel final {
    std::uint64_t entry = 0;           // guest-physical 64-bit entry point
    std::uint64_t lowest_address = 0;  // first loaded guest-physical byte
    std::uint64_t end_address = 0;     // one past the last loaded byte (bss included)
    // XEN_ELFNOTE_PHYS32_ENTRY: the 32-bit PVH entry point, when the kernel has one.
    std::optional<std::uint32_t> pvh_entry;
};

// True when `file` starts with the ELF magic (it may still be an ELF we reject).
bool is_elf(std::span<const std::uint8_t> file);

// Untrusted file data: `file` may be anything. Validates an ELF64 little-endian x86-64
// executable and copies each PT_LOAD segment to its p_paddr, zero-filling up to p_memsz.
// Segments must lie in guest RAM at or above 1 MiB, where they cannot overwrite the boot
// structures (zero page, command line, GDT, page tables) we place below.
Result<ElfKernel> load_elf_kernel(const GuestMemory& memory, std::span<const std::uint8_t> file);

}  // namespace nimbus::x86
