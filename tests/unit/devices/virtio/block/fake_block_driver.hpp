// Test support: the driver side of virtio-blk over fake guest memory (no GoogleTest: the fuzz target
// and the benchmark use it too).
#pragma once

#include <poll.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "devices/virtio/block/virtio_block.hpp"
#include "devices/virtio/block/virtio_block_spec.hpp"
#include "devices/virtio/virtio_constants.hpp"
#include "tests/unit/devices/virtio/fake_driver.hpp"

namespace nimbus::test {

// Request slot n uses descriptors 3n..3n+2, its header at HEADERS + 16n, its status byte at
// STATUSES + n and up to SLOT_DATA bytes of data at DATA + n * SLOT_DATA.
class FakeBlockDriver final {
public:
    static constexpr std::uint64_t RINGS = 0x10'0000;     // 0x10000 apart per queue
    static constexpr std::uint64_t HEADERS = 0x30'0000;
    static constexpr std::uint64_t STATUSES = 0x31'0000;
    static constexpr std::uint64_t SEGMENTS = 0x32'0000;  // DISCARD / WRITE_ZEROES segment arrays
    static constexpr std::uint64_t DATA = 0x40'0000;
    static constexpr std::uint64_t SLOT_DATA = 0x1'0000;
    static constexpr std::uint16_t QUEUE_SIZE = 256;

    FakeBlockDriver(const GuestMemory& memory, VirtioBlock& device, std::size_t queues, std::uint64_t features)
        : m_memory(memory), m_device(device)
    {
        std::vector<VirtQueue> made;
        for (std::size_t index = 0; index < queues; ++index) {
            m_rings.push_back(std::make_unique<FakeRing>(memory, RINGS + index * 0x1'0000, QUEUE_SIZE));
            auto queue = VirtQueue::create(memory, m_rings.back()->layout(), VirtioBlock::QUEUE_SIZE, features);
            made.push_back(queue ? std::move(*queue) : VirtQueue());
        }
        m_activated = device.activate({memory, m_interrupt, features, std::move(made)}).has_value();
    }

    bool activated() const { return m_activated; }
    FakeRing& ring(std::size_t queue = 0) { return *m_rings.at(queue); }
    VirtioInterrupt& interrupt() { return m_interrupt; }
    static std::uint64_t data_address(std::uint16_t slot) { return DATA + slot * SLOT_DATA; }
    static std::uint64_t status_address(std::uint16_t slot) { return STATUSES + slot; }

    // Lays out header, data and status for `slot` (not yet available). IN and GET_ID data is
    // device-writable, everything else device-readable; `data_length` 0 leaves the data out.
    void prepare(std::uint16_t slot, std::uint32_t type, std::uint64_t sector, std::uint32_t data_length,
                 std::size_t queue = 0)
    {
        virtio_blk::RequestHeader header{type, 0, sector};
        (void)m_memory.write_object(HEADERS + 16ull * slot, header);
        (void)m_memory.write_object<std::uint8_t>(status_address(slot), 0xff);
        auto first = static_cast<std::uint16_t>(3 * slot);
        bool device_writes = type == virtio_blk::T_IN || type == virtio_blk::T_GET_ID;
        FakeRing& target = ring(queue);
        if (data_length == 0) {
            target.set_descriptor(first, HEADERS + 16ull * slot, 16, virtio::DESC_F_NEXT,
                                  static_cast<std::uint16_t>(first + 2));
        } else {
            target.set_descriptor(first, HEADERS + 16ull * slot, 16, virtio::DESC_F_NEXT,
                                  static_cast<std::uint16_t>(first + 1));
            target.set_descriptor(static_cast<std::uint16_t>(first + 1), data_address(slot), data_length,
                                  static_cast<std::uint16_t>(virtio::DESC_F_NEXT |
                                                             (device_writes ? virtio::DESC_F_WRITE : 0)),
                                  static_cast<std::uint16_t>(first + 2));
        }
        target.set_descriptor(static_cast<std::uint16_t>(first + 2), status_address(slot), 1, virtio::DESC_F_WRITE);
    }
    // A DISCARD or WRITE_ZEROES request whose data is `segments`.
    void prepare_segments(std::uint16_t slot, std::uint32_t type, const std::vector<virtio_blk::DiscardSegment>& segments)
    {
        prepare(slot, type, 0, 0);
        auto first = static_cast<std::uint16_t>(3 * slot);
        std::uint64_t address = SEGMENTS + 0x1000ull * slot;
        for (std::size_t index = 0; index < segments.size(); ++index)
            (void)m_memory.write_object(address + 16 * index, segments[index]);
        ring().set_descriptor(first, HEADERS + 16ull * slot, 16, virtio::DESC_F_NEXT,
                              static_cast<std::uint16_t>(first + 1));
        ring().set_descriptor(static_cast<std::uint16_t>(first + 1), address,
                              static_cast<std::uint32_t>(16 * segments.size()), virtio::DESC_F_NEXT,
                              static_cast<std::uint16_t>(first + 2));
    }
    void submit(std::uint16_t slot, std::size_t queue = 0)
    {
        ring(queue).make_available(static_cast<std::uint16_t>(3 * slot));
        m_device.queue_notified(queue);
    }
    std::uint8_t status(std::uint16_t slot) const
    {
        auto value = m_memory.read_object<std::uint8_t>(status_address(slot));
        return value ? *value : 0xee;
    }

    // Runs completions until the device has none in flight, or ten seconds pass.
    bool drain()
    {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (m_device.in_flight() != 0) {
            if (std::chrono::steady_clock::now() > deadline)
                return false;
            pollfd wait{m_device.completion_fd(), POLLIN, 0};
            if (::poll(&wait, 1, 100) > 0)
                m_device.handle_completions();
        }
        return true;
    }

private:
    const GuestMemory& m_memory;
    VirtioBlock& m_device;
    CountingLine m_line;
    VirtioInterrupt m_interrupt{m_line};
    std::vector<std::unique_ptr<FakeRing>> m_rings;
    bool m_activated = false;
};

}  // namespace nimbus::test
