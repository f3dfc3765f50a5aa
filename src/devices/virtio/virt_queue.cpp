// VirtQueue: ring validation, popping available chains, publishing used ones, notification suppression.
#include "devices/virtio/virt_queue.hpp"

#include <atomic>
#include <bit>
#include <cstring>

#include "devices/virtio/virtio_constants.hpp"

namespace nimbus {

namespace {

constexpr const char* OPERATION = "virtqueue";
constexpr std::uint64_t RING_HEADER = 4;  // le16 flags, le16 idx

// The ring indexes are shared with a driver on another CPU: access them as atomics. Alignment of the
// areas is checked in create(), so the casts produce aligned objects.
std::atomic_ref<std::uint16_t> ring_u16(std::span<std::uint8_t> area, std::size_t offset)
{
    return std::atomic_ref<std::uint16_t>(*reinterpret_cast<std::uint16_t*>(area.data() + offset));
}

Result<std::span<std::uint8_t>> area(const GuestMemory& memory, const char* name, std::uint64_t address,
                                     std::uint64_t length, std::uint64_t alignment)
{
    if (address % alignment != 0)
        return fail(OPERATION, "{} at {:#x} is not aligned to {} bytes", name, address, alignment);
    auto bytes = memory.span(address, length);
    if (!bytes)
        return fail(OPERATION, "{} [{:#x}, +{:#x}) is not inside guest RAM", name, address, length);
    return *bytes;
}

}  // namespace

Result<VirtQueue> VirtQueue::create(const GuestMemory& memory, const QueueLayout& layout, std::uint16_t max_size,
                                    std::uint64_t features)
{
    // Guest-controlled: the whole layout.
    std::uint16_t size = layout.size;
    if (size == 0 || size > max_size || !std::has_single_bit(size))
        return fail(OPERATION, "queue size {} is not a power of two between 1 and {}", size, max_size);
    VirtQueue queue;
    queue.m_size = size;
    queue.m_event_index = (features & virtio::F_EVENT_IDX) != 0;
    queue.m_indirect = (features & virtio::F_INDIRECT_DESC) != 0;
    // With or without EVENT_IDX the rings' trailing event fields are counted: the driver allocates
    // them either way (section 2.7: 6 + 2 * size and 6 + 8 * size bytes).
    queue.m_descriptors = TRY(area(memory, "descriptor table", layout.descriptor_area,
                                   std::uint64_t{size} * sizeof(virtio::VirtqDescriptor), 16));
    queue.m_available = TRY(area(memory, "available ring", layout.driver_area, RING_HEADER + 2ull * size + 2, 2));
    queue.m_used = TRY(area(memory, "used ring", layout.device_area,
                            RING_HEADER + std::uint64_t{size} * sizeof(virtio::VirtqUsedElement) + 2, 4));
    queue.m_memory = &memory;
    return queue;
}

std::uint16_t VirtQueue::available_index() const
{
    // Acquire: the ring entries and descriptors the driver wrote before moving idx are visible.
    return ring_u16(m_available, 2).load(std::memory_order_acquire);
}

Result<std::optional<AvailableChain>> VirtQueue::pop()
{
    if (!enabled())
        return std::nullopt;
    // Guest-controlled: the available index and ring entries.
    std::uint16_t available = available_index();
    if (available == m_next_available) {
        if (!m_event_index)
            return std::nullopt;
        // Ask to be notified when the driver makes the next buffer available, then look again:
        // the driver may have added one before it could see avail_event (section 2.7.10).
        ring_u16(m_used, RING_HEADER + std::size_t{m_size} * sizeof(virtio::VirtqUsedElement))
            .store(m_next_available, std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_seq_cst);
        available = available_index();
        if (available == m_next_available)
            return std::nullopt;
    }
    std::uint16_t pending = static_cast<std::uint16_t>(available - m_next_available);
    if (pending > m_size)
        return fail(OPERATION, "available index {} is {} entries ahead of {} in a queue of {}", available, pending,
                    m_next_available, m_size);
    std::size_t slot = m_next_available % m_size;
    std::uint16_t head = ring_u16(m_available, RING_HEADER + 2 * slot).load(std::memory_order_relaxed);
    if (head >= m_size)
        return fail(OPERATION, "available ring entry {} names descriptor {} of {}", slot, head, m_size);
    ++m_next_available;
    return AvailableChain{head, DescriptorChain::walk(*m_memory, m_descriptors, m_size, head, m_indirect)};
}

void VirtQueue::add_used(std::uint16_t head, std::uint32_t written)
{
    if (!enabled())
        return;
    virtio::VirtqUsedElement element{head, written};
    std::size_t slot = m_next_used % m_size;
    std::memcpy(m_used.data() + RING_HEADER + slot * sizeof element, &element, sizeof element);
    ++m_next_used;
    // The element (and the buffer contents written before this call) must be visible before idx.
    std::atomic_thread_fence(std::memory_order_release);
    ring_u16(m_used, 2).store(m_next_used, std::memory_order_relaxed);
}

bool VirtQueue::needs_notification()
{
    if (!enabled() || m_next_used == m_signalled_used)
        return false;
    // The used index store must be ordered before we read the driver's suppression fields, or a
    // driver re-enabling notifications at this moment could be missed.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    std::uint16_t old_used = m_signalled_used;
    m_signalled_used = m_next_used;
    // Guest-controlled: flags and used_event, only ever compared.
    if (m_event_index) {
        std::size_t used_event_offset = RING_HEADER + 2 * std::size_t{m_size};
        std::uint16_t used_event = ring_u16(m_available, used_event_offset).load(std::memory_order_relaxed);
        return vring_need_event(used_event, m_next_used, old_used);
    }
    return (ring_u16(m_available, 0).load(std::memory_order_relaxed) & virtio::AVAIL_F_NO_INTERRUPT) == 0;
}

}  // namespace nimbus
