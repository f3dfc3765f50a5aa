// ElfLoader: header and program header validation, segment copy, PVH note lookup.
#include "arch/x86/elf_loader.hpp"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <string_view>
#include <vector>

#include "arch/x86/boot_layout.hpp"

namespace nimbus::x86 {

namespace {

constexpr const char* OPERATION = "load ELF kernel";
// Linux vmlinux has a handful of program headers; anything near this is not a kernel.
constexpr std::uint16_t MAX_PROGRAM_HEADERS = 64;
// From Xen's public/elfnote.h (not in any header we install): the PVH 32-bit entry point.
constexpr std::uint32_t XEN_ELFNOTE_PHYS32_ENTRY = 18;

template <typename T>
T read_at(std::span<const std::uint8_t> file, std::uint64_t offset)
{
    // Callers have checked offset + sizeof(T) <= file.size(); memcpy because ELF data need not
    // be aligned in our buffer.
    T value;
    std::memcpy(&value, file.data() + offset, sizeof value);
    return value;
}

// True when [offset, offset + length) lies inside a buffer of `size` bytes, without overflow.
bool range_inside(std::uint64_t offset, std::uint64_t length, std::uint64_t size)
{
    return offset <= size && length <= size - offset;
}

Result<Elf64_Ehdr> check_file_header(std::span<const std::uint8_t> file)
{
    if (file.size() < sizeof(Elf64_Ehdr))
        return fail(OPERATION, "file of {} bytes is too small for an ELF header", file.size());
    auto header = read_at<Elf64_Ehdr>(file, 0);
    if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0)
        return fail(OPERATION, "bad ELF magic");
    if (header.e_ident[EI_CLASS] != ELFCLASS64)
        return fail(OPERATION, "not a 64-bit ELF (class {})", header.e_ident[EI_CLASS]);
    if (header.e_ident[EI_DATA] != ELFDATA2LSB)
        return fail(OPERATION, "not a little-endian ELF");
    if (header.e_machine != EM_X86_64)
        return fail(OPERATION, "ELF machine {} is not x86-64 ({})", header.e_machine, EM_X86_64);
    if (header.e_type != ET_EXEC)
        return fail(OPERATION, "ELF type {} is not an executable", header.e_type);
    if (header.e_phentsize != sizeof(Elf64_Phdr))
        return fail(OPERATION, "program header size {} is not {}", header.e_phentsize,
                    sizeof(Elf64_Phdr));
    if (header.e_phnum == 0 || header.e_phnum > MAX_PROGRAM_HEADERS)
        return fail(OPERATION, "{} program headers (expected 1 to {})", header.e_phnum,
                    MAX_PROGRAM_HEADERS);
    if (!range_inside(header.e_phoff, std::uint64_t{header.e_phnum} * sizeof(Elf64_Phdr), file.size()))
        return fail(OPERATION, "program headers at offset {:#x} run past the end of the {}-byte file",
                    header.e_phoff, file.size());
    return header;
}

// Untrusted file data: walks the notes of one PT_NOTE segment, every note bounded by the segment.
std::optional<std::uint32_t> find_pvh_entry(std::span<const std::uint8_t> notes)
{
    auto align4 = [](std::uint64_t value) { return (value + 3) & ~std::uint64_t{3}; };
    std::uint64_t offset = 0;
    while (range_inside(offset, sizeof(Elf64_Nhdr), notes.size())) {
        auto note = read_at<Elf64_Nhdr>(notes, offset);
        std::uint64_t name_offset = offset + sizeof(Elf64_Nhdr);
        std::uint64_t desc_offset = name_offset + align4(note.n_namesz);
        if (!range_inside(name_offset, note.n_namesz, notes.size()) ||
            !range_inside(desc_offset, note.n_descsz, notes.size()))
            return std::nullopt;  // a malformed note ends the walk; the PVH entry is optional
        std::string_view name(reinterpret_cast<const char*>(notes.data() + name_offset), note.n_namesz);
        if (note.n_type == XEN_ELFNOTE_PHYS32_ENTRY && name == std::string_view("Xen\0", 4)) {
            // Linux emits the address as a pointer-sized value (8 bytes on x86-64); a 32-bit entry
            // must fit in 32 bits either way.
            if (note.n_descsz == sizeof(std::uint32_t))
                return read_at<std::uint32_t>(notes, desc_offset);
            if (note.n_descsz == sizeof(std::uint64_t)) {
                auto entry = read_at<std::uint64_t>(notes, desc_offset);
                if (entry <= UINT32_MAX)
                    return static_cast<std::uint32_t>(entry);
            }
            return std::nullopt;
        }
        offset = desc_offset + align4(note.n_descsz);
    }
    return std::nullopt;
}

// Linux's e_entry is physical already; a freestanding guest may give a virtual one instead.
Result<std::uint64_t> physical_entry(std::uint64_t entry, std::span<const Elf64_Phdr> loads)
{
    for (const Elf64_Phdr& segment : loads)
        if (entry >= segment.p_paddr && entry - segment.p_paddr < segment.p_memsz)
            return entry;
    for (const Elf64_Phdr& segment : loads)
        if (entry >= segment.p_vaddr && entry - segment.p_vaddr < segment.p_memsz)
            return entry - segment.p_vaddr + segment.p_paddr;
    return fail(OPERATION, "entry point {:#x} is not inside any loadable segment", entry);
}

}  // namespace

