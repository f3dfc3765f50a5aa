// BlockRequest: one virtio-blk request parsed and checked from its descriptor chain.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <vector>

#include "base/error.hpp"
#include "devices/virtio/block/block_config.hpp"
#include "devices/virtio/descriptor_chain.hpp"

namespace nimbus {

enum class BlockOp { Read, Write, Flush, GetId, Discard, WriteZeroes };

// A byte range of a DISCARD or WRITE_ZEROES request.
struct BlockRange final {
    std::uint64_t offset;
    std::uint64_t length;
    bool may_unmap;  // WRITE_ZEROES with VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP
};

// What the device knows when it checks a request.
struct BlockRequestContext final {
    std::uint64_t capacity_sectors;
    bool read_only;
    std::uint64_t features;  // negotiated
    BlockLimits limits;
};

struct BlockRequest final {
    BlockOp op = BlockOp::Flush;
    std::uint16_t head = 0;
    std::uint8_t* status = nullptr;  // the status byte in guest memory (the chain's last writable byte)
    // S_OK: the request is valid and needs doing. Otherwise it failed its checks and is complete:
    // the device writes this status and returns the chain.
    std::uint8_t verdict = 0;
    std::uint64_t offset = 0;        // Read, Write: byte offset on the disk
    std::vector<iovec> data;         // Read, Write, GetId: the guest's data buffers
    std::uint64_t data_length = 0;   // sum of `data`
    std::vector<BlockRange> ranges;  // Discard, WriteZeroes

    // Guest-controlled: the whole chain. Fails only when the chain has no device-writable status
    // byte to report into (the device then needs a reset); any other fault, including an unknown
    // type, a missing or short header, data in the wrong direction, a length that is not whole
    // sectors, sectors past the end, a write to a read-only disk, or too many or too large
    // DISCARD/WRITE_ZEROES segments, gives a request with a failing `verdict`.
    static Result<BlockRequest> parse(const DescriptorChain& chain, const BlockRequestContext& context);
};

// The iovecs covering bytes [offset, offset + length) of `descriptors` (lengths already checked).
std::vector<iovec> slice_descriptors(std::span<const Descriptor> descriptors, std::uint64_t offset,
                                     std::uint64_t length);

}  // namespace nimbus
