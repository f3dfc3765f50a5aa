// ElfLoader: synthetic ELF64 files land at p_paddr, and every malformed header is refused.
#include <gtest/gtest.h>

#include <elf.h>

#include <cstring>
#include <string>
#include <vector>

#include "arch/x86/elf_loader.hpp"
#include "tests/unit/support/guest_memory_fixture.hpp"

using namespace nimbus;
using namespace nimbus::x86;

namespace {

using test::byte_sum;
using test::make_memory;

constexpr std::uint64_t KERNEL_PADDR = 0x100'0000;             // 16 MiB, like vmlinux
constexpr std::uint64_t KERNEL_VADDR = 0xffff'ffff'8100'0000;  // __START_KERNEL_map + 16 MiB

struct Segment {
    Elf64_Phdr header;
    std::vector<std::uint8_t> data;
};

// Assembles an ELF file: header, program headers, then each segment's bytes in order.
struct ElfBuilder {
    Elf64_Ehdr header{};
    std::vector<Segment> segments;

    ElfBuilder()
    {
        std::memcpy(header.e_ident, ELFMAG, SELFMAG);
        header.e_ident[EI_CLASS] = ELFCLASS64;
        header.e_ident[EI_DATA] = ELFDATA2LSB;
        header.e_ident[EI_VERSION] = EV_CURRENT;
        header.e_type = ET_EXEC;
        header.e_machine = EM_X86_64;
        header.e_version = EV_CURRENT;
        header.e_entry = KERNEL_PADDR;
        header.e_phoff = sizeof(Elf64_Ehdr);
        header.e_ehsize = sizeof(Elf64_Ehdr);
        header.e_phentsize = sizeof(Elf64_Phdr);
    }

    Elf64_Phdr& add(std::uint32_t type, std::uint64_t paddr, std::vector<std::uint8_t> data, std::uint64_t memsz)
    {
        Elf64_Phdr phdr{};
        phdr.p_type = type;
        phdr.p_paddr = paddr;
        phdr.p_vaddr = paddr;
        phdr.p_filesz = data.size();
        phdr.p_memsz = memsz;
        segments.push_back({phdr, std::move(data)});
        return segments.back().header;
    }

