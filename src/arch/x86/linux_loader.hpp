// LinuxLoader: kernel + initrd + command line -> guest RAM and a zero page, ready for the vCPU.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/error.hpp"
#include "memory/guest_memory.hpp"

namespace nimbus::x86 {

struct LinuxBootRequest final {
    std::string kernel_path;  // an ELF vmlinux or a bzImage
    std::string initrd_path;  // empty: no initrd
    std::string cmdline;
};

struct LinuxBootInfo final {
    std::uint64_t entry = 0;      // 64-bit entry point (rip)
    std::uint64_t zero_page = 0;  // rsi at entry
    std::optional<std::uint32_t> pvh_entry;  // ELF kernels with XEN_ELFNOTE_PHYS32_ENTRY
    bool is_bzimage = false;
};

// Loads the kernel, places the initrd, writes the command line and the zero page (with the e820
// map) into `memory`. Page tables, GDT and registers are long_mode.hpp's business.
Result<LinuxBootInfo> load_linux(const GuestMemory& memory, const LinuxBootRequest& request);

}  // namespace nimbus::x86
