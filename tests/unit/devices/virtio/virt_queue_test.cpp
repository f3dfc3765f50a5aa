// VirtQueue and DescriptorChain tests: well-formed chains, hostile chains, rings, notification suppression.
#include "devices/virtio/virt_queue.hpp"

#include <gtest/gtest.h>

#include "devices/virtio/virtio_constants.hpp"
#include "tests/unit/devices/virtio/fake_driver.hpp"
#include "tests/unit/support/guest_memory_fixture.hpp"

namespace nimbus {
namespace {

using namespace virtio;

constexpr std::uint64_t RING_BASE = 0x10'0000;
constexpr std::uint64_t BUFFER = 0x20'0000;
constexpr std::uint64_t TABLE = 0x30'0000;  // indirect tables
constexpr std::uint64_t MEMORY_SIZE = 16 << 20;

class VirtQueueTest : public ::testing::Test {
protected:
    VirtQueue make_queue(std::uint64_t features = F_INDIRECT_DESC)
    {
        auto queue = VirtQueue::create(m_memory, m_ring.layout(), 256, features);
        EXPECT_TRUE(queue) << queue.error().message();
        return queue ? std::move(*queue) : VirtQueue();
    }
    // Pops one chain and expects it to be malformed, with an error mentioning `reason`.
    void expect_bad_chain(VirtQueue& queue, std::uint16_t head, const std::string& reason)
    {
        auto popped = queue.pop();
        ASSERT_TRUE(popped) << popped.error().message();
        ASSERT_TRUE(popped->has_value());
        EXPECT_EQ((*popped)->head, head);
        ASSERT_FALSE((*popped)->chain) << "chain was accepted";
        EXPECT_NE((*popped)->chain.error().message().find(reason), std::string::npos)
            << (*popped)->chain.error().message();
    }
    DescriptorChain pop_chain(VirtQueue& queue)
    {
        auto popped = queue.pop();
        EXPECT_TRUE(popped && popped->has_value());
        EXPECT_TRUE((*popped)->chain) << (*popped)->chain.error().message();
        return std::move(*(*popped)->chain);
    }

