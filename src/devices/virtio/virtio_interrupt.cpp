// VirtioInterrupt: status bits, then the edge.
#include "devices/virtio/virtio_interrupt.hpp"

#include "devices/virtio/virtio_constants.hpp"

namespace nimbus {

void VirtioInterrupt::signal_used_buffer()
{
    m_status.fetch_or(virtio::INTERRUPT_USED_BUFFER);
    m_line.trigger();
}

void VirtioInterrupt::signal_config_change()
{
    m_config_generation.fetch_add(1);
    m_status.fetch_or(virtio::INTERRUPT_CONFIG_CHANGE);
    m_line.trigger();
}

void VirtioInterrupt::signal_needs_reset()
{
    if (m_needs_reset.exchange(true))
        return;  // announced once per reset
    m_status.fetch_or(virtio::INTERRUPT_CONFIG_CHANGE);
    m_line.trigger();
}

void VirtioInterrupt::reset()
{
    m_status.store(0);
    m_needs_reset.store(false);
}

}  // namespace nimbus