bool is_elf(std::span<const std::uint8_t> file)
{
    return file.size() >= SELFMAG && std::memcmp(file.data(), ELFMAG, SELFMAG) == 0;
}

Result<ElfKernel> load_elf_kernel(const GuestMemory& memory, std::span<const std::uint8_t> file)
{
    Elf64_Ehdr header = TRY(check_file_header(file));

    // Validate every header before copying anything, so a bad file leaves guest RAM untouched.
    std::vector<Elf64_Phdr> loads;
    ElfKernel kernel;
    for (std::uint16_t index = 0; index < header.e_phnum; ++index) {
        auto segment = read_at<Elf64_Phdr>(file, header.e_phoff + std::uint64_t{index} * sizeof(Elf64_Phdr));
        if (segment.p_type != PT_LOAD && segment.p_type != PT_NOTE)
            continue;
        if (!range_inside(segment.p_offset, segment.p_filesz, file.size()))
            return fail(OPERATION, "segment {} (offset {:#x}, {:#x} bytes) runs past the end of the {}-byte file",
                        index, segment.p_offset, segment.p_filesz, file.size());
        if (segment.p_type == PT_NOTE) {
            if (!kernel.pvh_entry)
                kernel.pvh_entry = find_pvh_entry(file.subspan(segment.p_offset, segment.p_filesz));
            continue;
        }
        if (segment.p_filesz > segment.p_memsz)
            return fail(OPERATION, "segment {} has p_filesz {:#x} larger than p_memsz {:#x}", index,
                        segment.p_filesz, segment.p_memsz);
        if (segment.p_memsz == 0)
            continue;
        if (segment.p_paddr < BIOS_AREA_END)
            return fail(OPERATION, "segment {} at {:#x} is below 1 MiB, where the boot structures live",
                        index, segment.p_paddr);
        if (!memory.contains(segment.p_paddr, segment.p_memsz))
            return fail(OPERATION, "segment {} at [{:#x}, +{:#x}) is outside guest RAM", index,
                        segment.p_paddr, segment.p_memsz);
        loads.push_back(segment);
    }
    if (loads.empty())
        return fail(OPERATION, "no loadable segment");
    kernel.entry = TRY(physical_entry(header.e_entry, loads));

    kernel.lowest_address = UINT64_MAX;
    for (const Elf64_Phdr& segment : loads) {
        auto target = TRY(memory.span(segment.p_paddr, segment.p_memsz));
        std::memcpy(target.data(), file.data() + segment.p_offset, segment.p_filesz);
        std::memset(target.data() + segment.p_filesz, 0, segment.p_memsz - segment.p_filesz);
        kernel.lowest_address = std::min(kernel.lowest_address, segment.p_paddr);
        kernel.end_address = std::max(kernel.end_address, segment.p_paddr + segment.p_memsz);
    }
    return kernel;
}

}  // namespace nimbus::x86
