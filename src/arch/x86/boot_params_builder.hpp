// BootParamsBuilder: the Linux zero page (struct boot_params), its e820 map and command line.
#pragma once

#include <asm/bootparam.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "memory/guest_memory.hpp"

namespace nimbus::x86 {

// Linux x86's COMMAND_LINE_SIZE counts the NUL; setup_header.cmdline_size does not.
inline constexpr std::uint32_t ELF_CMDLINE_SIZE = 2048 - 1;
inline constexpr std::uint8_t LOADER_TYPE_UNDEFINED = 0xff;  // type_of_loader: "not assigned an id"

// The guest's memory map: RAM regions with the EBDA and BIOS area [EBDA_START, 1 MiB) reserved.
// Fails only if it would not fit the zero page's E820_MAX_ENTRIES_ZEROPAGE entries.
Result<std::vector<boot_e820_entry>> build_e820_map(const GuestMemory& memory);

class BootParamsBuilder final {
public:
    // An ELF vmlinux carries no setup header: we write a minimal one the kernel accepts.
    static BootParamsBuilder for_elf_kernel();
    // A bzImage's own header (as load_bzimage returned it) is the starting point.
    static BootParamsBuilder for_bzimage(const setup_header& header);

    // Writes `cmdline` NUL-terminated at CMDLINE_ADDRESS and points the header at it. Fails when it
    // is longer than the kernel's cmdline_size (or our own CMDLINE_MAX_SIZE region).
    Result<void> set_command_line(const GuestMemory& memory, std::string_view cmdline);
    void set_initrd(std::uint64_t address, std::uint64_t size);
    Result<void> set_e820_map(const GuestMemory& memory);

    const boot_params& params() const { return m_params; }
    // Writes the zero page at `address` (ZERO_PAGE_ADDRESS for the Linux boot protocol).
    Result<void> write(const GuestMemory& memory, std::uint64_t address) const;

private:
    explicit BootParamsBuilder(const boot_params& params) : m_params(params) {}

    boot_params m_params;
};

}  // namespace nimbus::x86
