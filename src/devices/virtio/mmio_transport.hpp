// MmioTransport: the virtio-mmio (version 2) register window of one device, and its queue notifications.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "base/error.hpp"
#include "base/event_fd.hpp"
#include "devices/bus_device.hpp"
#include "devices/interrupt_line.hpp"
#include "devices/virtio/virtio_device.hpp"
#include "devices/virtio/virtio_interrupt.hpp"
#include "memory/guest_memory.hpp"

namespace nimbus {

namespace virtio_mmio {
// Register offsets (Virtio 1.2 section 4.2.2, table 4.1).
inline constexpr std::uint64_t MAGIC_VALUE = 0x000;
inline constexpr std::uint64_t VERSION = 0x004;
inline constexpr std::uint64_t DEVICE_ID = 0x008;
inline constexpr std::uint64_t VENDOR_ID = 0x00c;
inline constexpr std::uint64_t DEVICE_FEATURES = 0x010;
inline constexpr std::uint64_t DEVICE_FEATURES_SEL = 0x014;
inline constexpr std::uint64_t DRIVER_FEATURES = 0x020;
inline constexpr std::uint64_t DRIVER_FEATURES_SEL = 0x024;
inline constexpr std::uint64_t QUEUE_SEL = 0x030;
inline constexpr std::uint64_t QUEUE_NUM_MAX = 0x034;
inline constexpr std::uint64_t QUEUE_NUM = 0x038;
inline constexpr std::uint64_t QUEUE_READY = 0x044;
inline constexpr std::uint64_t QUEUE_NOTIFY = 0x050;
inline constexpr std::uint64_t INTERRUPT_STATUS = 0x060;
inline constexpr std::uint64_t INTERRUPT_ACK = 0x064;
inline constexpr std::uint64_t STATUS = 0x070;
inline constexpr std::uint64_t QUEUE_DESC_LOW = 0x080;
inline constexpr std::uint64_t QUEUE_DESC_HIGH = 0x084;
inline constexpr std::uint64_t QUEUE_DRIVER_LOW = 0x090;
inline constexpr std::uint64_t QUEUE_DRIVER_HIGH = 0x094;
inline constexpr std::uint64_t QUEUE_DEVICE_LOW = 0x0a0;
inline constexpr std::uint64_t QUEUE_DEVICE_HIGH = 0x0a4;
inline constexpr std::uint64_t SHM_SEL = 0x0ac;
inline constexpr std::uint64_t SHM_LEN_LOW = 0x0b0;
inline constexpr std::uint64_t SHM_LEN_HIGH = 0x0b4;
inline constexpr std::uint64_t SHM_BASE_LOW = 0x0b8;
inline constexpr std::uint64_t SHM_BASE_HIGH = 0x0bc;
inline constexpr std::uint64_t QUEUE_RESET = 0x0c0;
inline constexpr std::uint64_t CONFIG_GENERATION = 0x0fc;
inline constexpr std::uint64_t CONFIG = 0x100;

inline constexpr std::uint32_t MAGIC = 0x7472'6976;  // "virt"
inline constexpr std::uint32_t VERSION_2 = 2;
inline constexpr std::uint32_t VENDOR = 0x5342'4d4e;  // "NMBS"
}  // namespace virtio_mmio

// Register accesses come from vCPU threads and are serialised by one lock. The device's queue work
// never runs here: a QueueNotify write that reaches us (rather than KVM's ioeventfd) only signals
// the queue's eventfd, and the event loop calls handle_notification().
class MmioTransport final : public BusDevice {
public:
    // The guest-physical window each device gets (the spec needs 0x100 + its config space).
    static constexpr std::uint64_t WINDOW_SIZE = 0x1000;

    // `line` must outlive the transport.
    static Result<std::shared_ptr<MmioTransport>> create(std::shared_ptr<VirtioDevice> device,
                                                         const GuestMemory& memory, InterruptLine& line);

    // Guest-controlled: registers take aligned 32-bit accesses only (others read as 0 and are
    // ignored when written); the configuration space from CONFIG on takes any width.
    void read(std::uint64_t offset, std::span<std::uint8_t> data) override;
    void write(std::uint64_t offset, std::span<const std::uint8_t> data) override;

    std::size_t queue_count() const { return m_queues.size(); }
    // The eventfd standing for "the driver wrote `index` to QueueNotify": the VMM registers it as
    // an ioeventfd (datamatch `index`) and watches it on the event loop.
    int notify_fd(std::size_t index) const { return m_queues.at(index).notify.fd(); }
    // Event loop thread: consumes the eventfd and lets the device process queue `index`.
    void handle_notification(std::size_t index);

    VirtioDevice& device() { return *m_device; }

private:
    struct Queue {
        EventFd notify;
        std::uint16_t max_size;
        QueueLayout layout;
        bool ready = false;
    };

    MmioTransport(std::shared_ptr<VirtioDevice> device, const GuestMemory& memory, InterruptLine& line,
                  std::vector<Queue> queues);

    std::uint32_t read_register(std::uint64_t offset);
    void write_register(std::uint64_t offset, std::uint32_t value);
    void write_status(std::uint32_t value);
    void write_queue_ready(std::uint32_t value);
    void write_queue_address(std::uint64_t offset, std::uint32_t value);
    std::uint64_t offered_features() const;
    bool features_acceptable() const;
    void activate();
    void reset();
    Result<VirtQueue> make_queue(const Queue& queue) const;
    Queue* selected_queue();

    std::shared_ptr<VirtioDevice> m_device;
    const GuestMemory& m_memory;
    VirtioInterrupt m_interrupt;

    std::mutex m_lock;  // guards everything below
    std::vector<Queue> m_queues;
    std::uint32_t m_status = 0;
    std::uint32_t m_device_features_select = 0;
    std::uint32_t m_driver_features_select = 0;
    std::uint64_t m_driver_features = 0;
    std::uint32_t m_queue_select = 0;
    bool m_active = false;  // the device was activated and not reset since
};

}  // namespace nimbus
