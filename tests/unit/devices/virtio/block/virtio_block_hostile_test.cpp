// VirtioBlock tests with hostile drivers: bad chains fail the request or reset the device, never the VMM.
#include "devices/virtio/block/virtio_block.hpp"

#include <gtest/gtest.h>

#include "tests/unit/devices/virtio/block/block_device_fixture.hpp"

namespace nimbus {
namespace {

using namespace virtio_blk;
using test::FakeBlockDriver;
using virtio::DESC_F_INDIRECT;
using virtio::DESC_F_NEXT;
using virtio::DESC_F_WRITE;

class VirtioBlockHostileTest : public ::testing::Test, protected test::BlockDeviceFixture {
protected:
    void SetUp() override
    {
        set_up(IoEngineKind::Automatic);
        m_image = file_bytes(0, test::DISK_BYTES);
    }
    // The request failed with `status`, the chain came back, and the device goes on.
    void expect_failed(std::uint8_t status, std::uint16_t slot = 0)
    {
        EXPECT_EQ(run_slot(slot), status);
        EXPECT_EQ(m_driver->ring().used_index(), 1);
        EXPECT_EQ(m_driver->ring().used_element(0).length, 1u);
        EXPECT_FALSE(m_driver->interrupt().needs_reset());
        expect_still_works(static_cast<std::uint16_t>(slot + 1));
    }
    // The device asked for a reset, consumed nothing more, and left the image alone.
    void expect_needs_reset()
    {
        m_driver->submit(0);
        EXPECT_TRUE(m_driver->drain());
        EXPECT_TRUE(m_driver->interrupt().needs_reset());
        EXPECT_EQ(m_driver->ring().used_index(), 0);
        EXPECT_EQ(file_bytes(0, test::DISK_BYTES), m_image);
    }
    void expect_still_works(std::uint16_t slot)
    {
        m_driver->prepare(slot, T_IN, 1, 512);
        EXPECT_EQ(run_slot(slot), S_OK);
        EXPECT_EQ(guest_bytes(FakeBlockDriver::data_address(slot), 512), file_bytes(512, 512));
    }
    test::FakeRing& ring() { return m_driver->ring(); }

