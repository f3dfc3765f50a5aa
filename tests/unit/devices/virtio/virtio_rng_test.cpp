// VirtioRng tests: writable buffers filled with random bytes, readable ones untouched, bounded requests.
#include "devices/virtio/rng/virtio_rng.hpp"

#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

#include "devices/virtio/virtio_constants.hpp"
#include "tests/unit/devices/virtio/fake_driver.hpp"
#include "tests/unit/support/guest_memory_fixture.hpp"

namespace nimbus {
namespace {

using namespace virtio;

constexpr std::uint64_t BUFFER = 0x40'0000;

class VirtioRngTest : public ::testing::Test {
protected:
    VirtioRngTest()
    {
        auto queue = VirtQueue::create(m_memory, m_ring.layout(), VirtioRng::QUEUE_SIZE, 0);
        EXPECT_TRUE(queue);
        std::vector<VirtQueue> queues;
        queues.push_back(std::move(*queue));
        EXPECT_TRUE(m_rng.activate({m_memory, m_interrupt, F_VERSION_1, std::move(queues)}));
    }
    std::vector<std::uint8_t> bytes(std::uint64_t address, std::size_t length)
    {
        std::vector<std::uint8_t> out(length);
        EXPECT_TRUE(m_memory.read(address, out));
        return out;
    }

    GuestMemory m_memory = test::make_memory(16 << 20);
    test::CountingLine m_line;
    VirtioInterrupt m_interrupt{m_line};
    test::FakeRing m_ring{m_memory, 0x10'0000, 16};
    VirtioRng m_rng;
};

TEST_F(VirtioRngTest, FillsWritableBuffers)
{
    m_ring.set_descriptor(0, BUFFER, 32, DESC_F_WRITE | DESC_F_NEXT, 1);
    m_ring.set_descriptor(1, BUFFER + 0x1000, 32, DESC_F_WRITE);
    m_ring.make_available(0);
    m_rng.queue_notified(0);
    ASSERT_EQ(m_ring.used_index(), 1);
    EXPECT_EQ(m_ring.used_element(0).id, 0u);
    EXPECT_EQ(m_ring.used_element(0).length, 64u);
    auto first = bytes(BUFFER, 32);
    auto second = bytes(BUFFER + 0x1000, 32);
    // 32 zero bytes from getrandom() would happen once in 2^256 runs.
    EXPECT_TRUE(std::ranges::any_of(first, [](std::uint8_t b) { return b != 0; }));
    EXPECT_NE(first, second);
    EXPECT_EQ(m_interrupt.status(), INTERRUPT_USED_BUFFER);
    EXPECT_EQ(m_line.count(), 1);
}

TEST_F(VirtioRngTest, LeavesDeviceReadableBuffersAlone)
{
    m_ring.set_descriptor(0, BUFFER, 32, 0);  // the driver's mistake: a readable buffer
    m_ring.make_available(0);
    m_rng.queue_notified(0);
    ASSERT_EQ(m_ring.used_index(), 1);
    EXPECT_EQ(m_ring.used_element(0).length, 0u);
    EXPECT_EQ(bytes(BUFFER, 32), std::vector<std::uint8_t>(32, 0));
}

TEST_F(VirtioRngTest, BoundsEachRequest)
{
    m_ring.set_descriptor(0, BUFFER, 0x30000, DESC_F_WRITE);  // 192 KiB asked for
    m_ring.make_available(0);
    m_rng.queue_notified(0);
    EXPECT_EQ(m_ring.used_element(0).length, VirtioRng::MAX_BYTES_PER_REQUEST);
    EXPECT_EQ(bytes(BUFFER + VirtioRng::MAX_BYTES_PER_REQUEST, 64), std::vector<std::uint8_t>(64, 0));
}

TEST_F(VirtioRngTest, MalformedChainIsReturnedEmptyAndTheQueueGoesOn)
{
    m_ring.set_descriptor(0, 0xffff'ffff'0000, 32, DESC_F_WRITE);
    m_ring.set_descriptor(1, BUFFER, 16, DESC_F_WRITE);
    m_ring.make_available(0);
    m_ring.make_available(1);
    m_rng.queue_notified(0);
    ASSERT_EQ(m_ring.used_index(), 2);
    EXPECT_EQ(m_ring.used_element(0).length, 0u);
    EXPECT_EQ(m_ring.used_element(1).length, 16u);
    EXPECT_FALSE(m_interrupt.needs_reset());
}

TEST_F(VirtioRngTest, BrokenRingNeedsResetAndStopsTheDevice)
{
    m_ring.set_available_index(17);
    m_rng.queue_notified(0);
    EXPECT_TRUE(m_interrupt.needs_reset());
    EXPECT_EQ(m_interrupt.status(), INTERRUPT_CONFIG_CHANGE);
    // Inactive now: further notifications touch nothing.
    m_ring.set_available_index(0);
    m_ring.set_descriptor(0, BUFFER, 16, DESC_F_WRITE);
    m_ring.make_available(0);
    m_rng.queue_notified(0);
    EXPECT_EQ(m_ring.used_index(), 0);
}

TEST_F(VirtioRngTest, NothingIsConsumedAfterReset)
{
    m_rng.reset();
    m_ring.set_descriptor(0, BUFFER, 16, DESC_F_WRITE);
    m_ring.make_available(0);
    m_rng.queue_notified(0);
    EXPECT_EQ(m_ring.used_index(), 0);
}

}  // namespace
}  // namespace nimbus
