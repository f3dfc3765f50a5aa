// MmioTransport: register decoding, the device status state machine, feature negotiation, queue setup.
#include "devices/virtio/mmio_transport.hpp"

#include <algorithm>
#include <cstring>

#include "base/log.hpp"
#include "devices/virtio/virtio_constants.hpp"

namespace nimbus {

using namespace virtio_mmio;

namespace {

constexpr std::uint64_t RING_FEATURES = virtio::F_INDIRECT_DESC | virtio::F_EVENT_IDX;

std::uint32_t low_half(std::uint64_t value) { return static_cast<std::uint32_t>(value); }
std::uint32_t high_half(std::uint64_t value) { return static_cast<std::uint32_t>(value >> 32); }
void set_half(std::uint64_t& target, bool high, std::uint32_t value)
{
    int shift = high ? 32 : 0;
    target = (target & ~(std::uint64_t{0xffff'ffff} << shift)) | (std::uint64_t{value} << shift);
}

}  // namespace

Result<std::shared_ptr<MmioTransport>> MmioTransport::create(std::shared_ptr<VirtioDevice> device,
                                                             const GuestMemory& memory, InterruptLine& line)
{
    std::vector<Queue> queues;
    for (std::size_t index = 0; index < device->queue_count(); ++index) {
        std::uint16_t max_size = device->queue_max_size(index);
        if (max_size == 0 || max_size > virtio::MAX_QUEUE_SIZE || (max_size & (max_size - 1)) != 0)
            return fail(std::string(device->name()), "queue {} has maximum size {}, not a power of two up to {}", index,
                        max_size, virtio::MAX_QUEUE_SIZE);
        queues.push_back(Queue{TRY(EventFd::create()), max_size, QueueLayout{max_size, 0, 0, 0}, false});
    }
    return std::shared_ptr<MmioTransport>(new MmioTransport(std::move(device), memory, line, std::move(queues)));
}

MmioTransport::MmioTransport(std::shared_ptr<VirtioDevice> device, const GuestMemory& memory, InterruptLine& line,
                             std::vector<Queue> queues)
    : m_device(std::move(device)), m_memory(memory), m_interrupt(line), m_queues(std::move(queues))
{
}

void MmioTransport::read(std::uint64_t offset, std::span<std::uint8_t> data)
{
    std::lock_guard guard(m_lock);
    if (offset >= CONFIG) {
        m_device->read_config(offset - CONFIG, data);
        return;
    }
    std::ranges::fill(data, std::uint8_t{0});
    if (data.size() != 4 || offset % 4 != 0) {
        log::debug("{}: {}-byte read at register offset {:#x} ignored (registers are 32-bit)", m_device->name(),
                   data.size(), offset);
        return;
    }
    std::uint32_t value = read_register(offset);
    std::memcpy(data.data(), &value, sizeof value);
}

void MmioTransport::write(std::uint64_t offset, std::span<const std::uint8_t> data)
{
    std::lock_guard guard(m_lock);
    if (offset >= CONFIG) {
        m_device->write_config(offset - CONFIG, data);
        return;
    }
    if (data.size() != 4 || offset % 4 != 0) {
        log::debug("{}: {}-byte write at register offset {:#x} ignored (registers are 32-bit)", m_device->name(),
                   data.size(), offset);
        return;
    }
    std::uint32_t value;
    std::memcpy(&value, data.data(), sizeof value);
    write_register(offset, value);
}

std::uint64_t MmioTransport::offered_features() const
{
    return m_device->device_features() | RING_FEATURES | virtio::F_VERSION_1;
}

MmioTransport::Queue* MmioTransport::selected_queue()
{
    return m_queue_select < m_queues.size() ? &m_queues[m_queue_select] : nullptr;
}

std::uint32_t MmioTransport::read_register(std::uint64_t offset)
{
    Queue* queue = selected_queue();
    switch (offset) {
    case MAGIC_VALUE: return MAGIC;
    case VERSION: return VERSION_2;
    case DEVICE_ID: return m_device->device_type();
    case VENDOR_ID: return VENDOR;
    case DEVICE_FEATURES:
        if (m_device_features_select > 1)
            return 0;
        return m_device_features_select == 0 ? low_half(offered_features()) : high_half(offered_features());
    case QUEUE_NUM_MAX: return queue ? queue->max_size : 0;  // 0: no such queue
    case QUEUE_READY: return queue && queue->ready ? 1 : 0;
    case INTERRUPT_STATUS: return m_interrupt.status();
    case STATUS: return m_status | (m_interrupt.needs_reset() ? virtio::STATUS_DEVICE_NEEDS_RESET : 0);
    // No shared memory regions: a length of -1 and a base of all ones (section 4.2.2).
    case SHM_LEN_LOW:
    case SHM_LEN_HIGH:
    case SHM_BASE_LOW:
    case SHM_BASE_HIGH: return 0xffff'ffff;
    case CONFIG_GENERATION: return m_interrupt.config_generation();
    default: return 0;  // write-only registers, QueueReset (RING_RESET is not offered), holes
    }
}

void MmioTransport::write_register(std::uint64_t offset, std::uint32_t value)
{
    // Guest-controlled: `value`.
    switch (offset) {
    case DEVICE_FEATURES_SEL: m_device_features_select = value; return;
    case DRIVER_FEATURES:
        // Features are fixed once FEATURES_OK is set (section 3.1.1).
        if (m_driver_features_select <= 1 && (m_status & virtio::STATUS_FEATURES_OK) == 0)
            set_half(m_driver_features, m_driver_features_select == 1, value);
        return;
    case DRIVER_FEATURES_SEL: m_driver_features_select = value; return;
    case QUEUE_SEL: m_queue_select = value; return;
    case QUEUE_NUM:
        // Out of range becomes 0, which VirtQueue::create() refuses when the queue is used.
        if (Queue* queue = selected_queue(); queue && !queue->ready)
            queue->layout.size = value <= 0xffff ? static_cast<std::uint16_t>(value) : 0;
        return;
    case QUEUE_READY: write_queue_ready(value); return;
    case QUEUE_NOTIFY:
        // Only reached when KVM's ioeventfd did not take the write (no KVM in tests, or a value
        // that names no queue): hand it to the event loop the same way.
        if (value < m_queues.size())
            (void)m_queues[value].notify.signal();
        return;
    case INTERRUPT_ACK:
        m_interrupt.acknowledge(value & (virtio::INTERRUPT_USED_BUFFER | virtio::INTERRUPT_CONFIG_CHANGE));
        return;
    case STATUS: write_status(value); return;
    case QUEUE_DESC_LOW:
    case QUEUE_DESC_HIGH:
    case QUEUE_DRIVER_LOW:
    case QUEUE_DRIVER_HIGH:
    case QUEUE_DEVICE_LOW:
    case QUEUE_DEVICE_HIGH: write_queue_address(offset, value); return;
    case SHM_SEL: return;  // no regions to select
    default:
        log::debug("{}: write of {:#x} to read-only or unknown register {:#x} ignored", m_device->name(), value,
                   offset);
        return;
    }
}

void MmioTransport::write_queue_address(std::uint64_t offset, std::uint32_t value)
{
    Queue* queue = selected_queue();
    // The driver must not change a ready queue (section 4.2.2.2); such writes are dropped.
    if (!queue || queue->ready)
        return;
    bool high = offset % 8 == 4;
    switch (offset & ~std::uint64_t{4}) {
    case QUEUE_DESC_LOW: set_half(queue->layout.descriptor_area, high, value); return;
    case QUEUE_DRIVER_LOW: set_half(queue->layout.driver_area, high, value); return;
    case QUEUE_DEVICE_LOW: set_half(queue->layout.device_area, high, value); return;
    default: return;
    }
}

void MmioTransport::write_queue_ready(std::uint32_t value)
{
    Queue* queue = selected_queue();
    if (!queue || value > 1 || queue->ready == (value == 1))
        return;
    queue->ready = value == 1;
    if (!m_active)
        return;
    // A queue enabled or stopped after DRIVER_OK: the device takes the new queue at once.
    std::size_t index = m_queue_select;
    if (!queue->ready) {
        m_device->replace_queue(index, VirtQueue());
        return;
    }
    auto created = make_queue(*queue);
    if (!created) {
        log::warn("{}: queue {}: {}; the device needs a reset", m_device->name(), index, created.error().message());
        m_interrupt.signal_needs_reset();
        return;
    }
    m_device->replace_queue(index, std::move(*created));
    (void)queue->notify.signal();  // buffers may be there already
}

Result<VirtQueue> MmioTransport::make_queue(const Queue& queue) const
{
    return VirtQueue::create(m_memory, queue.layout, queue.max_size, m_driver_features);
}

bool MmioTransport::features_acceptable() const
{
    // Section 2.2.1: only what was offered; and VERSION_1, without which we have no legacy mode to
    // fall back to.
    return (m_driver_features & ~offered_features()) == 0 && (m_driver_features & virtio::F_VERSION_1) != 0;
}

void MmioTransport::write_status(std::uint32_t value)
{
    if (value == 0) {
        reset();
        return;
    }
    // DEVICE_NEEDS_RESET belongs to the device; the driver may set bits but not clear them
    // (section 2.1.2), so the new status is the old one plus what was written.
    value &= ~virtio::STATUS_DEVICE_NEEDS_RESET;
    std::uint32_t added = value & ~m_status;
    std::uint32_t status = m_status | value;
    if ((added & virtio::STATUS_FEATURES_OK) != 0) {
        bool in_order = (status & virtio::STATUS_ACKNOWLEDGE) != 0 && (status & virtio::STATUS_DRIVER) != 0;
        if (!in_order || !features_acceptable()) {
            // FEATURES_OK stays clear: the driver reads it back and gives up (section 3.1.1).
            log::debug("{}: features {:#x} refused (offered {:#x})", m_device->name(), m_driver_features,
                       offered_features());
            status &= ~virtio::STATUS_FEATURES_OK;
        }
    }
    m_status = status;
    if ((added & virtio::STATUS_DRIVER_OK) != 0 && !m_active)
        activate();
}

void MmioTransport::activate()
{
    if ((m_status & virtio::STATUS_FEATURES_OK) == 0 || (m_status & virtio::STATUS_FAILED) != 0) {
        log::warn("{}: DRIVER_OK without FEATURES_OK (or after FAILED); the device needs a reset", m_device->name());
        m_interrupt.signal_needs_reset();
        return;
    }
    std::vector<VirtQueue> queues;
    for (std::size_t index = 0; index < m_queues.size(); ++index) {
        if (!m_queues[index].ready) {
            queues.emplace_back();
            continue;
        }
        auto queue = make_queue(m_queues[index]);
        if (!queue) {
            log::warn("{}: queue {}: {}; the device needs a reset", m_device->name(), index, queue.error().message());
            m_interrupt.signal_needs_reset();
            return;
        }
        queues.push_back(std::move(*queue));
    }
    auto activated = m_device->activate({m_memory, m_interrupt, m_driver_features, std::move(queues)});
    if (!activated) {
        log::warn("{}: {}; the device needs a reset", m_device->name(), activated.error().message());
        m_interrupt.signal_needs_reset();
        return;
    }
    m_active = true;
    // Buffers made available before DRIVER_OK were not consumed (section 2.1.2): look at them now,
    // on the event loop.
    for (Queue& queue : m_queues)
        if (queue.ready)
            (void)queue.notify.signal();
}

void MmioTransport::reset()
{
    // Waits for queue work in progress (the device's lock); afterwards the device touches no ring.
    m_device->reset();
    m_interrupt.reset();
    m_active = false;
    m_status = 0;
    m_device_features_select = 0;
    m_driver_features_select = 0;
    m_driver_features = 0;
    m_queue_select = 0;
    for (Queue& queue : m_queues) {
        queue.ready = false;
        queue.layout = QueueLayout{queue.max_size, 0, 0, 0};
    }
}

void MmioTransport::handle_notification(std::size_t index)
{
    (void)m_queues.at(index).notify.consume();
    m_device->queue_notified(index);
}

}  // namespace nimbus