    std::vector<std::uint8_t> m_image;
};

TEST_F(VirtioBlockHostileTest, UnknownTypeIsUnsupported)
{
    m_driver->prepare(0, 0x1234, 0, 0);
    expect_failed(S_UNSUPP);
}

TEST_F(VirtioBlockHostileTest, ShortHeaderIsAnError)
{
    m_driver->prepare(0, T_IN, 0, 512);
    ring().set_descriptor(0, FakeBlockDriver::HEADERS, 8, DESC_F_NEXT, 1);
    expect_failed(S_IOERR);
}

TEST_F(VirtioBlockHostileTest, WritableBufferWhereTheDeviceMustRead)
{
    m_driver->prepare(0, T_OUT, 0, 512);
    ring().set_descriptor(1, FakeBlockDriver::data_address(0), 512, DESC_F_NEXT | DESC_F_WRITE, 2);
    expect_failed(S_IOERR);
    EXPECT_EQ(file_bytes(0, test::DISK_BYTES), m_image);
}

TEST_F(VirtioBlockHostileTest, ReadableBufferWhereTheDeviceMustWrite)
{
    m_driver->prepare(0, T_IN, 0, 512);
    ring().set_descriptor(1, FakeBlockDriver::data_address(0), 512, DESC_F_NEXT, 2);
    expect_failed(S_IOERR);
    EXPECT_EQ(guest_bytes(FakeBlockDriver::data_address(0), 512), std::vector<std::uint8_t>(512, 0));
}

TEST_F(VirtioBlockHostileTest, PartialSectorIsAnError)
{
    m_driver->prepare(0, T_IN, 0, 500);
    expect_failed(S_IOERR);
}

TEST_F(VirtioBlockHostileTest, ZeroLengthDataSucceedsWithoutIo)
{
    m_driver->prepare(0, T_IN, 0, 512);
    ring().set_descriptor(1, FakeBlockDriver::data_address(0), 0, DESC_F_NEXT | DESC_F_WRITE, 2);
    EXPECT_EQ(run_slot(), S_OK);
    EXPECT_EQ(ring().used_element(0).length, 1u);
}

TEST_F(VirtioBlockHostileTest, TooManyDiscardSegmentsAreUnsupported)
{
    std::vector<DiscardSegment> segments(VirtioBlock::MAX_SEGMENTS + 1, DiscardSegment{0, 8, 0});
    m_driver->prepare_segments(0, T_DISCARD, segments);
    expect_failed(S_UNSUPP);
    EXPECT_EQ(file_bytes(0, test::DISK_BYTES), m_image);
}

TEST_F(VirtioBlockHostileTest, HugeDiscardSegmentIsAnError)
{
    m_driver->prepare_segments(0, T_DISCARD, {{0, VirtioBlock::MAX_RANGE_SECTORS + 1, 0}});
    expect_failed(S_IOERR);
}

TEST_F(VirtioBlockHostileTest, DiscardWithUnmapOrReservedFlagsIsUnsupported)
{
    m_driver->prepare_segments(0, T_DISCARD, {{0, 8, SEGMENT_F_UNMAP}});
    expect_failed(S_UNSUPP);
}

TEST_F(VirtioBlockHostileTest, RaggedSegmentArrayIsAnError)
{
    m_driver->prepare_segments(0, T_WRITE_ZEROES, {{0, 8, 0}});
    ring().set_descriptor(1, FakeBlockDriver::SEGMENTS, 15, DESC_F_NEXT, 2);
    expect_failed(S_IOERR);
}

TEST_F(VirtioBlockHostileTest, FeatureNotNegotiatedIsUnsupported)
{
    m_device.reset();
    m_driver.reset();
    // A fresh device whose driver took neither DISCARD nor FLUSH.
    auto image = RawImage::open(m_path, {});
    ASSERT_TRUE(image);
    auto backend = BlockBackend::create(std::move(*image), {});
    ASSERT_TRUE(backend);
    m_device = *VirtioBlock::create(std::move(*backend), {});
    m_driver.emplace(m_memory, *m_device, 1, virtio::F_VERSION_1);
    m_driver->prepare_segments(0, T_DISCARD, {{0, 8, 0}});
    EXPECT_EQ(run_slot(), S_UNSUPP);
    m_driver->prepare(1, T_FLUSH, 0, 0);
    EXPECT_EQ(run_slot(1), S_UNSUPP);
}

TEST_F(VirtioBlockHostileTest, OutOfRangeAddressNeedsReset)
{
    m_driver->prepare(0, T_IN, 0, 512);
    ring().set_descriptor(1, 0xffff'ffff'f000, 512, DESC_F_NEXT | DESC_F_WRITE, 2);
    expect_needs_reset();
}

TEST_F(VirtioBlockHostileTest, HugeLengthNeedsReset)
{
    m_driver->prepare(0, T_IN, 0, 512);
    ring().set_descriptor(1, FakeBlockDriver::data_address(0), 0xffff'ffff, DESC_F_NEXT | DESC_F_WRITE, 2);
    expect_needs_reset();
}

TEST_F(VirtioBlockHostileTest, LoopNeedsReset)
{
    m_driver->prepare(0, T_IN, 0, 512);
    ring().set_descriptor(2, FakeBlockDriver::status_address(0), 1, DESC_F_NEXT | DESC_F_WRITE, 1);
    ring().set_descriptor(1, FakeBlockDriver::data_address(0), 512, DESC_F_NEXT | DESC_F_WRITE, 2);
    expect_needs_reset();
}

TEST_F(VirtioBlockHostileTest, ReadOnlyStatusNeedsReset)
{
    std::vector<std::uint8_t> data(512, 0x77);
    ASSERT_TRUE(m_memory.write(FakeBlockDriver::data_address(0), data));
    m_driver->prepare(0, T_OUT, 0, 512);
    ring().set_descriptor(2, FakeBlockDriver::status_address(0), 1, 0);
    expect_needs_reset();
    EXPECT_EQ(m_driver->status(0), 0xff);
}

TEST_F(VirtioBlockHostileTest, IndirectTableWorksAndBadOneNeedsReset)
{
    constexpr std::uint64_t TABLE = 0x20'0000;
    m_driver->prepare(0, T_IN, 2, 512);
    ring().set_indirect(TABLE, 0, FakeBlockDriver::HEADERS, 16, DESC_F_NEXT, 1);
    ring().set_indirect(TABLE, 1, FakeBlockDriver::data_address(0), 512, DESC_F_NEXT | DESC_F_WRITE, 2);
    ring().set_indirect(TABLE, 2, FakeBlockDriver::status_address(0), 1, DESC_F_WRITE);
    ring().set_descriptor(0, TABLE, 48, DESC_F_INDIRECT);
    EXPECT_EQ(run_slot(), S_OK);
    EXPECT_EQ(guest_bytes(FakeBlockDriver::data_address(0), 512), file_bytes(1024, 512));
    ring().set_indirect(TABLE, 2, FakeBlockDriver::status_address(0), 1, DESC_F_WRITE | DESC_F_NEXT, 0);  // loop
    m_driver->submit(0);
    EXPECT_TRUE(m_driver->drain());
    EXPECT_TRUE(m_driver->interrupt().needs_reset());
}

TEST_F(VirtioBlockHostileTest, RequestsBeforeABrokenChainStillComplete)
{
    // Found by fuzz_virtio_blk: the good request was submitted but never flushed to the engine.
    m_driver->prepare(0, T_IN, 0, 512);
    m_driver->prepare(1, T_IN, 0, 512);
    ring().set_descriptor(5, FakeBlockDriver::status_address(1), 1, 0);  // read-only status
    ring().make_available(0);
    ring().make_available(3);
    m_device->queue_notified(0);
    EXPECT_TRUE(m_driver->interrupt().needs_reset());
    EXPECT_TRUE(m_driver->drain());
    EXPECT_EQ(m_device->in_flight(), 0u);
}

TEST_F(VirtioBlockHostileTest, BrokenAvailableRingNeedsReset)
{
    ring().set_available_index(1000);
    m_device->queue_notified(0);
    EXPECT_TRUE(m_driver->interrupt().needs_reset());
}

TEST_F(VirtioBlockHostileTest, CompletionsAfterResetAreDropped)
{
    for (std::uint16_t slot = 0; slot < 16; ++slot) {
        m_driver->prepare(slot, T_IN, slot, 4096);
        ring().make_available(static_cast<std::uint16_t>(3 * slot));
    }
    m_device->queue_notified(0);
    m_device->reset();
    EXPECT_TRUE(m_driver->drain());
    EXPECT_EQ(ring().used_index(), 0);
    EXPECT_EQ(m_device->in_flight(), 0u);
}

}  // namespace
}  // namespace nimbus
