// InitrdPlacement: highest 4 KiB-aligned fit under both limits and above the kernel.
#include <gtest/gtest.h>

#include "arch/x86/initrd_placement.hpp"

using namespace nimbus;
using namespace nimbus::x86;

namespace {

constexpr std::uint64_t MIB = 1 << 20;
constexpr std::uint64_t KERNEL_END = 24 * MIB;

}  // namespace

TEST(InitrdPlacement, GoesToTheTopOfLowRamWhenThatIsTheLowerLimit)
{
    auto address = place_initrd(10 * MIB, {.kernel_end = KERNEL_END, .low_ram_end = 64 * MIB,
                                           .initrd_addr_max = DEFAULT_INITRD_ADDR_MAX});
    ASSERT_TRUE(address) << address.error().message();
    EXPECT_EQ(*address, 54 * MIB);
}

TEST(InitrdPlacement, StaysBelowInitrdAddrMax)
{
    // 2 GiB of low RAM, but the kernel only wants the initrd below 896 MiB.
    auto address = place_initrd(10 * MIB, {.kernel_end = KERNEL_END, .low_ram_end = 2048 * MIB,
                                           .initrd_addr_max = DEFAULT_INITRD_ADDR_MAX});
    ASSERT_TRUE(address) << address.error().message();
    EXPECT_EQ(*address, 0x3800'0000 - 10 * MIB);
    EXPECT_LE(*address + 10 * MIB - 1, DEFAULT_INITRD_ADDR_MAX);
}

TEST(InitrdPlacement, AlignsDownToFourKiB)
{
    auto address = place_initrd(0x1234, {.kernel_end = KERNEL_END, .low_ram_end = 64 * MIB,
                                         .initrd_addr_max = UINT64_MAX});
    ASSERT_TRUE(address) << address.error().message();
    EXPECT_EQ(*address, 64 * MIB - 0x2000);
    EXPECT_EQ(*address % INITRD_ALIGNMENT, 0u);
}

TEST(InitrdPlacement, FitsExactlyBetweenKernelAndRamEnd)
{
    auto address = place_initrd(40 * MIB, {.kernel_end = KERNEL_END, .low_ram_end = 64 * MIB,
                                           .initrd_addr_max = DEFAULT_INITRD_ADDR_MAX});
    ASSERT_TRUE(address) << address.error().message();
    EXPECT_EQ(*address, KERNEL_END);
}

TEST(InitrdPlacement, RefusesToOverlapTheKernel)
{
    auto address = place_initrd(40 * MIB + 1, {.kernel_end = KERNEL_END, .low_ram_end = 64 * MIB,
                                               .initrd_addr_max = DEFAULT_INITRD_ADDR_MAX});
    ASSERT_FALSE(address);
    EXPECT_EQ(address.error().message(),
              "place initrd: initrd of 41943041 bytes does not fit in guest memory between 0x1800000 and 0x4000000");
}

TEST(InitrdPlacement, RefusesAnInitrdBiggerThanRam)
{
    auto address = place_initrd(UINT64_MAX, {.kernel_end = KERNEL_END, .low_ram_end = 64 * MIB,
                                             .initrd_addr_max = DEFAULT_INITRD_ADDR_MAX});
    ASSERT_FALSE(address);
    EXPECT_NE(address.error().message().find("does not fit in guest memory"), std::string::npos);
}

TEST(InitrdPlacement, RefusesWhenTheKernelEndsAboveTheLimit)
{
    auto address = place_initrd(4096, {.kernel_end = 0x4000'0000, .low_ram_end = 0x8000'0000,
                                       .initrd_addr_max = DEFAULT_INITRD_ADDR_MAX});
    ASSERT_FALSE(address);
    EXPECT_NE(address.error().message().find("between 0x40000000 and 0x38000000"), std::string::npos);
}
