// VirtioBlock: requests from the queues to the I/O engine and their completions back to the rings.
#include "devices/virtio/block/virtio_block.hpp"

#include <algorithm>
#include <cstring>

#include "base/log.hpp"
#include "devices/virtio/block/virtio_block_spec.hpp"
#include "devices/virtio/virtio_constants.hpp"

namespace nimbus {

namespace {

BlockLimits limits_for(std::size_t queue_count)
{
    return {
        .seg_max = VirtioBlock::QUEUE_SIZE - 2,  // a chain holds the header and status besides its data
        .num_queues = static_cast<std::uint16_t>(queue_count),
        .max_discard_sectors = VirtioBlock::MAX_RANGE_SECTORS,
        .max_discard_seg = VirtioBlock::MAX_SEGMENTS,
        .discard_sector_alignment = 8,  // 4 KiB: the host page and file system block
        .max_write_zeroes_sectors = VirtioBlock::MAX_RANGE_SECTORS,
        .max_write_zeroes_seg = VirtioBlock::MAX_SEGMENTS,
    };
}

// Copies `data` into the guest buffers `target`; returns the bytes copied.
std::size_t copy_to_iovecs(std::span<const iovec> target, std::span<const std::uint8_t> data)
{
    std::size_t copied = 0;
    for (const iovec& buffer : target) {
        std::size_t count = std::min(buffer.iov_len, data.size() - copied);
        std::memcpy(buffer.iov_base, data.data() + copied, count);
        copied += count;
        if (copied == data.size())
            break;
    }
    return copied;
}

}  // namespace

Result<std::shared_ptr<VirtioBlock>> VirtioBlock::create(std::unique_ptr<BlockBackend> backend,
                                                         BlockDeviceOptions options)
{
    if (options.queue_count == 0 || options.queue_count > MAX_QUEUES)
        return fail("virtio-blk", "{} queues asked for, 1 to {} are possible", options.queue_count, MAX_QUEUES);
    return std::shared_ptr<VirtioBlock>(new VirtioBlock(std::move(backend), std::move(options)));
}

VirtioBlock::VirtioBlock(std::unique_ptr<BlockBackend> backend, BlockDeviceOptions options)
    : m_backend(std::move(backend)),
      m_queue_count(options.queue_count),
      m_limits(limits_for(options.queue_count)),
      m_config(m_backend->capacity_sectors(), m_limits),
      m_completed_on(options.queue_count, false)
{
    std::memcpy(m_serial.data(), options.serial.data(), std::min(options.serial.size(), m_serial.size()));
}

std::uint32_t VirtioBlock::device_type() const
{
    return virtio::DEVICE_BLOCK;
}

std::uint64_t VirtioBlock::device_features() const
{
    std::uint64_t features = virtio_blk::F_SEG_MAX | virtio_blk::F_BLK_SIZE | virtio_blk::F_FLUSH | virtio_blk::F_MQ;
    if (m_backend->image().read_only())
        features |= virtio_blk::F_RO;
    else
        features |= virtio_blk::F_DISCARD | virtio_blk::F_WRITE_ZEROES;
    return features;
}

void VirtioBlock::read_config(std::uint64_t offset, std::span<std::uint8_t> data)
{
    m_config.read(offset, data);
}

std::size_t VirtioBlock::in_flight()
{
    std::lock_guard guard(m_lock);
    return m_in_flight;
}

BlockRequestContext VirtioBlock::request_context()
{
    return {m_backend->capacity_sectors(), m_backend->image().read_only(), features(), m_limits};
}

Result<void> VirtioBlock::process_queue(std::size_t index)
{
    bool submitted = false;
    Result<void> result = take_requests(index, submitted);
    // Also when a later chain broke the ring: what was submitted before it must still reach the
    // engine, or it would never complete.
    if (submitted)
        if (auto flushed = m_backend->engine().flush_submissions(); !flushed)
            log::error("virtio-blk: {}", flushed.error().message());
    if (result)
        notify_if_needed(index);
    return result;
}

Result<void> VirtioBlock::take_requests(std::size_t index, bool& submitted)
{
    VirtQueue& requests = queue(index);
    BlockRequestContext context = request_context();
    for (;;) {
        auto available = TRY(requests.pop());
        if (!available)
            return {};
        // Guest-controlled: the chain. Without a sound chain and a writable status byte there is no
        // way to tell the driver this request failed, so the device stops and asks for a reset.
        if (!available->chain)
            return std::unexpected(std::move(available->chain).error());
        BlockRequest request = TRY(BlockRequest::parse(*available->chain, context));
        submitted |= request.verdict == virtio_blk::S_OK;
        start(index, std::move(request));
    }
}

void VirtioBlock::start(std::size_t queue_index, BlockRequest request)
{
    using virtio_blk::S_OK;
    if (request.verdict != S_OK)
        return complete(queue_index, request.head, request.status, request.verdict, 1);
    if (request.op == BlockOp::GetId) {
        std::size_t written = copy_to_iovecs(request.data, m_serial);
        return complete(queue_index, request.head, request.status, S_OK, static_cast<std::uint32_t>(written + 1));
    }
    if ((request.op == BlockOp::Read || request.op == BlockOp::Write) && request.data_length == 0)
        return complete(queue_index, request.head, request.status, S_OK, 1);

    std::size_t parts = request.ranges.empty() ? 1 : request.ranges.size();
    std::uint32_t used = request.op == BlockOp::Read ? static_cast<std::uint32_t>(request.data_length + 1) : 1;
    auto pending = std::make_shared<Pending>(
        Pending{m_generation, queue_index, request.head, request.status, used, parts, false});
    ++m_in_flight;
    switch (request.op) {
    case BlockOp::Read:
    case BlockOp::Write:
        submit_part(pending, {.op = request.op == BlockOp::Read ? IoOp::Read : IoOp::Write,
                              .offset = request.offset,
                              .buffers = std::move(request.data)});
        break;
    case BlockOp::Flush: submit_part(pending, {.op = IoOp::Flush}); break;
    case BlockOp::Discard:
    case BlockOp::WriteZeroes:
        for (const BlockRange& range : request.ranges)
            submit_part(pending, {.op = request.op == BlockOp::Discard ? IoOp::Discard : IoOp::WriteZeroes,
                                  .offset = range.offset,
                                  .length = range.length,
                                  .may_unmap = range.may_unmap});
        break;
    case BlockOp::GetId: break;  // done above
    }
}

void VirtioBlock::submit_part(const std::shared_ptr<Pending>& pending, IoRequest request)
{
    request.done = [this, pending](Result<void> result) { finish_part(pending, result); };
    if (auto submitted = m_backend->engine().submit(std::move(request)); !submitted)
        finish_part(pending, submitted);  // the engine will never call back for it
}

void VirtioBlock::finish_part(const std::shared_ptr<Pending>& pending, const Result<void>& result)
{
    if (!result) {
        log::debug("virtio-blk: {}", result.error().message());
        pending->failed = true;
    }
    if (--pending->parts_left != 0)
        return;
    --m_in_flight;
    // A request of an earlier session (before a reset or a failure) must not touch the new rings.
    if (!active() || pending->generation != m_generation)
        return;
    complete(pending->queue, pending->head, pending->status,
             pending->failed ? virtio_blk::S_IOERR : virtio_blk::S_OK, pending->failed ? 1 : pending->used_length);
    m_completed_on[pending->queue] = true;
}

void VirtioBlock::complete(std::size_t queue_index, std::uint16_t head, std::uint8_t* status, std::uint8_t value,
                           std::uint32_t used_length)
{
    *status = value;
    queue(queue_index).add_used(head, used_length);
}

void VirtioBlock::handle_completions()
{
    std::lock_guard guard(m_lock);
    m_backend->engine().process_completions();
    for (std::size_t index = 0; index < m_completed_on.size(); ++index) {
        if (m_completed_on[index]) {
            m_completed_on[index] = false;
            notify_if_needed(index);
        }
    }
}

}  // namespace nimbus
