// LinuxLoader: files on disk to a loaded kernel, initrd and zero page; file errors name the file.
#include <gtest/gtest.h>

#include <asm/bootparam.h>
#include <elf.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "arch/x86/boot_layout.hpp"
#include "arch/x86/bzimage_loader.hpp"
#include "arch/x86/linux_loader.hpp"
#include "tests/unit/support/guest_memory_fixture.hpp"

using namespace nimbus;
using namespace nimbus::x86;

namespace {

using test::byte_sum;
using test::make_memory;

constexpr std::uint64_t KERNEL_PADDR = 0x100'0000;

// A file under the test temp directory, removed when the test ends.
class TempFile final {
public:
    TempFile(const std::string& name, const std::vector<std::uint8_t>& bytes)
        : m_path(testing::TempDir() + "nimbus_linux_loader_" + std::to_string(::getpid()) + "_" + name)
    {
        std::ofstream out(m_path, std::ios::binary);
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
    ~TempFile() { ::unlink(m_path.c_str()); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    const std::string& path() const { return m_path; }

private:
    std::string m_path;
};

// One PT_LOAD of `size` bytes at 16 MiB, entry at its start.
std::vector<std::uint8_t> tiny_elf(std::size_t size)
{
    Elf64_Ehdr header{};
    std::memcpy(header.e_ident, ELFMAG, SELFMAG);
    header.e_ident[EI_CLASS] = ELFCLASS64;
    header.e_ident[EI_DATA] = ELFDATA2LSB;
    header.e_type = ET_EXEC;
    header.e_machine = EM_X86_64;
    header.e_entry = KERNEL_PADDR;
    header.e_phoff = sizeof header;
    header.e_phentsize = sizeof(Elf64_Phdr);
    header.e_phnum = 1;
    Elf64_Phdr segment{};
    segment.p_type = PT_LOAD;
    segment.p_offset = sizeof header + sizeof segment;
    segment.p_paddr = KERNEL_PADDR;
    segment.p_vaddr = KERNEL_PADDR;
    segment.p_filesz = size;
    segment.p_memsz = size;
    std::vector<std::uint8_t> file(sizeof header + sizeof segment + size, 0x90);
    std::memcpy(file.data(), &header, sizeof header);
    std::memcpy(file.data() + sizeof header, &segment, sizeof segment);
    return file;
}

std::vector<std::uint8_t> tiny_bzimage()
{
    setup_header header{};
    header.setup_sects = 4;
    header.boot_flag = BOOT_FLAG;
    header.jump = static_cast<std::uint16_t>(0xEB | ((SETUP_HEADER_OFFSET + sizeof header - 0x202) << 8));
    header.header = HDRS_MAGIC;
    header.version = 0x020F;
    header.loadflags = LOADED_HIGH;
    header.xloadflags = XLF_KERNEL_64;
    header.relocatable_kernel = 1;
    header.kernel_alignment = 0x20'0000;
    header.pref_address = KERNEL_PADDR;
    header.init_size = 0x40'0000;
    header.initrd_addr_max = 0x7fff'ffff;
    header.cmdline_size = 2047;
    std::vector<std::uint8_t> file(5 * 512 + 0x1000, 0x90);
    std::memcpy(file.data() + SETUP_HEADER_OFFSET, &header, sizeof header);
    return file;
}

boot_params zero_page(const GuestMemory& memory)
{
    auto params = memory.read_object<boot_params>(ZERO_PAGE_ADDRESS);
    EXPECT_TRUE(params);
    return params.value_or(boot_params{});
}

}  // namespace

TEST(LinuxLoader, LoadsElfKernelWithInitrdAndCommandLine)
{
    GuestMemory memory = make_memory();
    TempFile kernel("vmlinux", tiny_elf(0x3000));
    TempFile initrd("initrd", std::vector<std::uint8_t>(0x1800, 0x5A));
    auto info = load_linux(memory, {.kernel_path = kernel.path(), .initrd_path = initrd.path(),
                                    .cmdline = "console=ttyS0"});
    ASSERT_TRUE(info) << info.error().message();
    EXPECT_EQ(info->entry, KERNEL_PADDR);
    EXPECT_EQ(info->zero_page, ZERO_PAGE_ADDRESS);
    EXPECT_FALSE(info->is_bzimage);
    EXPECT_FALSE(info->pvh_entry);

    boot_params params = zero_page(memory);
    EXPECT_EQ(params.hdr.boot_flag, 0xAA55);
    EXPECT_EQ(params.hdr.cmd_line_ptr, CMDLINE_ADDRESS);
    EXPECT_EQ(params.e820_entries, 3);
    // Highest 4 KiB-aligned spot under 64 MiB.
    EXPECT_EQ(params.hdr.ramdisk_image, (64u << 20) - 0x2000);
    EXPECT_EQ(params.hdr.ramdisk_size, 0x1800u);
    auto initrd_byte = memory.read_object<std::uint8_t>(params.hdr.ramdisk_image + 0x17ff);
    ASSERT_TRUE(initrd_byte);
    EXPECT_EQ(*initrd_byte, 0x5A);
    auto kernel_byte = memory.read_object<std::uint8_t>(KERNEL_PADDR);
    ASSERT_TRUE(kernel_byte);
    EXPECT_EQ(*kernel_byte, 0x90);
}

TEST(LinuxLoader, LoadsBzImage)
{
    GuestMemory memory = make_memory();
    TempFile kernel("bzImage", tiny_bzimage());
    auto info = load_linux(memory, {.kernel_path = kernel.path(), .initrd_path = "", .cmdline = ""});
    ASSERT_TRUE(info) << info.error().message();
    EXPECT_TRUE(info->is_bzimage);
    EXPECT_EQ(info->entry, KERNEL_PADDR + 0x200);
    boot_params params = zero_page(memory);
    EXPECT_EQ(params.hdr.version, 0x020F);
    EXPECT_EQ(params.hdr.type_of_loader, 0xff);
    EXPECT_EQ(params.hdr.ramdisk_image, 0u);
}

TEST(LinuxLoader, MissingKernelNamesThePath)
{
    GuestMemory memory = make_memory();
    auto info = load_linux(memory, {.kernel_path = "/nonexistent/vmlinux", .initrd_path = "", .cmdline = ""});
    ASSERT_FALSE(info);
    EXPECT_EQ(info.error().message(), "kernel /nonexistent/vmlinux: No such file or directory");
}

TEST(LinuxLoader, RejectsAFileThatIsNoKernel)
{
    GuestMemory memory = make_memory();
    TempFile kernel("garbage", std::vector<std::uint8_t>(0x1000, 'x'));
    auto info = load_linux(memory, {.kernel_path = kernel.path(), .initrd_path = "", .cmdline = ""});
    ASSERT_FALSE(info);
    EXPECT_EQ(info.error().message(), "kernel " + kernel.path() + ": not an ELF vmlinux or a bzImage");
}

TEST(LinuxLoader, RejectsADirectory)
{
    GuestMemory memory = make_memory();
    auto info = load_linux(memory, {.kernel_path = "/", .initrd_path = "", .cmdline = ""});
    ASSERT_FALSE(info);
    EXPECT_EQ(info.error().message(), "kernel /: not a regular file");
}

TEST(LinuxLoader, LoaderErrorsNameTheKernelFile)
{
    GuestMemory memory = make_memory();
    auto bytes = tiny_elf(0x1000);
    bytes[EI_CLASS] = ELFCLASS32;
    TempFile kernel("elf32", bytes);
    auto info = load_linux(memory, {.kernel_path = kernel.path(), .initrd_path = "", .cmdline = ""});
    ASSERT_FALSE(info);
    EXPECT_EQ(info.error().message(), "kernel " + kernel.path() + ": not a 64-bit ELF (class 1)");
}

TEST(LinuxLoader, InitrdErrorsNameTheInitrdFile)
{
    GuestMemory memory = make_memory();
    TempFile kernel("vmlinux2", tiny_elf(0x1000));
    TempFile big("big_initrd", std::vector<std::uint8_t>(49 << 20));  // 16 MiB + 49 MiB > 64 MiB
    auto info = load_linux(memory, {.kernel_path = kernel.path(), .initrd_path = big.path(), .cmdline = ""});
    ASSERT_FALSE(info);
    EXPECT_EQ(info.error().message(), "initrd " + big.path() +
                                          ": initrd of 51380224 bytes does not fit in guest memory between "
                                          "0x1001000 and 0x4000000");

    TempFile empty("empty_initrd", {});
    info = load_linux(memory, {.kernel_path = kernel.path(), .initrd_path = empty.path(), .cmdline = ""});
    ASSERT_FALSE(info);
    EXPECT_EQ(info.error().message(), "initrd " + empty.path() + ": file is empty");
}

TEST(LinuxLoader, CommandLineTooLongForAnElfKernel)
{
    GuestMemory memory = make_memory();
    TempFile kernel("vmlinux3", tiny_elf(0x1000));
    auto info = load_linux(memory, {.kernel_path = kernel.path(), .initrd_path = "", .cmdline = std::string(3000, 'a')});
    ASSERT_FALSE(info);
    EXPECT_NE(info.error().message().find("3000 bytes is longer than the kernel's limit of 2047 bytes"),
              std::string::npos);
}
