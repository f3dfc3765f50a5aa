// BootParamsBuilder: header fields per Documentation/arch/x86/boot.rst, e820 map, command line.
#include "arch/x86/boot_params_builder.hpp"

#include <asm/e820.h>

#include <algorithm>

#include "arch/x86/boot_layout.hpp"
#include "arch/x86/bzimage_loader.hpp"
#include "arch/x86/initrd_placement.hpp"

namespace nimbus::x86 {

namespace {

constexpr std::uint16_t ELF_PROTOCOL_VERSION = 0x020C;  // the fields below exist from 2.12 on
constexpr std::uint32_t ELF_KERNEL_ALIGNMENT = 0x1000000;
// boot.rst: the end of the setup heap, relative to the real-mode code, minus 0x200. Only the
// real-mode setup code uses it, which the 64-bit entry skips; we set what a loader would.
constexpr std::uint16_t HEAP_END_POINTER = 0xfe00;

std::uint32_t low_32(std::uint64_t value) { return static_cast<std::uint32_t>(value); }
std::uint32_t high_32(std::uint64_t value) { return static_cast<std::uint32_t>(value >> 32); }

void add_entry(std::vector<boot_e820_entry>& map, std::uint64_t start, std::uint64_t end, std::uint32_t type)
{
    if (start < end)
        map.push_back({.addr = start, .size = end - start, .type = type});
}

}  // namespace

Result<std::vector<boot_e820_entry>> build_e820_map(const GuestMemory& memory)
{
    std::vector<boot_e820_entry> map;
    // Each RAM region minus the EBDA/BIOS hole [EBDA_START, 1 MiB), which we reserve for the MP
    // table and because real PCs have ROM and VGA memory there.
    for (const GuestRegion& region : memory.regions()) {
        add_entry(map, region.guest_address, std::min(region.end(), EBDA_START), E820_RAM);
        add_entry(map, std::max(region.guest_address, BIOS_AREA_END), region.end(), E820_RAM);
    }
    add_entry(map, EBDA_START, BIOS_AREA_END, E820_RESERVED);
    std::ranges::sort(map, {}, [](const boot_e820_entry& entry) { return std::uint64_t{entry.addr}; });
    if (map.size() > E820_MAX_ENTRIES_ZEROPAGE)
        return fail("build e820 map", "{} entries do not fit the zero page's {}", map.size(),
                    E820_MAX_ENTRIES_ZEROPAGE);
    return map;
}

BootParamsBuilder BootParamsBuilder::for_elf_kernel()
{
    boot_params params{};
    params.hdr.boot_flag = BOOT_FLAG;
    params.hdr.header = HDRS_MAGIC;
    params.hdr.version = ELF_PROTOCOL_VERSION;
    params.hdr.type_of_loader = LOADER_TYPE_UNDEFINED;
    params.hdr.loadflags = LOADED_HIGH;
    params.hdr.kernel_alignment = ELF_KERNEL_ALIGNMENT;
    params.hdr.cmdline_size = ELF_CMDLINE_SIZE;
    params.hdr.initrd_addr_max = static_cast<std::uint32_t>(DEFAULT_INITRD_ADDR_MAX);
    return BootParamsBuilder(params);
}

BootParamsBuilder BootParamsBuilder::for_bzimage(const setup_header& header)
{
    // boot.rst: copy the setup header into a zeroed boot_params, then fill in the loader's fields.
    boot_params params{};
    params.hdr = header;
    params.hdr.type_of_loader = LOADER_TYPE_UNDEFINED;
    params.hdr.loadflags = static_cast<std::uint8_t>(params.hdr.loadflags | CAN_USE_HEAP);
    params.hdr.heap_end_ptr = HEAP_END_POINTER;
    return BootParamsBuilder(params);
}

Result<void> BootParamsBuilder::set_command_line(const GuestMemory& memory, std::string_view cmdline)
{
    std::uint64_t limit = std::min<std::uint64_t>(m_params.hdr.cmdline_size, CMDLINE_MAX_SIZE - 1);
    if (cmdline.size() > limit)
        return fail("kernel command line", "{} bytes is longer than the kernel's limit of {} bytes", cmdline.size(),
                    limit);
    if (cmdline.find('\0') != std::string_view::npos)
        return fail("kernel command line", "contains a NUL byte");
    auto target = TRY(memory.span(CMDLINE_ADDRESS, cmdline.size() + 1));
    std::ranges::copy(cmdline, target.begin());
    target[cmdline.size()] = 0;
    m_params.hdr.cmd_line_ptr = low_32(CMDLINE_ADDRESS);
    m_params.ext_cmd_line_ptr = high_32(CMDLINE_ADDRESS);
    return {};
}

void BootParamsBuilder::set_initrd(std::uint64_t address, std::uint64_t size)
{
    m_params.hdr.ramdisk_image = low_32(address);
    m_params.ext_ramdisk_image = high_32(address);
    m_params.hdr.ramdisk_size = low_32(size);
    m_params.ext_ramdisk_size = high_32(size);
}

Result<void> BootParamsBuilder::set_e820_map(const GuestMemory& memory)
{
    auto map = TRY(build_e820_map(memory));
    std::ranges::copy(map, m_params.e820_table);
    m_params.e820_entries = static_cast<std::uint8_t>(map.size());
    return {};
}

Result<void> BootParamsBuilder::write(const GuestMemory& memory, std::uint64_t address) const
{
    return memory.write_object(address, m_params);
}

}  // namespace nimbus::x86
