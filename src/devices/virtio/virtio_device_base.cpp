// VirtioDeviceBase: activation, reset and the failure path under one lock.
#include "devices/virtio/virtio_device_base.hpp"

#include "base/log.hpp"

namespace nimbus {

Result<void> VirtioDeviceBase::activate(DeviceActivation activation)
{
    std::lock_guard guard(m_lock);
    if (activation.queues.size() != queue_count())
        return fail(std::string(name()), "activated with {} queues, the device has {}", activation.queues.size(),
                    queue_count());
    m_activation.emplace(std::move(activation));
    on_activate();
    return {};
}

void VirtioDeviceBase::reset()
{
    std::lock_guard guard(m_lock);
    m_activation.reset();
    on_reset();
}

void VirtioDeviceBase::replace_queue(std::size_t index, VirtQueue queue)
{
    std::lock_guard guard(m_lock);
    if (active() && index < m_activation->queues.size())
        m_activation->queues[index] = std::move(queue);
}

void VirtioDeviceBase::queue_notified(std::size_t index)
{
    std::lock_guard guard(m_lock);
    run_queue(index);
}

void VirtioDeviceBase::run_queue(std::size_t index)
{
    if (!active() || index >= m_activation->queues.size())
        return;  // a notification before DRIVER_OK or after a failure: nothing may be consumed
    if (auto result = process_queue(index); !result)
        fail_device(result.error());
}

void VirtioDeviceBase::notify_if_needed(std::size_t index)
{
    if (active() && m_activation->queues.at(index).needs_notification())
        m_activation->interrupt.signal_used_buffer();
}

void VirtioDeviceBase::fail_device(const Error& error)
{
    // The guest broke its rings: a guest mistake, not ours. Stop touching them until it resets us.
    log::warn("{}: {}; the device needs a reset", name(), error.message());
    m_activation->interrupt.signal_needs_reset();
    m_activation.reset();
}

}  // namespace nimbus
