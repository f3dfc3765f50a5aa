// VirtioRng: the virtio entropy device (type 4): one request queue filled from the host's getrandom().
#pragma once

#include "devices/virtio/virtio_device_base.hpp"

namespace nimbus {

class VirtioRng final : public VirtioDeviceBase {
public:
    static constexpr std::uint16_t QUEUE_SIZE = 256;
    // At most this much entropy per request: a driver asking for more gets a short fill, which the
    // spec allows (section 5.4.6.2) and Linux's hw_random handles.
    static constexpr std::size_t MAX_BYTES_PER_REQUEST = 64 * 1024;

    std::uint32_t device_type() const override;
    std::string_view name() const override { return "virtio-rng"; }
    std::uint64_t device_features() const override { return 0; }  // none defined
    std::size_t queue_count() const override { return 1; }
    std::uint16_t queue_max_size(std::size_t) const override { return QUEUE_SIZE; }
    // No configuration space.
    void read_config(std::uint64_t offset, std::span<std::uint8_t> data) override;
    void write_config(std::uint64_t, std::span<const std::uint8_t>) override {}

private:
    Result<void> process_queue(std::size_t index) override;
};

}  // namespace nimbus
