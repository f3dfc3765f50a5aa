// Virtio 1.2 block device numbers (section 5.2): feature bits, request types, status codes, layouts.
#pragma once

#include <cstdint>

namespace nimbus::virtio_blk {

// Feature bits (section 5.2.3).
inline constexpr std::uint64_t F_SEG_MAX = 1ull << 2;
inline constexpr std::uint64_t F_RO = 1ull << 5;
inline constexpr std::uint64_t F_BLK_SIZE = 1ull << 6;
inline constexpr std::uint64_t F_FLUSH = 1ull << 9;
inline constexpr std::uint64_t F_MQ = 1ull << 12;
inline constexpr std::uint64_t F_DISCARD = 1ull << 13;
inline constexpr std::uint64_t F_WRITE_ZEROES = 1ull << 14;

// Request types (section 5.2.6).
inline constexpr std::uint32_t T_IN = 0;
inline constexpr std::uint32_t T_OUT = 1;
inline constexpr std::uint32_t T_FLUSH = 4;
inline constexpr std::uint32_t T_GET_ID = 8;
inline constexpr std::uint32_t T_DISCARD = 11;
inline constexpr std::uint32_t T_WRITE_ZEROES = 13;

// Status byte values.
inline constexpr std::uint8_t S_OK = 0;
inline constexpr std::uint8_t S_IOERR = 1;
inline constexpr std::uint8_t S_UNSUPP = 2;

inline constexpr std::uint64_t SECTOR_SIZE = 512;
inline constexpr std::uint32_t SECTOR_SHIFT = 9;
inline constexpr std::uint32_t ID_BYTES = 20;  // VIRTIO_BLK_ID_BYTES

// struct virtio_blk_outhdr: le32 type, le32 reserved (ioprio), le64 sector.
struct RequestHeader final {
    std::uint32_t type;
    std::uint32_t reserved;
    std::uint64_t sector;
};
static_assert(sizeof(RequestHeader) == 16);

// struct virtio_blk_discard_write_zeroes: le64 sector, le32 num_sectors, le32 flags.
struct DiscardSegment final {
    std::uint64_t sector;
    std::uint32_t num_sectors;
    std::uint32_t flags;
};
static_assert(sizeof(DiscardSegment) == 16);
inline constexpr std::uint32_t SEGMENT_F_UNMAP = 1;

}  // namespace nimbus::virtio_blk
