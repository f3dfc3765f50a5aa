// BootParamsBuilder: header fields for ELF and bzImage kernels, the e820 map, the command line.
#include <gtest/gtest.h>

#include <asm/e820.h>

#include <string>

#include "arch/x86/boot_layout.hpp"
#include "arch/x86/boot_params_builder.hpp"
#include "arch/x86/bzimage_loader.hpp"
#include "tests/unit/support/guest_memory_fixture.hpp"

using namespace nimbus;
using namespace nimbus::x86;

namespace {

using test::byte_sum;
using test::make_memory;

void expect_entry(const boot_e820_entry& entry, std::uint64_t start, std::uint64_t end, std::uint32_t type)
{
    EXPECT_EQ(entry.addr, start);
    EXPECT_EQ(entry.size, end - start);
    EXPECT_EQ(entry.type, type);
}

std::string read_string(const GuestMemory& memory, std::uint64_t address, std::size_t length)
{
    std::string text(length, '\0');
    EXPECT_TRUE(memory.read(address, {reinterpret_cast<std::uint8_t*>(text.data()), length}));
    return text;
}

}  // namespace

TEST(BootParamsBuilder, E820MapForSixtyFourMiB)
{
    GuestMemory memory = make_memory(64 << 20);
    auto map = build_e820_map(memory);
    ASSERT_TRUE(map) << map.error().message();
    ASSERT_EQ(map->size(), 3u);
    expect_entry((*map)[0], 0, EBDA_START, E820_RAM);
    expect_entry((*map)[1], EBDA_START, 0x100000, E820_RESERVED);
    expect_entry((*map)[2], 0x100000, 64 << 20, E820_RAM);
}

TEST(BootParamsBuilder, E820MapForFiveGiBSkipsTheMmioHole)
{
    GuestMemory memory = make_memory(5ull << 30);
    auto map = build_e820_map(memory);
    ASSERT_TRUE(map) << map.error().message();
    ASSERT_EQ(map->size(), 4u);
    expect_entry((*map)[0], 0, EBDA_START, E820_RAM);
    expect_entry((*map)[1], EBDA_START, 0x100000, E820_RESERVED);
    expect_entry((*map)[2], 0x100000, MMIO_HOLE_START, E820_RAM);
    expect_entry((*map)[3], MMIO_HOLE_END, MMIO_HOLE_END + (2ull << 30), E820_RAM);

    auto builder = BootParamsBuilder::for_elf_kernel();
    ASSERT_TRUE(builder.set_e820_map(memory));
    EXPECT_EQ(builder.params().e820_entries, 4);
    EXPECT_EQ(builder.params().e820_table[3].addr, MMIO_HOLE_END);
}

TEST(BootParamsBuilder, ElfKernelGetsAMinimalHeader)
{
    auto builder = BootParamsBuilder::for_elf_kernel();
    const setup_header& header = builder.params().hdr;
    EXPECT_EQ(header.boot_flag, 0xAA55);
    EXPECT_EQ(header.header, 0x53726448u);
    EXPECT_GE(header.version, 0x020C);
    EXPECT_EQ(header.type_of_loader, 0xff);
    EXPECT_TRUE(header.loadflags & LOADED_HIGH);
    EXPECT_EQ(header.kernel_alignment, 0x1000000u);
    EXPECT_EQ(header.cmdline_size, 2047u);
}

TEST(BootParamsBuilder, BzImageKeepsItsHeaderAndGetsLoaderFields)
{
    setup_header file_header{};
    file_header.boot_flag = BOOT_FLAG;
    file_header.header = HDRS_MAGIC;
    file_header.version = 0x020F;
    file_header.loadflags = LOADED_HIGH;
    file_header.xloadflags = XLF_KERNEL_64;
    file_header.kernel_alignment = 0x200000;
    file_header.init_size = 0x1234000;
    file_header.cmdline_size = 255;
    auto builder = BootParamsBuilder::for_bzimage(file_header);
    const setup_header& header = builder.params().hdr;
    EXPECT_EQ(header.version, 0x020F);
    EXPECT_EQ(header.init_size, 0x1234000u);
    EXPECT_EQ(header.type_of_loader, 0xff);
    EXPECT_EQ(header.loadflags, LOADED_HIGH | CAN_USE_HEAP);
    EXPECT_EQ(header.heap_end_ptr, 0xfe00);
    EXPECT_EQ(header.cmdline_size, 255u);
}

