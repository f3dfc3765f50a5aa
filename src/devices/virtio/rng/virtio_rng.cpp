// VirtioRng: fills the device-writable part of each request with random bytes.
#include "devices/virtio/rng/virtio_rng.hpp"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/log.hpp"
#include "devices/virtio/virtio_constants.hpp"

namespace nimbus {

namespace {

// Fills `buffer` from the kernel's CSPRNG; returns the bytes filled (all of them unless the host
// fails us, which getrandom() does not do once its pool is initialised).
std::size_t fill_random(std::span<std::uint8_t> buffer)
{
    std::size_t filled = 0;
    while (filled < buffer.size()) {
        ssize_t count = ::getrandom(buffer.data() + filled, buffer.size() - filled, 0);
        if (count < 0) {
            if (errno == EINTR)
                continue;
            log::warn("virtio-rng: getrandom: {}", std::strerror(errno));
            break;
        }
        filled += static_cast<std::size_t>(count);
    }
    return filled;
}

}  // namespace

std::uint32_t VirtioRng::device_type() const
{
    return virtio::DEVICE_ENTROPY;
}

void VirtioRng::read_config(std::uint64_t, std::span<std::uint8_t> data)
{
    std::ranges::fill(data, std::uint8_t{0});
}

Result<void> VirtioRng::process_queue(std::size_t index)
{
    VirtQueue& requests = queue(index);
    for (;;) {
        auto available = TRY(requests.pop());
        if (!available)
            break;
        std::size_t written = 0;
        // Guest-controlled: the chain. Only its device-writable buffers are filled (a device-readable
        // one is the driver's mistake and is left alone); a malformed chain is returned empty.
        if (available->chain) {
            for (const Descriptor& descriptor : available->chain->writable()) {
                std::size_t room = MAX_BYTES_PER_REQUEST - written;
                if (room == 0)
                    break;
                auto target = descriptor.bytes.first(std::min(room, descriptor.bytes.size()));
                std::size_t filled = fill_random(target);
                written += filled;
                if (filled < target.size())
                    break;
            }
        } else {
            log::debug("virtio-rng: {}", available->chain.error().message());
        }
        requests.add_used(available->head, static_cast<std::uint32_t>(written));
    }
    notify_if_needed(index);
    return {};
}

}  // namespace nimbus
