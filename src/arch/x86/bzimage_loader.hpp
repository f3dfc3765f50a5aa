// BzImageLoader: loads the protected-mode part of a bzImage for the 64-bit boot protocol.
#pragma once

#include <asm/bootparam.h>

#include <cstdint>
#include <span>

#include "base/error.hpp"
#include "memory/guest_memory.hpp"

namespace nimbus::x86 {

// Offsets into a bzImage file (Documentation/arch/x86/boot.rst).
inline constexpr std::uint64_t SETUP_HEADER_OFFSET = 0x1f1;
inline constexpr std::uint16_t BOOT_FLAG = 0xAA55;
inline constexpr std::uint32_t HDRS_MAGIC = 0x53726448;  // "HdrS" little-endian
// The 64-bit entry point is this far into the protected-mode part (boot protocol 2.12+).
inline constexpr std::uint64_t STARTUP_64_OFFSET = 0x200;

struct BzImageKernel final {
    setup_header header{};          // the file's setup header, bytes past its real end zeroed
    std::uint64_t load_address = 0; // where the protected-mode part went
    std::uint64_t entry = 0;        // load_address + STARTUP_64_OFFSET
    // One past the last byte the kernel may touch while it decompresses itself (see .cpp).
    std::uint64_t end_address = 0;
    std::uint32_t initrd_addr_max = 0;  // highest address the initrd may occupy (inclusive)
    std::uint32_t cmdline_size = 0;     // longest command line, without the NUL
    std::uint32_t kernel_alignment = 0;
};

// True when `file` carries the "HdrS" setup header magic (it may still be a bzImage we reject).
bool is_bzimage(std::span<const std::uint8_t> file);

// Untrusted file data: `file` may be anything. Requires boot protocol 2.12+ with XLF_KERNEL_64
// and LOADED_HIGH; loads at pref_address when the kernel is relocatable and fits there, else at
// 1 MiB.
Result<BzImageKernel> load_bzimage(const GuestMemory& memory, std::span<const std::uint8_t> file);

}  // namespace nimbus::x86
