// BlockConfig: the virtio-blk configuration space (struct virtio_blk_config) a driver reads.
#pragma once

#include <cstdint>
#include <span>

namespace nimbus {

// The limits the device enforces on requests, also what the configuration space advertises.
struct BlockLimits final {
    std::uint32_t seg_max = 0;                  // data segments per request
    std::uint16_t num_queues = 1;
    std::uint32_t max_discard_sectors = 0;      // per segment
    std::uint32_t max_discard_seg = 0;          // segments per request
    std::uint32_t discard_sector_alignment = 0;
    std::uint32_t max_write_zeroes_sectors = 0;
    std::uint32_t max_write_zeroes_seg = 0;
};

class BlockConfig final {
public:
    // The fields up to and including write_zeroes_may_unmap and its padding.
    static constexpr std::size_t SIZE = 60;

    BlockConfig(std::uint64_t capacity_sectors, const BlockLimits& limits);

    // Guest-controlled: `offset` and the width. Bytes beyond SIZE read as 0.
    void read(std::uint64_t offset, std::span<std::uint8_t> data) const;

private:
    std::uint8_t m_bytes[SIZE]{};
};

}  // namespace nimbus