    std::vector<std::uint8_t> build() const
    {
        Elf64_Ehdr out = header;
        if (out.e_phnum == 0)
            out.e_phnum = static_cast<std::uint16_t>(segments.size());
        std::vector<std::uint8_t> file(sizeof out + segments.size() * sizeof(Elf64_Phdr));
        std::uint64_t offset = file.size();
        for (std::size_t index = 0; index < segments.size(); ++index) {
            Elf64_Phdr phdr = segments[index].header;
            if (phdr.p_offset == 0)
                phdr.p_offset = offset;
            std::memcpy(file.data() + sizeof out + index * sizeof phdr, &phdr, sizeof phdr);
            offset += segments[index].data.size();
        }
        std::memcpy(file.data(), &out, sizeof out);
        for (const Segment& segment : segments)
            file.insert(file.end(), segment.data.begin(), segment.data.end());
        return file;
    }
};

std::vector<std::uint8_t> pattern(std::size_t size, std::uint8_t seed)
{
    std::vector<std::uint8_t> bytes(size);
    for (std::size_t index = 0; index < size; ++index)
        bytes[index] = static_cast<std::uint8_t>(seed + index);
    return bytes;
}

// A note as the kernel emits it: header, name padded to 4, descriptor padded to 4.
std::vector<std::uint8_t> xen_note(std::uint32_t type, std::vector<std::uint8_t> desc)
{
    Elf64_Nhdr note{.n_namesz = 4, .n_descsz = static_cast<std::uint32_t>(desc.size()), .n_type = type};
    constexpr char NAME[4] = {'X', 'e', 'n', 0};
    std::vector<std::uint8_t> bytes((sizeof note + sizeof NAME + desc.size() + 3) & ~std::size_t{3});
    std::memcpy(bytes.data(), &note, sizeof note);
    std::memcpy(bytes.data() + sizeof note, NAME, sizeof NAME);
    std::memcpy(bytes.data() + sizeof note + sizeof NAME, desc.data(), desc.size());
    return bytes;
}

std::string error_of(const GuestMemory& memory, const std::vector<std::uint8_t>& file)
{
    auto result = load_elf_kernel(memory, file);
    return result ? std::string("(no error)") : result.error().message();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

ElfBuilder one_segment_kernel()
{
    ElfBuilder elf;
    elf.add(PT_LOAD, KERNEL_PADDR, pattern(0x3000, 1), 0x3000);
    return elf;
}

}  // namespace

TEST(ElfLoader, CopiesSegmentsToPhysicalAddressesAndZeroesBss)
{
    GuestMemory memory = make_memory();
    // Garbage where the bss goes, to see that it is cleared.
    std::vector<std::uint8_t> garbage(0x2000, 0xAA);
    ASSERT_TRUE(memory.write(KERNEL_PADDR + 0x5000 + 0x1000, garbage));

    ElfBuilder elf;
    auto text = pattern(0x1000, 7);
    auto data = pattern(0x1000, 99);
    elf.add(PT_LOAD, KERNEL_PADDR, text, 0x1000);
    elf.add(PT_LOAD, KERNEL_PADDR + 0x5000, data, 0x3000);  // 0x2000 bytes of bss
    auto kernel = load_elf_kernel(memory, elf.build());
    ASSERT_TRUE(kernel) << kernel.error().message();

    std::vector<std::uint8_t> readback(0x1000);
    ASSERT_TRUE(memory.read(KERNEL_PADDR, readback));
    EXPECT_EQ(readback, text);
    ASSERT_TRUE(memory.read(KERNEL_PADDR + 0x5000, readback));
    EXPECT_EQ(readback, data);
    std::vector<std::uint8_t> bss(0x2000);
    ASSERT_TRUE(memory.read(KERNEL_PADDR + 0x6000, bss));
    EXPECT_EQ(bss, std::vector<std::uint8_t>(0x2000, 0));

    EXPECT_EQ(kernel->entry, KERNEL_PADDR);
    EXPECT_EQ(kernel->lowest_address, KERNEL_PADDR);
    EXPECT_EQ(kernel->end_address, KERNEL_PADDR + 0x8000);
    EXPECT_FALSE(kernel->pvh_entry);
}

TEST(ElfLoader, TranslatesVirtualEntryThroughItsSegment)
{
    GuestMemory memory = make_memory();
    ElfBuilder elf;
    elf.add(PT_LOAD, KERNEL_PADDR, pattern(0x2000, 3), 0x2000).p_vaddr = KERNEL_VADDR;
    elf.header.e_entry = KERNEL_VADDR + 0x40;
    auto kernel = load_elf_kernel(memory, elf.build());
    ASSERT_TRUE(kernel) << kernel.error().message();
    EXPECT_EQ(kernel->entry, KERNEL_PADDR + 0x40);
}

TEST(ElfLoader, PhysicalEntryWinsOverVirtual)
{
    GuestMemory memory = make_memory();
    ElfBuilder elf;
    elf.add(PT_LOAD, KERNEL_PADDR, pattern(0x2000, 3), 0x2000).p_vaddr = KERNEL_VADDR;
    elf.header.e_entry = KERNEL_PADDR + 0x100;  // vmlinux: e_entry is startup_64's physical address
    auto kernel = load_elf_kernel(memory, elf.build());
    ASSERT_TRUE(kernel) << kernel.error().message();
    EXPECT_EQ(kernel->entry, KERNEL_PADDR + 0x100);
}

TEST(ElfLoader, FindsThePvhEntryNote)
{
    GuestMemory memory = make_memory();
    ElfBuilder elf;
    elf.add(PT_LOAD, KERNEL_PADDR, pattern(0x1000, 3), 0x1000);
    std::vector<std::uint8_t> notes = xen_note(5, {1, 2, 3, 4});  // another Xen note first
    auto pvh = xen_note(18, {0x40, 0x30, 0x00, 0x01, 0, 0, 0, 0});  // 8-byte desc, as Linux emits it
    notes.insert(notes.end(), pvh.begin(), pvh.end());
    elf.add(PT_NOTE, 0, notes, notes.size());
    auto kernel = load_elf_kernel(memory, elf.build());
    ASSERT_TRUE(kernel) << kernel.error().message();
    ASSERT_TRUE(kernel->pvh_entry);
    EXPECT_EQ(*kernel->pvh_entry, 0x0100'3040u);
}

TEST(ElfLoader, AcceptsAFourBytePvhNoteAndIgnoresATruncatedOne)
{
    GuestMemory memory = make_memory();
    ElfBuilder elf;
    elf.add(PT_LOAD, KERNEL_PADDR, pattern(0x1000, 3), 0x1000);
    auto note = xen_note(18, {0x00, 0x10, 0x00, 0x01});
    elf.add(PT_NOTE, 0, note, note.size());
    auto kernel = load_elf_kernel(memory, elf.build());
    ASSERT_TRUE(kernel) << kernel.error().message();
    EXPECT_EQ(kernel->pvh_entry, std::optional<std::uint32_t>(0x0100'1000u));

    ElfBuilder truncated;
    truncated.add(PT_LOAD, KERNEL_PADDR, pattern(0x1000, 3), 0x1000);
    note.resize(note.size() - 2);  // descriptor runs past the segment
    truncated.add(PT_NOTE, 0, note, note.size());
    kernel = load_elf_kernel(memory, truncated.build());
    ASSERT_TRUE(kernel) << kernel.error().message();
    EXPECT_FALSE(kernel->pvh_entry);
}

TEST(ElfLoader, RejectsBadMagic)
{
    GuestMemory memory = make_memory();
    auto file = one_segment_kernel().build();
    file[1] = 'X';
    EXPECT_TRUE(contains(error_of(memory, file), "bad ELF magic"));
}

TEST(ElfLoader, RejectsTruncatedFileHeader)
{
    GuestMemory memory = make_memory();
    auto file = one_segment_kernel().build();
    file.resize(sizeof(Elf64_Ehdr) - 1);
    EXPECT_TRUE(contains(error_of(memory, file), "too small for an ELF header")) << error_of(memory, file);
}

TEST(ElfLoader, RejectsThirtyTwoBitElf)
{
    GuestMemory memory = make_memory();
    ElfBuilder elf = one_segment_kernel();
    elf.header.e_ident[EI_CLASS] = ELFCLASS32;
    EXPECT_TRUE(contains(error_of(memory, elf.build()), "not a 64-bit ELF"));
}

TEST(ElfLoader, RejectsBigEndian)
{
    GuestMemory memory = make_memory();
    ElfBuilder elf = one_segment_kernel();
    elf.header.e_ident[EI_DATA] = ELFDATA2MSB;
    EXPECT_TRUE(contains(error_of(memory, elf.build()), "not a little-endian ELF"));
}

TEST(ElfLoader, RejectsWrongMachine)
{
    GuestMemory memory = make_memory();
    ElfBuilder elf = one_segment_kernel();
    elf.header.e_machine = EM_AARCH64;
    EXPECT_TRUE(contains(error_of(memory, elf.build()), "ELF machine 183 is not x86-64"));
}

TEST(ElfLoader, RejectsNonExecutable)
{
    GuestMemory memory = make_memory();
    ElfBuilder elf = one_segment_kernel();
    elf.header.e_type = ET_REL;
    EXPECT_TRUE(contains(error_of(memory, elf.build()), "is not an executable"));
}

TEST(ElfLoader, RejectsWrongProgramHeaderSize)
{
    GuestMemory memory = make_memory();
    ElfBuilder elf = one_segment_kernel();
    elf.header.e_phentsize = sizeof(Elf32_Phdr);
    EXPECT_TRUE(contains(error_of(memory, elf.build()), "program header size 32 is not 56"));
}

TEST(ElfLoader, RejectsTooManyProgramHeaders)
{
    GuestMemory memory = make_memory();
    ElfBuilder elf = one_segment_kernel();
    elf.header.e_phnum = 0xffff;  // PN_XNUM
    EXPECT_TRUE(contains(error_of(memory, elf.build()), "65535 program headers"));
}

TEST(ElfLoader, RejectsProgramHeadersPastTheEnd)
{
    GuestMemory memory = make_memory();
    ElfBuilder elf = one_segment_kernel();
    elf.header.e_phoff = 0xffff'ffff'ffff'fff0;  // would wrap if added naively
    EXPECT_TRUE(contains(error_of(memory, elf.build()), "program headers at offset 0xfffffffffffffff0 run past the end"));

    auto file = one_segment_kernel().build();
    file.resize(sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr) / 2);  // truncated program header table
    EXPECT_TRUE(contains(error_of(memory, file), "run past the end"));
}

TEST(ElfLoader, RejectsSegmentBeyondFile)
{
    GuestMemory memory = make_memory();
    auto file = one_segment_kernel().build();
    file.resize(file.size() - 1);
    EXPECT_TRUE(contains(error_of(memory, file), "segment 0 (offset 0x78, 0x3000 bytes) runs past the end"))
        << error_of(memory, file);

    ElfBuilder wrapping = one_segment_kernel();
    wrapping.segments[0].header.p_offset = 0xffff'ffff'ffff'ff00;
    EXPECT_TRUE(contains(error_of(memory, wrapping.build()), "runs past the end"));
}

TEST(ElfLoader, RejectsFileSizeLargerThanMemorySize)
{
    GuestMemory memory = make_memory();
    ElfBuilder elf;
    elf.add(PT_LOAD, KERNEL_PADDR, pattern(0x2000, 1), 0x1000);
    EXPECT_TRUE(contains(error_of(memory, elf.build()), "segment 0 has p_filesz 0x2000 larger than p_memsz 0x1000"));
}

TEST(ElfLoader, RejectsSegmentOutsideGuestRam)
{
    GuestMemory memory = make_memory();
    ElfBuilder elf;
    elf.add(PT_LOAD, KERNEL_PADDR, pattern(0x1000, 1), 0x1000);
    elf.add(PT_LOAD, 0x3f0'0000, pattern(0x1000, 1), 0x20'0000);  // crosses the 64 MiB end
    EXPECT_TRUE(contains(error_of(memory, elf.build()), "segment 1 at [0x3f00000, +0x200000) is outside guest RAM"));

    ElfBuilder wrapping;
    wrapping.add(PT_LOAD, 0xffff'ffff'ffff'f000, pattern(0x1000, 1), 0x2000);
    EXPECT_TRUE(contains(error_of(memory, wrapping.build()), "is outside guest RAM"));
}

TEST(ElfLoader, RejectsSegmentOverTheBootStructures)
{
    GuestMemory memory = make_memory();
    ElfBuilder elf;
    elf.add(PT_LOAD, 0x7000, pattern(0x1000, 1), 0x1000);
    elf.header.e_entry = 0x7000;
    EXPECT_TRUE(contains(error_of(memory, elf.build()), "segment 0 at 0x7000 is below 1 MiB"));
}

TEST(ElfLoader, RejectsEntryOutsideSegments)
{
    GuestMemory memory = make_memory();
    ElfBuilder elf = one_segment_kernel();
    elf.header.e_entry = 0x200'0000;
    EXPECT_TRUE(contains(error_of(memory, elf.build()), "entry point 0x2000000 is not inside any loadable segment"));
}

TEST(ElfLoader, RejectsFileWithoutLoadableSegments)
{
    GuestMemory memory = make_memory();
    ElfBuilder elf;
    elf.add(PT_NOTE, 0, xen_note(5, {1, 2, 3, 4}), 20);
    EXPECT_TRUE(contains(error_of(memory, elf.build()), "no loadable segment"));
}

TEST(ElfLoader, LeavesGuestMemoryUntouchedWhenALaterSegmentIsBad)
{
    GuestMemory memory = make_memory();
    ElfBuilder elf;
    elf.add(PT_LOAD, KERNEL_PADDR, pattern(0x1000, 1), 0x1000);
    elf.add(PT_LOAD, 0x1'0000'0000, pattern(0x1000, 1), 0x1000);
    ASSERT_FALSE(load_elf_kernel(memory, elf.build()));
    auto first = memory.read_object<std::uint64_t>(KERNEL_PADDR);
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, 0u);
}
