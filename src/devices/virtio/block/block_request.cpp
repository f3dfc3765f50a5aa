// BlockRequest: the request layouts of section 5.2.6 and every check a guest's request must pass.
#include "devices/virtio/block/block_request.hpp"

#include <cstring>

#include "devices/virtio/block/virtio_block_spec.hpp"

namespace nimbus {

namespace {

using namespace virtio_blk;

constexpr std::uint64_t HEADER_BYTES = sizeof(RequestHeader);

// Whether sectors [sector, sector + count) lie on the disk (with no overflow on the way).
bool inside_disk(std::uint64_t sector, std::uint64_t count, std::uint64_t capacity)
{
    return sector <= capacity && count <= capacity - sector;
}

std::uint8_t* last_writable_byte(const DescriptorChain& chain)
{
    auto writable = chain.writable();
    for (auto it = writable.rbegin(); it != writable.rend(); ++it)
        if (!it->bytes.empty())
            return &it->bytes.back();
    return nullptr;
}

// Read, Write and GetId: data buffers in one direction, a status byte after them.
std::uint8_t parse_transfer(const DescriptorChain& chain, const RequestHeader& header,
                            const BlockRequestContext& context, BlockRequest& request)
{
    std::uint64_t readable = chain.readable_length();
    std::uint64_t writable = chain.writable_length();  // >= 1: the status byte
    if (request.op == BlockOp::Write) {
        // The driver must put OUT data in device-readable buffers and nothing but the status
        // after them; a device-writable data buffer would be one we are asked to read from.
        if (writable != 1)
            return S_IOERR;
        request.data_length = readable - HEADER_BYTES;
        request.data = slice_descriptors(chain.readable(), HEADER_BYTES, request.data_length);
    } else {
        if (readable != HEADER_BYTES)
            return S_IOERR;  // data buffers the device was meant to fill are device-readable
        request.data_length = writable - 1;
        request.data = slice_descriptors(chain.writable(), 0, request.data_length);
    }
    if (request.op == BlockOp::GetId)
        return S_OK;
    if (request.data_length % SECTOR_SIZE != 0)
        return S_IOERR;
    if (!inside_disk(header.sector, request.data_length >> SECTOR_SHIFT, context.capacity_sectors))
        return S_IOERR;
    if (request.op == BlockOp::Write && context.read_only)
        return S_IOERR;
    request.offset = header.sector << SECTOR_SHIFT;
    return S_OK;
}

// Discard and WriteZeroes: an array of segments after the header.
std::uint8_t parse_segments(const DescriptorChain& chain, const BlockRequestContext& context, BlockRequest& request)
{
    bool discard = request.op == BlockOp::Discard;
    std::uint32_t max_segments = discard ? context.limits.max_discard_seg : context.limits.max_write_zeroes_seg;
    std::uint32_t max_sectors = discard ? context.limits.max_discard_sectors : context.limits.max_write_zeroes_sectors;
    if (chain.writable_length() != 1)
        return S_IOERR;
    std::uint64_t bytes = chain.readable_length() - HEADER_BYTES;
    if (bytes == 0 || bytes % sizeof(DiscardSegment) != 0)
        return S_IOERR;
    std::uint64_t count = bytes / sizeof(DiscardSegment);
    if (count > max_segments)
        return S_UNSUPP;  // section 5.2.6.2: more segments than advertised
    if (context.read_only)
        return S_IOERR;
    request.ranges.reserve(count);
    for (std::uint64_t index = 0; index < count; ++index) {
        DiscardSegment segment{};
        chain.read(HEADER_BYTES + index * sizeof segment, {reinterpret_cast<std::uint8_t*>(&segment), sizeof segment});
        bool unmap = (segment.flags & SEGMENT_F_UNMAP) != 0;
        // Reserved flag bits, and UNMAP on a discard, are for the device to refuse (5.2.6.2).
        if ((segment.flags & ~SEGMENT_F_UNMAP) != 0 || (discard && unmap))
            return S_UNSUPP;
        if (segment.num_sectors > max_sectors)
            return S_IOERR;
        if (!inside_disk(segment.sector, segment.num_sectors, context.capacity_sectors))
            return S_IOERR;
        request.ranges.push_back({segment.sector << SECTOR_SHIFT,
                                  std::uint64_t{segment.num_sectors} << SECTOR_SHIFT, unmap});
    }
    return S_OK;
}

}  // namespace

std::vector<iovec> slice_descriptors(std::span<const Descriptor> descriptors, std::uint64_t offset,
                                     std::uint64_t length)
{
    std::vector<iovec> out;
    for (const Descriptor& descriptor : descriptors) {
        if (length == 0)
            break;
        std::uint64_t size = descriptor.bytes.size();
        if (offset >= size) {
            offset -= size;
            continue;
        }
        std::uint64_t count = std::min(size - offset, length);
        out.push_back({descriptor.bytes.data() + offset, count});
        length -= count;
        offset = 0;
    }
    return out;
}

Result<BlockRequest> BlockRequest::parse(const DescriptorChain& chain, const BlockRequestContext& context)
{
    // Guest-controlled: every byte of the chain; lengths are bounded by the walker (4 GiB total).
    BlockRequest request;
    request.head = chain.head();
    request.status = last_writable_byte(chain);
    if (request.status == nullptr)
        return fail("virtio-blk request", "head {}: no device-writable status byte", chain.head());

    RequestHeader header{};
    if (chain.readable_length() < HEADER_BYTES) {
        request.verdict = S_IOERR;
        return request;
    }
    chain.read(0, {reinterpret_cast<std::uint8_t*>(&header), sizeof header});
    switch (header.type) {
    case T_IN: request.op = BlockOp::Read; break;
    case T_OUT: request.op = BlockOp::Write; break;
    case T_FLUSH: request.op = BlockOp::Flush; break;
    case T_GET_ID: request.op = BlockOp::GetId; break;
    case T_DISCARD: request.op = BlockOp::Discard; break;
    case T_WRITE_ZEROES: request.op = BlockOp::WriteZeroes; break;
    default: request.verdict = S_UNSUPP; return request;
    }
    auto negotiated = [&](std::uint64_t bit) { return (context.features & bit) != 0; };
    switch (request.op) {
    case BlockOp::Read:
    case BlockOp::Write:
    case BlockOp::GetId: request.verdict = parse_transfer(chain, header, context, request); break;
    case BlockOp::Flush: request.verdict = negotiated(F_FLUSH) ? S_OK : S_UNSUPP; break;
    case BlockOp::Discard:
        request.verdict = negotiated(F_DISCARD) ? parse_segments(chain, context, request) : S_UNSUPP;
        break;
    case BlockOp::WriteZeroes:
        request.verdict = negotiated(F_WRITE_ZEROES) ? parse_segments(chain, context, request) : S_UNSUPP;
        break;
    }
    return request;
}

}  // namespace nimbus
