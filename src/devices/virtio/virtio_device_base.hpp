// VirtioDeviceBase: the locking, activation and error handling every queue-driven device shares.
#pragma once

#include <mutex>
#include <optional>

#include "devices/virtio/virtio_device.hpp"

namespace nimbus {

// A device derives from this and implements process_queue(); the life-cycle calls are done here.
// Every protected hook runs with m_lock held.
class VirtioDeviceBase : public VirtioDevice {
public:
    Result<void> activate(DeviceActivation activation) final;
    void reset() final;
    void replace_queue(std::size_t index, VirtQueue queue) final;
    void queue_notified(std::size_t index) final;

protected:
    // Handles what the driver made available on queue `index` (only called while active). An
    // error is a broken ring: the device stops and asks for a reset.
    virtual Result<void> process_queue(std::size_t index) = 0;
    // After activation, before the queues are processed; after reset.
    virtual void on_activate() {}
    virtual void on_reset() {}

    // process_queue() with the error handling; for device-initiated work (host input, completions).
    void run_queue(std::size_t index);
    // Sends a used buffer notification if queue `index` published buffers the driver wants to hear of.
    void notify_if_needed(std::size_t index);

    bool active() const { return m_activation.has_value(); }
    VirtQueue& queue(std::size_t index) { return m_activation->queues.at(index); }
    std::uint64_t features() const { return m_activation->features; }

    std::mutex m_lock;

private:
    void fail_device(const Error& error);

    std::optional<DeviceActivation> m_activation;
};

}  // namespace nimbus
