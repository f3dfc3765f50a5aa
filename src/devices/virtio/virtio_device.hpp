// VirtioDevice: what a virtio device offers its transport (virtio-mmio today; the device does not know which).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "devices/virtio/virt_queue.hpp"
#include "devices/virtio/virtio_interrupt.hpp"
#include "memory/guest_memory.hpp"

namespace nimbus {

// Everything a device needs once the driver sets DRIVER_OK. The memory and interrupt outlive the
// device's use of them (the transport owns the interrupt and the device).
struct DeviceActivation final {
    const GuestMemory& memory;
    VirtioInterrupt& interrupt;
    std::uint64_t features;          // negotiated: device-specific bits and the transport's
    std::vector<VirtQueue> queues;   // queue_count() entries; disabled ones were not made ready
};

// Threads: the transport calls the identity, feature, config and life-cycle functions from vCPU
// threads with its own lock held, never two at once; queue_notified() comes from the event loop
// thread. Implementations lock their own state (VirtioDeviceBase does).
class VirtioDevice {
public:
    virtual ~VirtioDevice() = default;

    virtual std::uint32_t device_type() const = 0;
    virtual std::string_view name() const = 0;  // for log lines, e.g. "virtio-rng"
    // Device-specific feature bits the device offers. The transport adds VIRTIO_F_VERSION_1 and the
    // ring features every VirtQueue supports (INDIRECT_DESC, EVENT_IDX).
    virtual std::uint64_t device_features() const = 0;
    virtual std::size_t queue_count() const = 0;
    virtual std::uint16_t queue_max_size(std::size_t index) const = 0;

    // Guest-controlled: `offset` and the width are what the driver used; bytes beyond the device's
    // configuration read as 0 and writes to them are ignored.
    virtual void read_config(std::uint64_t offset, std::span<std::uint8_t> data) = 0;
    virtual void write_config(std::uint64_t offset, std::span<const std::uint8_t> data) = 0;

    // DRIVER_OK: the device may use its queues from now on. An error leaves the device inactive
    // (the transport then reports DEVICE_NEEDS_RESET).
    virtual Result<void> activate(DeviceActivation activation) = 0;
    // Status 0: drop the queues and any state of the session; back to as-new.
    virtual void reset() = 0;
    // The driver changed QueueReady of queue `index` after DRIVER_OK: `queue` replaces it (a
    // disabled queue when the driver stopped it).
    virtual void replace_queue(std::size_t index, VirtQueue queue) = 0;
    // Event loop thread: the driver notified queue `index` (its ioeventfd fired).
    virtual void queue_notified(std::size_t index) = 0;
};

}  // namespace nimbus