TEST(BootParamsBuilder, WritesTheCommandLineNulTerminated)
{
    GuestMemory memory = make_memory(64 << 20);
    std::vector<std::uint8_t> garbage(64, 'Z');
    ASSERT_TRUE(memory.write(CMDLINE_ADDRESS, garbage));
    auto builder = BootParamsBuilder::for_elf_kernel();
    ASSERT_TRUE(builder.set_command_line(memory, "console=ttyS0 root=/dev/vda"));
    EXPECT_EQ(read_string(memory, CMDLINE_ADDRESS, 28), std::string("console=ttyS0 root=/dev/vda\0", 28));
    EXPECT_EQ(builder.params().hdr.cmd_line_ptr, CMDLINE_ADDRESS);
    EXPECT_EQ(builder.params().ext_cmd_line_ptr, 0u);
}

TEST(BootParamsBuilder, RejectsACommandLineLongerThanTheKernelTakes)
{
    GuestMemory memory = make_memory(64 << 20);
    auto elf = BootParamsBuilder::for_elf_kernel();
    EXPECT_TRUE(elf.set_command_line(memory, std::string(2047, 'a')));
    auto too_long = elf.set_command_line(memory, std::string(2048, 'a'));
    ASSERT_FALSE(too_long);
    EXPECT_EQ(too_long.error().message(),
              "kernel command line: 2048 bytes is longer than the kernel's limit of 2047 bytes");

    setup_header header{};
    header.cmdline_size = 100;
    auto bzimage = BootParamsBuilder::for_bzimage(header);
    auto result = bzimage.set_command_line(memory, std::string(101, 'b'));
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().message().find("101 bytes is longer than the kernel's limit of 100 bytes"),
              std::string::npos);
}

TEST(BootParamsBuilder, CapsAHugeCmdlineSizeAtOurRegion)
{
    GuestMemory memory = make_memory(64 << 20);
    setup_header header{};
    header.cmdline_size = 0x7fffffff;
    auto builder = BootParamsBuilder::for_bzimage(header);
    auto result = builder.set_command_line(memory, std::string(CMDLINE_MAX_SIZE, 'c'));
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().message().find("limit of 65535 bytes"), std::string::npos);
}

TEST(BootParamsBuilder, RejectsANulInsideTheCommandLine)
{
    GuestMemory memory = make_memory(64 << 20);
    auto builder = BootParamsBuilder::for_elf_kernel();
    EXPECT_FALSE(builder.set_command_line(memory, std::string("quiet\0init=/evil", 16)));
}

TEST(BootParamsBuilder, InitrdAddressAndSizeSplitIntoExtFields)
{
    auto builder = BootParamsBuilder::for_elf_kernel();
    builder.set_initrd(0x1'2345'6000, 0x2'0000'1000);
    EXPECT_EQ(builder.params().hdr.ramdisk_image, 0x2345'6000u);
    EXPECT_EQ(builder.params().ext_ramdisk_image, 0x1u);
    EXPECT_EQ(builder.params().hdr.ramdisk_size, 0x1000u);
    EXPECT_EQ(builder.params().ext_ramdisk_size, 0x2u);
}

TEST(BootParamsBuilder, WritesTheZeroPage)
{
    GuestMemory memory = make_memory(64 << 20);
    auto builder = BootParamsBuilder::for_elf_kernel();
    ASSERT_TRUE(builder.set_e820_map(memory));
    builder.set_initrd(0x300'0000, 0x1000);
    ASSERT_TRUE(builder.write(memory, ZERO_PAGE_ADDRESS));
    auto params = memory.read_object<boot_params>(ZERO_PAGE_ADDRESS);
    ASSERT_TRUE(params);
    EXPECT_EQ(params->hdr.boot_flag, 0xAA55);
    EXPECT_EQ(params->hdr.ramdisk_image, 0x300'0000u);
    EXPECT_EQ(params->e820_entries, 3);
    EXPECT_EQ(params->e820_table[2].addr, 0x100000u);
    // boot.rst: the kernel finds boot_flag at offset 0x1fe of the zero page.
    auto boot_flag = memory.read_object<std::uint16_t>(ZERO_PAGE_ADDRESS + 0x1fe);
    ASSERT_TRUE(boot_flag);
    EXPECT_EQ(*boot_flag, 0xAA55);
}
