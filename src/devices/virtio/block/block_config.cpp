// BlockConfig: the little-endian layout of struct virtio_blk_config (section 5.2.4).
#include "devices/virtio/block/block_config.hpp"

#include <algorithm>
#include <cstring>

#include "devices/virtio/block/virtio_block_spec.hpp"

namespace nimbus {

namespace {

template <typename T>
void put(std::uint8_t* bytes, std::size_t offset, T value)
{
    std::memcpy(bytes + offset, &value, sizeof value);  // host order is little-endian (virtio_constants.hpp)
}

}  // namespace

BlockConfig::BlockConfig(std::uint64_t capacity_sectors, const BlockLimits& limits)
{
    put<std::uint64_t>(m_bytes, 0, capacity_sectors);
    // 8: size_max (VIRTIO_BLK_F_SIZE_MAX is not offered), 16: geometry (not offered).
    put<std::uint32_t>(m_bytes, 12, limits.seg_max);
    put<std::uint32_t>(m_bytes, 20, static_cast<std::uint32_t>(virtio_blk::SECTOR_SIZE));
    // 24: topology (not offered), 32: writeback (CONFIG_WCE not offered: FLUSH means write-back).
    put<std::uint16_t>(m_bytes, 34, limits.num_queues);
    put<std::uint32_t>(m_bytes, 36, limits.max_discard_sectors);
    put<std::uint32_t>(m_bytes, 40, limits.max_discard_seg);
    put<std::uint32_t>(m_bytes, 44, limits.discard_sector_alignment);
    put<std::uint32_t>(m_bytes, 48, limits.max_write_zeroes_sectors);
    put<std::uint32_t>(m_bytes, 52, limits.max_write_zeroes_seg);
    m_bytes[56] = 1;  // write_zeroes_may_unmap: WRITE_ZEROES with the UNMAP flag may punch holes
}

void BlockConfig::read(std::uint64_t offset, std::span<std::uint8_t> data) const
{
    std::ranges::fill(data, std::uint8_t{0});
    if (offset >= SIZE)
        return;
    std::size_t count = std::min<std::size_t>(data.size(), SIZE - offset);
    std::memcpy(data.data(), m_bytes + offset, count);
}

}  // namespace nimbus
