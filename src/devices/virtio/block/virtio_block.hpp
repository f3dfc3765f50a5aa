// VirtioBlock: the virtio block device (type 2) over a BlockBackend, one request queue per vCPU.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "devices/virtio/block/block_backend.hpp"
#include "devices/virtio/block/block_config.hpp"
#include "devices/virtio/block/block_request.hpp"
#include "devices/virtio/virtio_device_base.hpp"

namespace nimbus {

struct BlockDeviceOptions final {
    std::size_t queue_count = 1;  // one per vCPU (VIRTIO_BLK_F_MQ)
    std::string serial;           // the GET_ID answer; longer than 20 bytes is cut
};

// Threads: queue work (process_queue) and completions (handle_completions) both run on the event
// loop thread, under the device lock; the engine calls back only from inside handle_completions().
// A reset does not cancel requests the engine already has: their buffers stay valid (guest RAM
// outlives the device), and their completions are dropped instead of reaching the new session.
class VirtioBlock final : public VirtioDeviceBase {
public:
    static constexpr std::uint16_t QUEUE_SIZE = 256;
    static constexpr std::size_t MAX_QUEUES = 64;
    static constexpr std::uint32_t MAX_SEGMENTS = 32;             // per DISCARD / WRITE_ZEROES request
    static constexpr std::uint32_t MAX_RANGE_SECTORS = 1u << 22;  // 2 GiB per segment

    static Result<std::shared_ptr<VirtioBlock>> create(std::unique_ptr<BlockBackend> backend,
                                                       BlockDeviceOptions options);

    std::uint32_t device_type() const override;
    std::string_view name() const override { return "virtio-blk"; }
    std::uint64_t device_features() const override;
    std::size_t queue_count() const override { return m_queue_count; }
    std::uint16_t queue_max_size(std::size_t) const override { return QUEUE_SIZE; }
    void read_config(std::uint64_t offset, std::span<std::uint8_t> data) override;
    void write_config(std::uint64_t, std::span<const std::uint8_t>) override {}  // no writable fields

    // For the event loop: readable when requests finished; then call handle_completions().
    int completion_fd() const { return m_backend->engine().completion_fd(); }
    void handle_completions();
    // Requests handed to the engine and not yet completed (tests, benchmarks).
    std::size_t in_flight();

private:
    // One guest request; a DISCARD of several segments is several engine requests.
    struct Pending final {
        std::uint64_t generation;
        std::size_t queue;
        std::uint16_t head;
        std::uint8_t* status;
        std::uint32_t used_length;  // bytes written into the chain, status byte included
        std::size_t parts_left;
        bool failed = false;
    };

    VirtioBlock(std::unique_ptr<BlockBackend> backend, BlockDeviceOptions options);

    Result<void> process_queue(std::size_t index) override;
    void on_activate() override { ++m_generation; }
    void on_reset() override { ++m_generation; }

    // Pops and starts every available request; `submitted` tells whether the engine got any.
    Result<void> take_requests(std::size_t index, bool& submitted);
    BlockRequestContext request_context();
    void start(std::size_t queue_index, BlockRequest request);
    void submit_part(const std::shared_ptr<Pending>& pending, IoRequest request);
    void finish_part(const std::shared_ptr<Pending>& pending, const Result<void>& result);
    void complete(std::size_t queue_index, std::uint16_t head, std::uint8_t* status, std::uint8_t value,
                  std::uint32_t used_length);

    std::unique_ptr<BlockBackend> m_backend;
    std::size_t m_queue_count;
    BlockLimits m_limits;
    BlockConfig m_config;
    std::array<std::uint8_t, 20> m_serial{};
    std::uint64_t m_generation = 0;
    std::size_t m_in_flight = 0;
    std::vector<bool> m_completed_on;  // queues that got used buffers since their last notification
};

}  // namespace nimbus
