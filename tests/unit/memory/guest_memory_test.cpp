// GuestMemory: layout around the MMIO hole and the bounds checks every device relies on.
#include <gtest/gtest.h>

#include <array>

#include "memory/guest_memory.hpp"

using namespace nimbus;

TEST(GuestMemory, RejectsZeroAndUnalignedSizes)
{
    EXPECT_FALSE(GuestMemory::create(0));
    auto unaligned = GuestMemory::create(4097);
    ASSERT_FALSE(unaligned);
    EXPECT_NE(unaligned.error().message().find("multiple of 4 KiB"), std::string::npos);
}

TEST(GuestMemory, SmallGuestIsOneRegionFromZero)
{
    auto memory = GuestMemory::create(64 << 20);
    ASSERT_TRUE(memory);
    ASSERT_EQ(memory->regions().size(), 1u);
    EXPECT_EQ(memory->regions()[0].guest_address, 0u);
    EXPECT_EQ(memory->regions()[0].size(), 64u << 20);
}

TEST(GuestMemory, LargeGuestSkipsTheHoleBelowFourGiB)
{
    auto memory = GuestMemory::create(5ull << 30);
    ASSERT_TRUE(memory);
    ASSERT_EQ(memory->regions().size(), 2u);
    EXPECT_EQ(memory->regions()[0].end(), MMIO_HOLE_START);
    EXPECT_EQ(memory->regions()[1].guest_address, MMIO_HOLE_END);
    EXPECT_EQ(memory->regions()[0].size() + memory->regions()[1].size(), 5ull << 30);
    EXPECT_FALSE(memory->contains(MMIO_HOLE_START, 1));
    EXPECT_TRUE(memory->contains(MMIO_HOLE_END, 4096));
    EXPECT_FALSE(memory->contains(MMIO_HOLE_START - 2, 4));  // straddles RAM and hole
}

TEST(GuestMemory, ChecksBoundsWithoutOverflow)
{
    auto memory = GuestMemory::create(1 << 20);
    ASSERT_TRUE(memory);
    EXPECT_TRUE(memory->contains(0, 1 << 20));
    EXPECT_TRUE(memory->contains((1 << 20) - 1, 1));
    EXPECT_TRUE(memory->contains(1 << 20, 0) == false);
    EXPECT_FALSE(memory->contains((1 << 20) - 1, 2));
    EXPECT_FALSE(memory->contains(16, ~0ull));
    EXPECT_FALSE(memory->contains(~0ull, 2));
    auto error = memory->span(0x100000, 8);
    ASSERT_FALSE(error);
    EXPECT_NE(error.error().message().find("0x100000"), std::string::npos);
}

TEST(GuestMemory, ReadsBackWhatWasWritten)
{
    auto memory = GuestMemory::create(1 << 20);
    ASSERT_TRUE(memory);
    std::array<std::uint8_t, 4> data{1, 2, 3, 4};
    ASSERT_TRUE(memory->write(0x1000, data));
    std::array<std::uint8_t, 4> out{};
    ASSERT_TRUE(memory->read(0x1000, out));
    EXPECT_EQ(out, data);
    ASSERT_TRUE(memory->write_object<std::uint32_t>(0x2000, 0xdeadbeef));
    EXPECT_EQ(*memory->read_object<std::uint32_t>(0x2000), 0xdeadbeefu);
    EXPECT_FALSE(memory->write_object<std::uint64_t>((1 << 20) - 4, 0));
}
