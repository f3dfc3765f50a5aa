// VirtQueue: the device side of one split virtqueue (available ring in, used ring out).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "base/error.hpp"
#include "devices/virtio/descriptor_chain.hpp"
#include "memory/guest_memory.hpp"

namespace nimbus {

// Where the driver put a queue and how big it is: the transport's QueueNum/QueueDesc/QueueDriver/
// QueueDevice registers.
struct QueueLayout final {
    std::uint16_t size = 0;
    std::uint64_t descriptor_area = 0;
    std::uint64_t driver_area = 0;  // the available ring
    std::uint64_t device_area = 0;  // the used ring
};

// A chain the driver made available. A malformed chain still has a valid head, so the device can
// hand it back (as used, usually with length 0) and go on with the next one.
struct AvailableChain final {
    std::uint16_t head;
    Result<DescriptorChain> chain;
};

// Not thread-safe: one thread at a time (the device's lock) pops and adds used buffers.
class VirtQueue final {
public:
    // A disabled queue: pop() finds nothing and add_used() does nothing.
    VirtQueue() = default;

    // Guest-controlled: `layout` is what the driver wrote. Checks that the size is a power of two
    // between 1 and `max_size`, that each area has the alignment section 2.7 requires (16, 2, 4)
    // and lies inside guest RAM. `features` are the negotiated ones: EVENT_IDX and INDIRECT_DESC
    // change how the rings are used.
    static Result<VirtQueue> create(const GuestMemory& memory, const QueueLayout& layout, std::uint16_t max_size,
                                    std::uint64_t features);

    bool enabled() const { return m_memory != nullptr; }
    std::uint16_t size() const { return m_size; }

    // The next chain the driver made available, or nullopt when there is none. An error means the
    // available ring itself is broken (its index ran more than a queue ahead, or a head is out of
    // range): the device cannot go on and must ask for a reset. With EVENT_IDX, finding the ring
    // empty also publishes avail_event so the driver notifies us of the next buffer.
    Result<std::optional<AvailableChain>> pop();

    // Returns chain `head` to the driver; `written` bytes were written into its writable part.
    // The element is visible to the driver before the used index moves past it.
    void add_used(std::uint16_t head, std::uint32_t written);

    // Whether the driver asked for a used-buffer notification for the buffers added since the last
    // call (avail flags without EVENT_IDX, used_event with it). Call after a batch of add_used().
    bool needs_notification();

    std::uint16_t next_available() const { return m_next_available; }
    std::uint16_t next_used() const { return m_next_used; }

private:
    std::uint16_t available_index() const;

    const GuestMemory* m_memory = nullptr;
    std::span<std::uint8_t> m_descriptors;
    std::span<std::uint8_t> m_available;  // flags, idx, ring[size], used_event
    std::span<std::uint8_t> m_used;       // flags, idx, ring[size], avail_event
    std::uint16_t m_size = 0;
    bool m_event_index = false;
    bool m_indirect = false;
    std::uint16_t m_next_available = 0;
    std::uint16_t m_next_used = 0;
    std::uint16_t m_signalled_used = 0;  // the used index when needs_notification() last looked
};

// vring_need_event() of the spec (section 2.7.10 / virtio_ring.h): true when `new_index` has moved
// past `event` since `old_index`.
constexpr bool vring_need_event(std::uint16_t event, std::uint16_t new_index, std::uint16_t old_index)
{
    return static_cast<std::uint16_t>(new_index - event - 1) < static_cast<std::uint16_t>(new_index - old_index);
}

}  // namespace nimbus
