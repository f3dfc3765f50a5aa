// BzImageLoader: setup header checks, load address choice, and the copy into guest RAM.
#include "arch/x86/bzimage_loader.hpp"

#include <algorithm>
#include <cstring>

#include "arch/x86/boot_layout.hpp"

namespace nimbus::x86 {

namespace {

constexpr const char* OPERATION = "load bzImage";
constexpr std::uint16_t MIN_PROTOCOL_VERSION = 0x020C;  // 2.12: XLF_KERNEL_64 and the 64-bit entry
constexpr std::uint64_t SECTOR_SIZE = 512;
constexpr std::uint8_t DEFAULT_SETUP_SECTS = 4;  // setup_sects == 0 means 4

// The header's real length: the two-byte jump at 0x200 skips exactly over it.
setup_header read_setup_header(std::span<const std::uint8_t> file)
{
    setup_header header;
    std::memcpy(&header, file.data() + SETUP_HEADER_OFFSET, sizeof header);
    std::uint64_t header_end = 0x202 + std::uint64_t{file[0x201]};
    std::uint64_t valid = std::clamp<std::uint64_t>(header_end - SETUP_HEADER_OFFSET, 0, sizeof header);
    // Bytes past the header are setup code, not fields this kernel defines; never hand them on.
    std::memset(reinterpret_cast<std::uint8_t*>(&header) + valid, 0, sizeof header - valid);
    return header;
}

std::uint64_t align_up(std::uint64_t value, std::uint64_t alignment)
{
    return alignment == 0 ? value : (value + alignment - 1) / alignment * alignment;
}

// The compressed kernel relocates itself: its 64-bit entry picks the decompression buffer
// max(align_up(load, kernel_alignment), LOAD_PHYSICAL_ADDR) (LOAD_PHYSICAL_ADDR == pref_address),
// or LOAD_PHYSICAL_ADDR when not relocatable, and uses init_size bytes from there.
std::uint64_t kernel_end(const setup_header& header, std::uint64_t load_address, std::uint64_t payload_size)
{
    std::uint64_t preferred = header.pref_address;
    std::uint64_t buffer = header.relocatable_kernel != 0
                               ? std::max(align_up(load_address, header.kernel_alignment), preferred)
                               : preferred;
    return std::max(load_address + payload_size, buffer + header.init_size);
}

// True when the kernel's whole footprint from `load_address` is RAM below the MMIO hole.
bool fits(const GuestMemory& memory, std::uint64_t load_address, std::uint64_t end)
{
    return end <= MMIO_HOLE_START && memory.contains(load_address, end - load_address);
}

}  // namespace

bool is_bzimage(std::span<const std::uint8_t> file)
{
    std::uint32_t magic = 0;
    if (file.size() < 0x202 + sizeof magic)
        return false;
    std::memcpy(&magic, file.data() + 0x202, sizeof magic);
    return magic == HDRS_MAGIC;
}

Result<BzImageKernel> load_bzimage(const GuestMemory& memory, std::span<const std::uint8_t> file)
{
    if (file.size() < SETUP_HEADER_OFFSET + sizeof(setup_header))
        return fail(OPERATION, "file of {} bytes is too small for a setup header", file.size());
    // Untrusted file data: every field below comes from the file.
    setup_header header = read_setup_header(file);
    if (header.boot_flag != BOOT_FLAG)
        return fail(OPERATION, "boot flag {:#06x} is not {:#06x}", std::uint16_t{header.boot_flag}, BOOT_FLAG);
    if (header.header != HDRS_MAGIC)
        return fail(OPERATION, "no \"HdrS\" setup header magic");
    if (header.version < MIN_PROTOCOL_VERSION)
        return fail(OPERATION, "boot protocol {}.{:02} is too old: the 64-bit entry needs 2.12 or later",
                    header.version >> 8, header.version & 0xff);
    if ((header.xloadflags & XLF_KERNEL_64) == 0)
        return fail(OPERATION, "kernel has no 64-bit entry point (XLF_KERNEL_64 is not set)");
    if ((header.loadflags & LOADED_HIGH) == 0)
        return fail(OPERATION, "kernel is a zImage that loads below 1 MiB (LOADED_HIGH is not set)");

    // Keeps kernel_end() free of overflow: every term is then below 2^34.
    if (header.pref_address >= MMIO_HOLE_START)
        return fail(OPERATION, "preferred load address {:#x} is above the 32-bit RAM", std::uint64_t{header.pref_address});

    std::uint64_t setup_sects = header.setup_sects == 0 ? DEFAULT_SETUP_SECTS : header.setup_sects;
    std::uint64_t setup_size = (setup_sects + 1) * SECTOR_SIZE;
    if (file.size() <= setup_size)
        return fail(OPERATION, "file of {} bytes ends inside its {}-byte setup code", file.size(), setup_size);
    auto payload = file.subspan(setup_size);

    std::uint64_t load_address = HIGH_MEMORY_START;
    if (header.relocatable_kernel != 0 && header.pref_address >= HIGH_MEMORY_START &&
        fits(memory, header.pref_address, kernel_end(header, header.pref_address, payload.size())))
        load_address = header.pref_address;
    std::uint64_t end = kernel_end(header, load_address, payload.size());
    if (!fits(memory, load_address, end))
        return fail(OPERATION, "kernel of {} bytes (init_size {:#x}) needs guest RAM [{:#x}, {:#x}), which it does not have",
                    payload.size(), std::uint32_t{header.init_size}, load_address, end);

    TRY(memory.write(load_address, payload));
    return BzImageKernel{
        .header = header,
        .load_address = load_address,
        .entry = load_address + STARTUP_64_OFFSET,
        .end_address = end,
        .initrd_addr_max = header.initrd_addr_max,
        .cmdline_size = header.cmdline_size,
        .kernel_alignment = header.kernel_alignment,
    };
}

}  // namespace nimbus::x86
