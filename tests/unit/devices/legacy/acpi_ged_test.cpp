// AcpiGed: events latch, the line follows them, write-1-to-clear acknowledges.
#include <gtest/gtest.h>

#include <array>
#include <thread>
#include <vector>

#include "devices/legacy/acpi_ged.hpp"

using namespace nimbus;

namespace {
struct Fixture {
    std::vector<bool> levels;
    AcpiGed device{[this](bool asserted) { levels.push_back(asserted); }};

    std::uint8_t read_byte(std::uint64_t offset = 0)
    {
        std::array<std::uint8_t, 1> data{0xAA};
        device.read(offset, data);
        return data[0];
    }
    void write_byte(std::uint8_t value, std::uint64_t offset = 0)
    {
        std::array<std::uint8_t, 1> data{value};
        device.write(offset, data);
    }
};
}  // namespace

TEST(AcpiGed, StartsIdleWithTheLineLow)
{
    Fixture f;
    EXPECT_EQ(f.read_byte(), 0);
    EXPECT_TRUE(f.levels.empty());
}

TEST(AcpiGed, RaiseLatchesAndAssertsOnce)
{
    Fixture f;
    f.device.raise(1);
    f.device.raise(1);  // a second press before the guest looked: still one pending event
    EXPECT_EQ(f.read_byte(), 1);
    EXPECT_EQ(f.read_byte(), 1) << "reads do not clear";
    EXPECT_EQ(f.levels, (std::vector<bool>{true}));
}

TEST(AcpiGed, WritingOnesClearsThoseBitsAndLowersTheLineWhenNoneRemain)
{
    Fixture f;
    f.device.raise(0x3);
    f.write_byte(0x0);
    EXPECT_EQ(f.read_byte(), 0x3) << "zeros change nothing";
    f.write_byte(0x1);
    EXPECT_EQ(f.read_byte(), 0x2);
    EXPECT_EQ(f.levels, (std::vector<bool>{true}));
    f.write_byte(0xFF);
    EXPECT_EQ(f.read_byte(), 0);
    EXPECT_EQ(f.levels, (std::vector<bool>{true, false}));
    f.device.raise(1);  // the next press raises the line again
    EXPECT_EQ(f.levels, (std::vector<bool>{true, false, true}));
}

TEST(AcpiGed, OtherOffsetsReadZeroAndIgnoreWrites)
{
    Fixture f;
    f.device.raise(1);
    EXPECT_EQ(f.read_byte(1), 0);
    f.write_byte(0xFF, 1);
    EXPECT_EQ(f.device.pending(), 1);
    std::array<std::uint8_t, 4> wide{0xAA, 0xAA, 0xAA, 0xAA};
    f.device.read(0, wide);
    EXPECT_EQ(wide, (std::array<std::uint8_t, 4>{1, 0, 0, 0}));
}

TEST(AcpiGed, PressesFromAnotherThreadAreNotLost)
{
    Fixture f;
    std::thread presser([&] { f.device.raise(1); });
    presser.join();
    EXPECT_EQ(f.read_byte(), 1);
    f.write_byte(1);
    EXPECT_EQ(f.levels, (std::vector<bool>{true, false}));
}
