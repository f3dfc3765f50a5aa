// Bus: dispatch by range, overlap refusal, open bus for unclaimed accesses.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "vmm/bus.hpp"

using namespace nimbus;

namespace {
class RecordingDevice final : public BusDevice {
public:
    void read(std::uint64_t offset, std::span<std::uint8_t> data) override
    {
        reads.push_back(offset);
        for (auto& byte : data)
            byte = 0x42;
    }
    void write(std::uint64_t offset, std::span<const std::uint8_t> data) override
    {
        writes.push_back({offset, data.size()});
    }
    std::vector<std::uint64_t> reads;
    std::vector<std::pair<std::uint64_t, std::size_t>> writes;
};
}  // namespace

TEST(Bus, DispatchesWithOffsets)
{
    Bus bus("pio");
    auto device = std::make_shared<RecordingDevice>();
    ASSERT_TRUE(bus.insert(0x3f8, 8, device));
    std::array<std::uint8_t, 1> byte{};
    bus.read(0x3fd, byte);
    EXPECT_EQ(byte[0], 0x42);
    bus.write(0x3f8, byte);
    ASSERT_EQ(device->reads.size(), 1u);
    EXPECT_EQ(device->reads[0], 5u);
    ASSERT_EQ(device->writes.size(), 1u);
    EXPECT_EQ(device->writes[0].first, 0u);
}

TEST(Bus, UnclaimedReadsAreOpenBus)
{
    Bus bus("pio");
    ASSERT_TRUE(bus.insert(0x3f8, 8, std::make_shared<RecordingDevice>()));
    std::array<std::uint8_t, 4> data{};
    bus.read(0x2f8, data);
    EXPECT_EQ(data, (std::array<std::uint8_t, 4>{0xff, 0xff, 0xff, 0xff}));
    bus.write(0x2f8, data);  // dropped, no crash
}

TEST(Bus, AccessStraddlingTheEndIsUnclaimed)
{
    Bus bus("mmio");
    auto device = std::make_shared<RecordingDevice>();
    ASSERT_TRUE(bus.insert(0x1000, 0x10, device));
    std::array<std::uint8_t, 4> data{};
    bus.read(0x100e, data);
    EXPECT_TRUE(device->reads.empty());
    EXPECT_EQ(data[0], 0xff);
}

TEST(Bus, RefusesOverlapsAndEmptyRanges)
{
    Bus bus("mmio");
    ASSERT_TRUE(bus.insert(0x1000, 0x100, std::make_shared<RecordingDevice>()));
    EXPECT_FALSE(bus.insert(0x10ff, 1, std::make_shared<RecordingDevice>()));
    EXPECT_FALSE(bus.insert(0xf00, 0x101, std::make_shared<RecordingDevice>()));
    EXPECT_FALSE(bus.insert(0x2000, 0, std::make_shared<RecordingDevice>()));
    EXPECT_FALSE(bus.insert(~0ull - 1, 4, std::make_shared<RecordingDevice>()));
    EXPECT_TRUE(bus.insert(0x1100, 0x100, std::make_shared<RecordingDevice>()));
}
