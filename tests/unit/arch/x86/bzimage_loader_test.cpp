// BzImageLoader: setup header checks and where the protected-mode part lands.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "arch/x86/boot_layout.hpp"
#include "arch/x86/bzimage_loader.hpp"
#include "tests/unit/support/guest_memory_fixture.hpp"

using namespace nimbus;
using namespace nimbus::x86;

namespace {

using test::byte_sum;
using test::make_memory;

constexpr std::uint64_t PREFERRED = 0x100'0000;  // LOAD_PHYSICAL_ADDR
constexpr std::size_t FULL_HEADER_END = SETUP_HEADER_OFFSET + sizeof(setup_header);

// A bzImage as the kernel's build lays it out: setup sectors with the header, then the payload.
struct BzImageBuilder {
    setup_header header{};
    std::vector<std::uint8_t> payload;
    std::size_t header_end = FULL_HEADER_END;  // what the jump at 0x200 skips to

    BzImageBuilder() : payload(0x4000)
    {
        for (std::size_t index = 0; index < payload.size(); ++index)
            payload[index] = static_cast<std::uint8_t>(index * 7 + 1);
        header.setup_sects = 4;
        header.boot_flag = BOOT_FLAG;
        header.header = HDRS_MAGIC;
        header.version = 0x020F;
        header.loadflags = LOADED_HIGH;
        header.xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G;
        header.relocatable_kernel = 1;
        header.kernel_alignment = 0x20'0000;
        header.pref_address = PREFERRED;
        header.init_size = 0x80'0000;
        header.initrd_addr_max = 0x7fff'ffff;
        header.cmdline_size = 2047;
    }