    GuestMemory m_memory = test::make_memory(MEMORY_SIZE);
    test::FakeRing m_ring{m_memory, RING_BASE, 8};
};

TEST_F(VirtQueueTest, EmptyRingPopsNothing)
{
    VirtQueue queue = make_queue();
    auto popped = queue.pop();
    ASSERT_TRUE(popped);
    EXPECT_FALSE(popped->has_value());
}

TEST_F(VirtQueueTest, DisabledQueueDoesNothing)
{
    VirtQueue queue;
    m_ring.set_descriptor(0, BUFFER, 16, 0);
    m_ring.make_available(0);
    EXPECT_FALSE(queue.enabled());
    EXPECT_FALSE(queue.pop()->has_value());
    queue.add_used(0, 1);
    EXPECT_EQ(m_ring.used_index(), 0);
}

TEST_F(VirtQueueTest, ReadableThenWritableChainAndUsedRing)
{
    VirtQueue queue = make_queue();
    m_ring.set_descriptor(3, BUFFER, 16, DESC_F_NEXT, 5);
    m_ring.set_descriptor(5, BUFFER + 0x100, 8, DESC_F_NEXT | DESC_F_WRITE, 1);
    m_ring.set_descriptor(1, BUFFER + 0x200, 24, DESC_F_WRITE);
    m_ring.make_available(3);
    DescriptorChain chain = pop_chain(queue);
    EXPECT_EQ(chain.head(), 3);
    ASSERT_EQ(chain.descriptors().size(), 3u);
    EXPECT_EQ(chain.readable().size(), 1u);
    EXPECT_EQ(chain.writable().size(), 2u);
    EXPECT_EQ(chain.readable_length(), 16u);
    EXPECT_EQ(chain.writable_length(), 32u);
    EXPECT_EQ(chain.descriptors()[1].address, BUFFER + 0x100);
    EXPECT_FALSE(queue.pop()->has_value());

    queue.add_used(3, 32);
    EXPECT_EQ(m_ring.used_index(), 1);
    EXPECT_EQ(m_ring.used_element(0).id, 3u);
    EXPECT_EQ(m_ring.used_element(0).length, 32u);
}

TEST_F(VirtQueueTest, ChainCopiesAcrossDescriptorsWithOffsets)
{
    VirtQueue queue = make_queue();
    const std::uint8_t text[] = "abcdefgh";
    (void)m_memory.write(BUFFER, std::span(text, 3));
    (void)m_memory.write(BUFFER + 0x100, std::span(text + 3, 5));
    m_ring.set_descriptor(0, BUFFER, 3, DESC_F_NEXT, 1);
    m_ring.set_descriptor(1, BUFFER + 0x100, 5, DESC_F_NEXT, 2);
    m_ring.set_descriptor(2, BUFFER + 0x200, 2, DESC_F_WRITE | DESC_F_NEXT, 3);
    m_ring.set_descriptor(3, BUFFER + 0x300, 4, DESC_F_WRITE);
    m_ring.make_available(0);
    DescriptorChain chain = pop_chain(queue);

    std::uint8_t out[8] = {};
    EXPECT_EQ(chain.read(2, out), 6u);  // "cdefgh": crosses the first buffer's end
    EXPECT_EQ(std::string(reinterpret_cast<char*>(out), 6), "cdefgh");
    EXPECT_EQ(chain.read(8, out), 0u);

    const std::uint8_t data[] = {1, 2, 3, 4, 5, 6, 7};
    EXPECT_EQ(chain.write(1, data), 5u);  // 1 byte in the first writable buffer, 4 in the second
    EXPECT_EQ(*m_memory.read_object<std::uint8_t>(BUFFER + 0x201), 1);
    EXPECT_EQ(*m_memory.read_object<std::uint32_t>(BUFFER + 0x300), 0x05040302u);
}

TEST_F(VirtQueueTest, ZeroLengthDescriptorIsAcceptedWhateverItsAddress)
{
    VirtQueue queue = make_queue();
    m_ring.set_descriptor(0, 0xdead'beef'0000'0000, 0, DESC_F_WRITE);
    m_ring.make_available(0);
    DescriptorChain chain = pop_chain(queue);
    EXPECT_EQ(chain.writable_length(), 0u);
    EXPECT_TRUE(chain.descriptors()[0].bytes.empty());
}

TEST_F(VirtQueueTest, BufferOutsideGuestMemoryIsRefused)
{
    VirtQueue queue = make_queue();
    m_ring.set_descriptor(0, MEMORY_SIZE - 4, 8, 0);  // straddles the end of RAM
    m_ring.set_descriptor(1, 0xffff'ffff'ffff'f000, 0x2000, 0);  // wraps around
    m_ring.set_descriptor(2, MMIO_HOLE_START, 4, DESC_F_WRITE);  // the MMIO hole
    m_ring.set_descriptor(3, BUFFER, 0xffff'ffff, DESC_F_WRITE);  // huge
    for (std::uint16_t head = 0; head < 4; ++head)
        m_ring.make_available(head);
    for (std::uint16_t head = 0; head < 4; ++head)
        expect_bad_chain(queue, head, "not inside guest RAM");
    // The queue goes on: a later good chain is fine.
    m_ring.set_descriptor(4, BUFFER, 4, 0);
    m_ring.make_available(4);
    EXPECT_EQ(pop_chain(queue).head(), 4);
}

TEST_F(VirtQueueTest, LoopThroughNextIsRefused)
{
    VirtQueue queue = make_queue();
    m_ring.set_descriptor(0, BUFFER, 4, DESC_F_NEXT, 1);
    m_ring.set_descriptor(1, BUFFER, 4, DESC_F_NEXT, 0);
    m_ring.set_descriptor(2, BUFFER, 4, DESC_F_NEXT, 2);  // itself
    m_ring.make_available(0);
    m_ring.make_available(2);
    expect_bad_chain(queue, 0, "more than 8 descriptors");
    expect_bad_chain(queue, 2, "more than 8 descriptors");
}

TEST_F(VirtQueueTest, NextOutsideTheTableIsRefused)
{
    VirtQueue queue = make_queue();
    m_ring.set_descriptor(0, BUFFER, 4, DESC_F_NEXT, 8);  // the table has 8 entries
    m_ring.make_available(0);
    expect_bad_chain(queue, 0, "outside a table of 8");
}

TEST_F(VirtQueueTest, ChainUsingEveryDescriptorIsAcceptedButNotLonger)
{
    VirtQueue queue = make_queue();
    for (std::uint16_t index = 0; index < 8; ++index)
        m_ring.set_descriptor(index, BUFFER + index, 1, index == 7 ? 0 : DESC_F_NEXT, index + 1);
    m_ring.make_available(0);
    EXPECT_EQ(pop_chain(queue).descriptors().size(), 8u);
    m_ring.set_descriptor(7, BUFFER, 1, DESC_F_NEXT, 0);  // the ninth would repeat the first
    m_ring.make_available(0);
    expect_bad_chain(queue, 0, "more than 8 descriptors");
}

TEST_F(VirtQueueTest, ReadableAfterWritableIsRefused)
{
    VirtQueue queue = make_queue();
    m_ring.set_descriptor(0, BUFFER, 4, DESC_F_WRITE | DESC_F_NEXT, 1);
    m_ring.set_descriptor(1, BUFFER, 4, 0);
    m_ring.make_available(0);
    expect_bad_chain(queue, 0, "device-readable descriptor follows a device-writable one");
}

TEST_F(VirtQueueTest, DirectDescriptorsThenIndirectTable)
{
    VirtQueue queue = make_queue();
    m_ring.set_descriptor(0, BUFFER, 16, DESC_F_NEXT, 1);
    // WRITE on the descriptor naming the table is ignored (section 2.7.5.3.2).
    m_ring.set_descriptor(1, TABLE, 3 * 16, DESC_F_INDIRECT | DESC_F_WRITE);
    m_ring.set_indirect(TABLE, 0, BUFFER + 0x100, 8, DESC_F_NEXT, 2);
    m_ring.set_indirect(TABLE, 2, BUFFER + 0x200, 8, DESC_F_WRITE | DESC_F_NEXT, 1);
    m_ring.set_indirect(TABLE, 1, BUFFER + 0x300, 8, DESC_F_WRITE);
    m_ring.make_available(0);
    DescriptorChain chain = pop_chain(queue);
    ASSERT_EQ(chain.descriptors().size(), 4u);
    EXPECT_EQ(chain.readable_length(), 24u);
    EXPECT_EQ(chain.writable_length(), 16u);
    EXPECT_EQ(chain.descriptors()[3].address, BUFFER + 0x300);
}

TEST_F(VirtQueueTest, IndirectWithoutTheFeatureIsRefused)
{
    VirtQueue queue = make_queue(0);
    m_ring.set_descriptor(0, TABLE, 16, DESC_F_INDIRECT);
    m_ring.set_indirect(TABLE, 0, BUFFER, 8, 0);
    m_ring.make_available(0);
    expect_bad_chain(queue, 0, "without VIRTIO_F_INDIRECT_DESC");
}

TEST_F(VirtQueueTest, IndirectInsideIndirectIsRefused)
{
    VirtQueue queue = make_queue();
    m_ring.set_descriptor(0, TABLE, 2 * 16, DESC_F_INDIRECT);
    m_ring.set_indirect(TABLE, 0, BUFFER, 8, DESC_F_NEXT, 1);
    m_ring.set_indirect(TABLE, 1, TABLE, 2 * 16, DESC_F_INDIRECT);  // itself
    m_ring.make_available(0);
    expect_bad_chain(queue, 0, "INDIRECT descriptor inside an indirect table");
}

TEST_F(VirtQueueTest, LoopInsideIndirectTableIsRefused)
{
    VirtQueue queue = make_queue();
    m_ring.set_descriptor(0, TABLE, 2 * 16, DESC_F_INDIRECT);
    m_ring.set_indirect(TABLE, 0, BUFFER, 8, DESC_F_NEXT, 1);
    m_ring.set_indirect(TABLE, 1, BUFFER, 8, DESC_F_NEXT, 0);
    m_ring.make_available(0);
    expect_bad_chain(queue, 0, "more than 2 descriptors");
}

TEST_F(VirtQueueTest, IndirectNextOutsideItsTableIsRefused)
{
    VirtQueue queue = make_queue();
    m_ring.set_descriptor(0, TABLE, 2 * 16, DESC_F_INDIRECT);
    m_ring.set_indirect(TABLE, 0, BUFFER, 8, DESC_F_NEXT, 2);
    m_ring.make_available(0);
    expect_bad_chain(queue, 0, "outside a table of 2");
}

TEST_F(VirtQueueTest, MalformedIndirectTablesAreRefused)
{
    VirtQueue queue = make_queue();
    m_ring.set_descriptor(0, TABLE, 0, DESC_F_INDIRECT);
    m_ring.set_descriptor(1, TABLE, 24, DESC_F_INDIRECT);
    m_ring.set_descriptor(2, TABLE, 16 * (DescriptorChain::MAX_INDIRECT_DESCRIPTORS + 1), DESC_F_INDIRECT);
    m_ring.set_descriptor(3, MEMORY_SIZE - 16, 32, DESC_F_INDIRECT);
    m_ring.set_descriptor(4, TABLE, 16, DESC_F_INDIRECT | DESC_F_NEXT, 5);
    for (std::uint16_t head = 0; head < 5; ++head)
        m_ring.make_available(head);
    expect_bad_chain(queue, 0, "not a positive multiple of 16");
    expect_bad_chain(queue, 1, "not a positive multiple of 16");
    expect_bad_chain(queue, 2, "the limit is");
    expect_bad_chain(queue, 3, "indirect table");
    expect_bad_chain(queue, 4, "INDIRECT descriptor with NEXT set");
}

TEST_F(VirtQueueTest, ChainOverFourGibibytesIsRefused)
{
    auto big = GuestMemory::create(6ull << 30);  // sparse: nothing is touched
    ASSERT_TRUE(big);
    test::FakeRing ring(*big, RING_BASE, 4);
    auto queue = VirtQueue::create(*big, ring.layout(), 256, 0);
    ASSERT_TRUE(queue);
    // 3 GiB above the hole plus 1 GiB + 4 KiB below it: each buffer is in RAM, the sum is not allowed.
    ring.set_descriptor(0, MMIO_HOLE_END, 0xc000'0000, DESC_F_WRITE | DESC_F_NEXT, 1);
    ring.set_descriptor(1, 0, 0x4000'1000, DESC_F_WRITE);
    ring.make_available(0);
    auto popped = queue->pop();
    ASSERT_TRUE(popped && popped->has_value());
    ASSERT_FALSE((*popped)->chain);
    EXPECT_NE((*popped)->chain.error().message().find("longer than 4 GiB"), std::string::npos)
        << (*popped)->chain.error().message();
}

TEST_F(VirtQueueTest, BrokenAvailableRingIsAnError)
{
    VirtQueue queue = make_queue();
    m_ring.set_available_index(9);  // 9 entries in a queue of 8
    EXPECT_FALSE(queue.pop());

    VirtQueue other = make_queue();
    m_ring.set_available_index(0);
    m_ring.make_available(8);  // a head outside the table
    auto popped = other.pop();
    ASSERT_FALSE(popped);
    EXPECT_NE(popped.error().message().find("names descriptor 8"), std::string::npos);
}

TEST_F(VirtQueueTest, LayoutIsChecked)
{
    auto with = [&](QueueLayout layout) { return VirtQueue::create(m_memory, layout, 256, 0); };
    QueueLayout good = m_ring.layout();
    EXPECT_TRUE(with(good));
    for (int size : {0, 3, 6, 512}) {
        QueueLayout layout = good;
        layout.size = static_cast<std::uint16_t>(size);
        EXPECT_FALSE(with(layout)) << "size " << size;
    }
    QueueLayout layout = good;
    layout.descriptor_area += 8;
    EXPECT_FALSE(with(layout));
    layout = good;
    layout.driver_area += 1;
    EXPECT_FALSE(with(layout));
    layout = good;
    layout.device_area += 2;
    EXPECT_FALSE(with(layout));
    layout = good;
    layout.device_area = MEMORY_SIZE - 16;  // 6 + 8 * 8 bytes do not fit
    EXPECT_FALSE(with(layout));
    layout = good;
    layout.descriptor_area = 0xffff'ffff'ffff'fff0;
    EXPECT_FALSE(with(layout));
}

TEST_F(VirtQueueTest, NoInterruptFlagSuppressesNotificationsWithoutEventIdx)
{
    VirtQueue queue = make_queue(0);
    EXPECT_FALSE(queue.needs_notification());  // nothing used yet
    queue.add_used(0, 0);
    EXPECT_TRUE(queue.needs_notification());
    EXPECT_FALSE(queue.needs_notification());  // nothing new since
    m_ring.set_available_flags(AVAIL_F_NO_INTERRUPT);
    queue.add_used(1, 0);
    EXPECT_FALSE(queue.needs_notification());
}

TEST_F(VirtQueueTest, EventIdxNotifiesWhenUsedIndexPassesUsedEvent)
{
    VirtQueue queue = make_queue(F_EVENT_IDX);
    m_ring.set_available_flags(AVAIL_F_NO_INTERRUPT);  // ignored with EVENT_IDX
    m_ring.set_used_event(2);                          // wake me when entry 2 is used
    queue.add_used(0, 0);
    EXPECT_FALSE(queue.needs_notification());  // idx 1
    queue.add_used(1, 0);
    EXPECT_FALSE(queue.needs_notification());  // idx 2
    queue.add_used(2, 0);
    EXPECT_TRUE(queue.needs_notification());   // idx 3: entry 2 was written
    queue.add_used(3, 0);
    queue.add_used(4, 0);
    EXPECT_FALSE(queue.needs_notification());  // used_event not moved on
    m_ring.set_used_event(5);
    queue.add_used(5, 0);
    EXPECT_TRUE(queue.needs_notification());
}

TEST_F(VirtQueueTest, EventIdxPublishesAvailEventWhenTheRingRunsDry)
{
    VirtQueue queue = make_queue(F_EVENT_IDX);
    m_ring.set_descriptor(0, BUFFER, 4, 0);
    m_ring.make_available(0);
    m_ring.make_available(0);
    EXPECT_TRUE(queue.pop()->has_value());
    EXPECT_TRUE(queue.pop()->has_value());
    EXPECT_FALSE(queue.pop()->has_value());
    EXPECT_EQ(m_ring.avail_event(), 2);
}

TEST_F(VirtQueueTest, IndexesWrapAt65536)
{
    test::FakeRing ring(m_memory, RING_BASE, 2);
    auto queue = VirtQueue::create(m_memory, ring.layout(), 256, 0);
    ASSERT_TRUE(queue);
    ring.set_descriptor(0, BUFFER, 4, 0);
    for (int round = 0; round < 70000; ++round) {
        ring.make_available(0);
        auto popped = queue->pop();
        ASSERT_TRUE(popped && popped->has_value()) << "round " << round;
        queue->add_used(0, 4);
    }
    EXPECT_EQ(ring.used_index(), static_cast<std::uint16_t>(70000));
    EXPECT_FALSE(queue->pop()->has_value());
}

TEST(VringNeedEvent, MatchesTheSpecFormula)
{
    static_assert(vring_need_event(0, 1, 0));
    static_assert(!vring_need_event(1, 1, 0));
    static_assert(vring_need_event(5, 10, 3));
    static_assert(!vring_need_event(10, 10, 3));
    static_assert(vring_need_event(0xffff, 1, 0xfffe));  // across the wrap
}

}  // namespace
}  // namespace nimbus
