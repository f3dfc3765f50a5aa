// VirtioConsole: transmitq to the output sink, held host input to the receiveq, the config space.
#include "devices/virtio/console/virtio_console.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "base/log.hpp"
#include "devices/virtio/virtio_constants.hpp"

namespace nimbus {

std::uint32_t VirtioConsole::device_type() const
{
    return virtio::DEVICE_CONSOLE;
}

void VirtioConsole::read_config(std::uint64_t offset, std::span<std::uint8_t> data)
{
    // cols and rows are 0 (VIRTIO_CONSOLE_F_SIZE is not offered); one port; emerg_wr reads as 0.
    std::array<std::uint8_t, CONFIG_SIZE> config{};
    config[CONFIG_MAX_NR_PORTS] = 1;
    std::ranges::fill(data, std::uint8_t{0});
    // Guest-controlled: offset and width.
    if (offset < config.size())
        std::memcpy(data.data(), config.data() + offset, std::min<std::size_t>(data.size(), config.size() - offset));
}

void VirtioConsole::write_config(std::uint64_t offset, std::span<const std::uint8_t> data)
{
    // Guest-controlled: offset and width. Only emerg_wr is writable; its low byte is the character.
    if (offset <= CONFIG_EMERG_WR && data.size() > CONFIG_EMERG_WR - offset)
        m_output(data.subspan(CONFIG_EMERG_WR - offset, 1));
}

std::size_t VirtioConsole::enqueue_input(std::span<const std::uint8_t> bytes)
{
    std::lock_guard guard(m_lock);
    std::size_t taken = std::min(bytes.size(), MAX_PENDING_INPUT - m_input.size());
    m_input.insert(m_input.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(taken));
    run_queue(RECEIVE_QUEUE);
    return taken;
}

std::size_t VirtioConsole::pending_input()
{
    std::lock_guard guard(m_lock);
    return m_input.size();
}

Result<void> VirtioConsole::process_queue(std::size_t index)
{
    return index == RECEIVE_QUEUE ? deliver_input() : transmit();
}

Result<void> VirtioConsole::deliver_input()
{
    VirtQueue& receive = queue(RECEIVE_QUEUE);
    std::size_t delivered = 0;
    while (delivered < m_input.size()) {
        auto available = TRY(receive.pop());
        if (!available)
            break;
        std::size_t written = 0;
        // Guest-controlled: the chain; only its device-writable part is filled.
        if (available->chain)
            written = available->chain->write(0, std::span(m_input).subspan(delivered));
        else
            log::debug("virtio-console: receiveq: {}", available->chain.error().message());
        receive.add_used(available->head, static_cast<std::uint32_t>(written));
        delivered += written;
    }
    m_input.erase(m_input.begin(), m_input.begin() + static_cast<std::ptrdiff_t>(delivered));
    notify_if_needed(RECEIVE_QUEUE);
    return {};
}

Result<void> VirtioConsole::transmit()
{
    VirtQueue& transmit = queue(TRANSMIT_QUEUE);
    for (;;) {
        auto available = TRY(transmit.pop());
        if (!available)
            break;
        // Guest-controlled: the chain; its device-readable part is the output (each buffer is inside
        // guest RAM and the chain under 4 GiB). A device-writable part is the driver's mistake.
        if (available->chain) {
            for (const Descriptor& descriptor : available->chain->readable())
                if (!descriptor.bytes.empty())
                    m_output(descriptor.bytes);
        } else {
            log::debug("virtio-console: transmitq: {}", available->chain.error().message());
        }
        transmit.add_used(available->head, 0);  // nothing was written into the buffers
    }
    notify_if_needed(TRANSMIT_QUEUE);
    return {};
}

}  // namespace nimbus
