// Test support: a minimal virtio driver over fake guest memory: split rings and virtio-mmio registers.
// No GoogleTest here, so the fuzz target can use it too.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <span>

#include "devices/virtio/mmio_transport.hpp"
#include "devices/virtio/virt_queue.hpp"
#include "devices/virtio/virtio_constants.hpp"
#include "memory/guest_memory.hpp"

namespace nimbus::test {

class CountingLine final : public InterruptLine {
public:
    void trigger() override { ++m_count; }
    int count() const { return m_count.load(); }

private:
    std::atomic<int> m_count{0};
};

// The driver side of one split queue laid out at `base`: descriptor table, then the available
// ring, then the used ring (4 KiB apart, which satisfies every alignment rule).
class FakeRing final {
public:
    FakeRing(const GuestMemory& memory, std::uint64_t base, std::uint16_t size)
        : m_memory(memory), m_layout{size, base, base + 0x4000, base + 0x8000}
    {
        // Zeroed rings, as a driver allocates them.
        auto bytes = memory.span(base, 0xc000);
        if (bytes)
            std::memset(bytes->data(), 0, bytes->size());
    }

    const QueueLayout& layout() const { return m_layout; }

    void set_descriptor(std::uint16_t index, std::uint64_t address, std::uint32_t length, std::uint16_t flags,
                        std::uint16_t next = 0)
    {
        virtio::VirtqDescriptor descriptor{address, length, flags, next};
        (void)m_memory.write_object(m_layout.descriptor_area + 16ull * index, descriptor);
    }
    // Writes a descriptor into an indirect table at `table`.
    void set_indirect(std::uint64_t table, std::uint16_t index, std::uint64_t address, std::uint32_t length,
                      std::uint16_t flags, std::uint16_t next = 0)
    {
        virtio::VirtqDescriptor descriptor{address, length, flags, next};
        (void)m_memory.write_object(table + 16ull * index, descriptor);
    }
    // Puts `head` in the next available slot and publishes it.
    void make_available(std::uint16_t head)
    {
        std::uint16_t index = available_index();
        (void)m_memory.write_object<std::uint16_t>(m_layout.driver_area + 4 + 2ull * (index % m_layout.size), head);
        set_available_index(static_cast<std::uint16_t>(index + 1));
    }
    std::uint16_t available_index() const { return read16(m_layout.driver_area + 2); }
    void set_available_index(std::uint16_t index) { (void)m_memory.write_object(m_layout.driver_area + 2, index); }
    void set_available_flags(std::uint16_t flags) { (void)m_memory.write_object(m_layout.driver_area, flags); }
    void set_used_event(std::uint16_t event)
    {
        (void)m_memory.write_object(m_layout.driver_area + 4 + 2ull * m_layout.size, event);
    }

    std::uint16_t used_index() const { return read16(m_layout.device_area + 2); }
    virtio::VirtqUsedElement used_element(std::uint16_t index) const
    {
        auto element = m_memory.read_object<virtio::VirtqUsedElement>(m_layout.device_area + 4 +
                                                                       8ull * (index % m_layout.size));
        return element ? *element : virtio::VirtqUsedElement{0xffff'ffff, 0xffff'ffff};
    }
    std::uint16_t avail_event() const { return read16(m_layout.device_area + 4 + 8ull * m_layout.size); }

private:
    std::uint16_t read16(std::uint64_t address) const
    {
        auto value = m_memory.read_object<std::uint16_t>(address);
        return value ? *value : 0xffff;
    }

    const GuestMemory& m_memory;
    QueueLayout m_layout;
};

// Register access to a transport the way a vCPU does it.
class FakeMmio final {
public:
    explicit FakeMmio(MmioTransport& transport) : m_transport(transport) {}

    std::uint32_t read32(std::uint64_t offset)
    {
        std::uint32_t value = 0;
        m_transport.read(offset, {reinterpret_cast<std::uint8_t*>(&value), 4});
        return value;
    }
    void write32(std::uint64_t offset, std::uint32_t value)
    {
        m_transport.write(offset, {reinterpret_cast<const std::uint8_t*>(&value), 4});
    }

    // ACKNOWLEDGE, DRIVER, the features, FEATURES_OK; returns the status read back.
    std::uint32_t negotiate(std::uint64_t features)
    {
        write32(virtio_mmio::STATUS, virtio::STATUS_ACKNOWLEDGE);
        write32(virtio_mmio::STATUS, virtio::STATUS_ACKNOWLEDGE | virtio::STATUS_DRIVER);
        write32(virtio_mmio::DRIVER_FEATURES_SEL, 0);
        write32(virtio_mmio::DRIVER_FEATURES, static_cast<std::uint32_t>(features));
        write32(virtio_mmio::DRIVER_FEATURES_SEL, 1);
        write32(virtio_mmio::DRIVER_FEATURES, static_cast<std::uint32_t>(features >> 32));
        write32(virtio_mmio::STATUS, virtio::STATUS_ACKNOWLEDGE | virtio::STATUS_DRIVER | virtio::STATUS_FEATURES_OK);
        return read32(virtio_mmio::STATUS);
    }
    void set_up_queue(std::uint32_t index, const QueueLayout& layout)
    {
        write32(virtio_mmio::QUEUE_SEL, index);
        write32(virtio_mmio::QUEUE_NUM, layout.size);
        write32(virtio_mmio::QUEUE_DESC_LOW, static_cast<std::uint32_t>(layout.descriptor_area));
        write32(virtio_mmio::QUEUE_DESC_HIGH, static_cast<std::uint32_t>(layout.descriptor_area >> 32));
        write32(virtio_mmio::QUEUE_DRIVER_LOW, static_cast<std::uint32_t>(layout.driver_area));
        write32(virtio_mmio::QUEUE_DRIVER_HIGH, static_cast<std::uint32_t>(layout.driver_area >> 32));
        write32(virtio_mmio::QUEUE_DEVICE_LOW, static_cast<std::uint32_t>(layout.device_area));
        write32(virtio_mmio::QUEUE_DEVICE_HIGH, static_cast<std::uint32_t>(layout.device_area >> 32));
        write32(virtio_mmio::QUEUE_READY, 1);
    }
    void driver_ok()
    {
        write32(virtio_mmio::STATUS, virtio::STATUS_ACKNOWLEDGE | virtio::STATUS_DRIVER | virtio::STATUS_FEATURES_OK |
                                         virtio::STATUS_DRIVER_OK);
    }

private:
    MmioTransport& m_transport;
};

}  // namespace nimbus::test
