// VirtioBlock tests: every request type through both I/O engines, against the image file's bytes.
#include "devices/virtio/block/virtio_block.hpp"

#include <gtest/gtest.h>

#include "tests/unit/devices/virtio/block/block_device_fixture.hpp"

namespace nimbus {
namespace {

using namespace virtio_blk;
using test::FakeBlockDriver;
using testing::allocated_bytes;

class VirtioBlockTest : public ::testing::TestWithParam<IoEngineKind>, protected test::BlockDeviceFixture {
protected:
    void SetUp() override { set_up(GetParam()); }
};

TEST_P(VirtioBlockTest, ReadReturnsTheImageBytes)
{
    m_driver->prepare(0, T_IN, 10, 4096);
    EXPECT_EQ(run_slot(), S_OK);
    EXPECT_EQ(guest_bytes(FakeBlockDriver::data_address(0), 4096), file_bytes(10 * 512, 4096));
    EXPECT_EQ(m_driver->ring().used_index(), 1);
    EXPECT_EQ(m_driver->ring().used_element(0).length, 4097u);
    EXPECT_EQ(m_driver->interrupt().status(), virtio::INTERRUPT_USED_BUFFER);
}

TEST_P(VirtioBlockTest, WriteReachesTheFile)
{
    std::vector<std::uint8_t> data(8192, 0x5a);
    ASSERT_TRUE(m_memory.write(FakeBlockDriver::data_address(0), data));
    m_driver->prepare(0, T_OUT, 100, 8192);
    EXPECT_EQ(run_slot(), S_OK);
    EXPECT_EQ(file_bytes(100 * 512, 8192), data);
    EXPECT_EQ(m_driver->ring().used_element(0).length, 1u);
    // The neighbours are untouched.
    EXPECT_EQ(file_bytes(99 * 512, 512)[0], static_cast<std::uint8_t>(99 * 512 * 7 % 251));
}

TEST_P(VirtioBlockTest, ManyRequestsInFlightComplete)
{
    for (std::uint16_t slot = 0; slot < 32; ++slot) {
        std::vector<std::uint8_t> data(4096, static_cast<std::uint8_t>(slot + 1));
        ASSERT_TRUE(m_memory.write(FakeBlockDriver::data_address(slot), data));
        m_driver->prepare(slot, T_OUT, 8ull * slot, 4096);
        m_driver->ring().make_available(static_cast<std::uint16_t>(3 * slot));
    }
    m_device->queue_notified(0);
    ASSERT_TRUE(m_driver->drain());
    EXPECT_EQ(m_driver->ring().used_index(), 32);
    for (std::uint16_t slot = 0; slot < 32; ++slot) {
        EXPECT_EQ(m_driver->status(slot), S_OK);
        EXPECT_EQ(file_bytes(4096ull * slot, 4096), std::vector<std::uint8_t>(4096, static_cast<std::uint8_t>(slot + 1)));
    }
}

TEST_P(VirtioBlockTest, FlushCompletes)
{
    m_driver->prepare(0, T_FLUSH, 0, 0);
    EXPECT_EQ(run_slot(), S_OK);
}

TEST_P(VirtioBlockTest, GetIdReturnsTheSerial)
{
    m_driver->prepare(0, T_GET_ID, 0, ID_BYTES);
    EXPECT_EQ(run_slot(), S_OK);
    auto id = guest_bytes(FakeBlockDriver::data_address(0), ID_BYTES);
    EXPECT_EQ(std::string(id.begin(), id.begin() + 18), "nimbus-test-serial");
    EXPECT_EQ(id[18], 0);
    EXPECT_EQ(m_driver->ring().used_element(0).length, ID_BYTES + 1);
}

TEST_P(VirtioBlockTest, DiscardPunchesHoles)
{
    std::uint64_t before = allocated_bytes(m_path);
    m_driver->prepare_segments(0, T_DISCARD, {{0, 2048, 0}, {4096, 2048, 0}});  // two 1 MiB ranges
    EXPECT_EQ(run_slot(), S_OK);
    EXPECT_LE(allocated_bytes(m_path) + (2 << 20), before);
    EXPECT_EQ(file_bytes(0, 4096), std::vector<std::uint8_t>(4096, 0));
    EXPECT_EQ(file_bytes(2048 * 512, 512)[0], static_cast<std::uint8_t>(2048 * 512 * 7 % 251));
}

TEST_P(VirtioBlockTest, WriteZeroesZeroes)
{
    m_driver->prepare_segments(0, T_WRITE_ZEROES, {{16, 16, 0}, {64, 8, SEGMENT_F_UNMAP}});
    EXPECT_EQ(run_slot(), S_OK);
    EXPECT_EQ(file_bytes(16 * 512, 16 * 512), std::vector<std::uint8_t>(16 * 512, 0));
    EXPECT_EQ(file_bytes(64 * 512, 8 * 512), std::vector<std::uint8_t>(8 * 512, 0));
    EXPECT_NE(file_bytes(32 * 512, 512), std::vector<std::uint8_t>(512, 0));
}

TEST_P(VirtioBlockTest, SectorsPastTheEndFail)
{
    m_driver->prepare(0, T_IN, test::DISK_BYTES / 512 - 1, 1024);  // the last sector and one beyond
    EXPECT_EQ(run_slot(), S_IOERR);
    m_driver->prepare(1, T_OUT, ~0ull >> 1, 512);  // sector * 512 overflows
    EXPECT_EQ(run_slot(1), S_IOERR);
    m_driver->prepare_segments(2, T_DISCARD, {DiscardSegment{test::DISK_BYTES / 512 - 8, 16, 0}});
    EXPECT_EQ(run_slot(2), S_IOERR);
    EXPECT_EQ(m_driver->ring().used_element(0).length, 1u);
}

INSTANTIATE_TEST_SUITE_P(Engines, VirtioBlockTest, ::testing::Values(IoEngineKind::IoUring, IoEngineKind::ThreadPool),
                         [](const auto& test_info) { return test_info.param == IoEngineKind::IoUring ? "IoUring" : "ThreadPool"; });

class VirtioBlockReadOnlyTest : public ::testing::Test, protected test::BlockDeviceFixture {
protected:
    void SetUp() override { set_up(IoEngineKind::Automatic, true); }
};

TEST_F(VirtioBlockReadOnlyTest, OffersRoAndRefusesWrites)
{
    EXPECT_NE(m_device->device_features() & F_RO, 0u);
    EXPECT_EQ(m_device->device_features() & (F_DISCARD | F_WRITE_ZEROES), 0u);
    auto before = file_bytes(0, test::DISK_BYTES);
    ASSERT_TRUE(m_memory.write(FakeBlockDriver::data_address(0), std::vector<std::uint8_t>(512, 0xaa)));
    m_driver->prepare(0, T_OUT, 0, 512);
    EXPECT_EQ(run_slot(), S_IOERR);
    m_driver->prepare_segments(1, T_WRITE_ZEROES, {{0, 8, 0}});
    EXPECT_EQ(run_slot(1), S_IOERR);
    m_driver->prepare(2, T_IN, 0, 512);
    EXPECT_EQ(run_slot(2), S_OK);
    EXPECT_EQ(file_bytes(0, test::DISK_BYTES), before);
}

class VirtioBlockMqTest : public ::testing::Test, protected test::BlockDeviceFixture {
protected:
    void SetUp() override { set_up(IoEngineKind::Automatic, false, 4); }
};

TEST_F(VirtioBlockMqTest, QueuesAreIndependent)
{
    EXPECT_EQ(m_device->queue_count(), 4u);
    m_driver->prepare(0, T_IN, 0, 512, 3);
    m_driver->submit(0, 3);
    ASSERT_TRUE(m_driver->drain());
    EXPECT_EQ(m_driver->ring(3).used_index(), 1);
    EXPECT_EQ(m_driver->ring(0).used_index(), 0);
    EXPECT_EQ(m_driver->status(0), S_OK);
}

TEST(VirtioBlockConfig, AdvertisesCapacityAndLimits)
{
    BlockConfig config(8192, {.seg_max = 254, .num_queues = 2, .max_discard_sectors = 1 << 22, .max_discard_seg = 32,
                              .discard_sector_alignment = 8, .max_write_zeroes_sectors = 1 << 22,
                              .max_write_zeroes_seg = 32});
    std::uint8_t bytes[64];
    config.read(0, bytes);
    std::uint64_t capacity;
    std::memcpy(&capacity, bytes, 8);
    EXPECT_EQ(capacity, 8192u);
    EXPECT_EQ(bytes[12], 254);  // seg_max
    EXPECT_EQ(bytes[21], 2);    // blk_size 512 = 0x200
    EXPECT_EQ(bytes[34], 2);    // num_queues
    EXPECT_EQ(bytes[40], 32);   // max_discard_seg
    EXPECT_EQ(bytes[56], 1);    // write_zeroes_may_unmap
    EXPECT_EQ(bytes[60], 0);    // beyond the structure
    std::uint8_t high[4] = {1, 1, 1, 1};
    config.read(58, high);  // a read across the end
    EXPECT_EQ(high[2], 0);
    config.read(~0ull, high);
    EXPECT_EQ(high[0], 0);
}

}  // namespace
}  // namespace nimbus