    std::vector<std::uint8_t> build() const
    {
        std::size_t sects = header.setup_sects == 0 ? 4 : header.setup_sects;
        std::vector<std::uint8_t> file((sects + 1) * 512);
        setup_header out = header;
        out.jump = static_cast<std::uint16_t>(0xEB | ((header_end - 0x202) << 8));
        std::memcpy(file.data() + SETUP_HEADER_OFFSET, &out, sizeof out);
        file.insert(file.end(), payload.begin(), payload.end());
        return file;
    }
};

std::string error_of(const GuestMemory& memory, const std::vector<std::uint8_t>& file)
{
    auto result = load_bzimage(memory, file);
    return result ? std::string("(no error)") : result.error().message();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(BzImageLoader, LoadsRelocatableKernelAtPreferredAddress)
{
    GuestMemory memory = make_memory();
    BzImageBuilder image;
    auto kernel = load_bzimage(memory, image.build());
    ASSERT_TRUE(kernel) << kernel.error().message();

    EXPECT_EQ(kernel->load_address, PREFERRED);
    EXPECT_EQ(kernel->entry, PREFERRED + 0x200);
    EXPECT_EQ(kernel->end_address, PREFERRED + 0x80'0000);  // init_size beats the 16 KiB payload
    EXPECT_EQ(kernel->initrd_addr_max, 0x7fff'ffffu);
    EXPECT_EQ(kernel->cmdline_size, 2047u);
    EXPECT_EQ(kernel->kernel_alignment, 0x20'0000u);
    EXPECT_EQ(kernel->header.version, 0x020F);
    EXPECT_EQ(kernel->header.boot_flag, BOOT_FLAG);

    std::vector<std::uint8_t> readback(image.payload.size());
    ASSERT_TRUE(memory.read(PREFERRED, readback));
    EXPECT_EQ(readback, image.payload);
}

TEST(BzImageLoader, EndCoversPayloadWhenLargerThanInitSize)
{
    GuestMemory memory = make_memory();
    BzImageBuilder image;
    image.header.init_size = 0x1000;
    auto kernel = load_bzimage(memory, image.build());
    ASSERT_TRUE(kernel) << kernel.error().message();
    EXPECT_EQ(kernel->end_address, PREFERRED + image.payload.size());
}

TEST(BzImageLoader, NonRelocatableKernelGoesToOneMiB)
{
    GuestMemory memory = make_memory();
    BzImageBuilder image;
    image.header.relocatable_kernel = 0;
    auto kernel = load_bzimage(memory, image.build());
    ASSERT_TRUE(kernel) << kernel.error().message();
    EXPECT_EQ(kernel->load_address, HIGH_MEMORY_START);
    EXPECT_EQ(kernel->entry, HIGH_MEMORY_START + 0x200);
    // It decompresses itself at LOAD_PHYSICAL_ADDR (pref_address), so the footprint ends there.
    EXPECT_EQ(kernel->end_address, PREFERRED + 0x80'0000);
    auto first = memory.read_object<std::uint8_t>(HIGH_MEMORY_START);
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, image.payload[0]);
}

TEST(BzImageLoader, PreferredAddressBelowOneMiBFallsBackToOneMiB)
{
    GuestMemory memory = make_memory();
    BzImageBuilder image;
    image.header.pref_address = 0x1000;
    auto kernel = load_bzimage(memory, image.build());
    ASSERT_TRUE(kernel) << kernel.error().message();
    EXPECT_EQ(kernel->load_address, HIGH_MEMORY_START);
    // Decompression buffer: 1 MiB aligned up to kernel_alignment (2 MiB).
    EXPECT_EQ(kernel->end_address, 0x20'0000u + 0x80'0000u);
}

TEST(BzImageLoader, SetupSectsZeroMeansFour)
{
    GuestMemory memory = make_memory();
    BzImageBuilder image;
    image.header.setup_sects = 0;
    auto kernel = load_bzimage(memory, image.build());
    ASSERT_TRUE(kernel) << kernel.error().message();
    auto first = memory.read_object<std::uint8_t>(PREFERRED);
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, image.payload[0]);
}

TEST(BzImageLoader, ZeroesHeaderFieldsPastTheKernelsHeaderEnd)
{
    GuestMemory memory = make_memory();
    BzImageBuilder image;
    image.header.version = 0x020C;
    image.header.kernel_info_offset = 0x12345678;  // setup code bytes in a 2.12 kernel
    image.header_end = 0x264;                      // 2.12 ends after handover_offset
    auto kernel = load_bzimage(memory, image.build());
    ASSERT_TRUE(kernel) << kernel.error().message();
    EXPECT_EQ(kernel->header.kernel_info_offset, 0u);
    EXPECT_EQ(kernel->header.init_size, 0x80'0000u);
}

TEST(BzImageLoader, DetectsHdrSMagic)
{
    EXPECT_TRUE(is_bzimage(BzImageBuilder().build()));
    EXPECT_FALSE(is_bzimage(std::vector<std::uint8_t>(0x300)));
    EXPECT_FALSE(is_bzimage(std::vector<std::uint8_t>(0x10)));
}

TEST(BzImageLoader, RejectsTooSmallFile)
{
    GuestMemory memory = make_memory();
    auto file = BzImageBuilder().build();
    file.resize(0x250);
    EXPECT_TRUE(contains(error_of(memory, file), "file of 592 bytes is too small for a setup header"));
}

TEST(BzImageLoader, RejectsBadBootFlag)
{
    GuestMemory memory = make_memory();
    BzImageBuilder image;
    image.header.boot_flag = 0x1234;
    EXPECT_TRUE(contains(error_of(memory, image.build()), "boot flag 0x1234 is not 0xaa55"));
}

TEST(BzImageLoader, RejectsMissingHdrS)
{
    GuestMemory memory = make_memory();
    BzImageBuilder image;
    image.header.header = 0;
    EXPECT_TRUE(contains(error_of(memory, image.build()), "no \"HdrS\" setup header magic"));
}

TEST(BzImageLoader, RejectsOldBootProtocol)
{
    GuestMemory memory = make_memory();
    BzImageBuilder image;
    image.header.version = 0x0206;
    EXPECT_TRUE(contains(error_of(memory, image.build()), "boot protocol 2.06 is too old"));
}

TEST(BzImageLoader, RejectsKernelWithoutSixtyFourBitEntry)
{
    GuestMemory memory = make_memory();
    BzImageBuilder image;
    image.header.xloadflags = 0;
    EXPECT_TRUE(contains(error_of(memory, image.build()), "XLF_KERNEL_64 is not set"));
}

TEST(BzImageLoader, RejectsZImage)
{
    GuestMemory memory = make_memory();
    BzImageBuilder image;
    image.header.loadflags = 0;
    EXPECT_TRUE(contains(error_of(memory, image.build()), "LOADED_HIGH is not set"));
}

TEST(BzImageLoader, RejectsFileEndingInsideSetupCode)
{
    GuestMemory memory = make_memory();
    BzImageBuilder image;
    image.payload.clear();
    EXPECT_TRUE(contains(error_of(memory, image.build()), "file of 2560 bytes ends inside its 2560-byte setup code"));
}

TEST(BzImageLoader, RejectsPreferredAddressAboveTheHole)
{
    GuestMemory memory = make_memory();
    BzImageBuilder image;
    image.header.pref_address = 0xffff'ffff'ffff'0000;
    EXPECT_TRUE(contains(error_of(memory, image.build()), "preferred load address 0xffffffffffff0000"));
}

TEST(BzImageLoader, RejectsKernelTooBigForGuestRam)
{
    GuestMemory memory = make_memory();
    BzImageBuilder image;
    image.header.init_size = 0x400'0000;  // 64 MiB from 16 MiB in a 64 MiB guest
    EXPECT_TRUE(contains(error_of(memory, image.build()),
                         "kernel of 16384 bytes (init_size 0x4000000) needs guest RAM [0x100000, 0x5000000)"))
        << error_of(memory, image.build());
}
