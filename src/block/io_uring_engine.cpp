// IoUringEngine: one slot per in-flight request; short transfers and fallocate fallbacks resubmit.
#include "block/io_uring_engine.hpp"

#include <linux/falloc.h>

#include <climits>
#include <cstring>

#include "base/log.hpp"
#include "block/request_range.hpp"

namespace nimbus {

namespace {

constexpr int PUNCH_HOLE_MODE = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
constexpr int ZERO_RANGE_MODE = FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;

Result<void> check_opcodes(io_uring& ring)
{
    io_uring_probe* probe = io_uring_get_probe_ring(&ring);
    if (probe == nullptr)
        return fail("io_uring", "the kernel cannot report its supported operations (older than 5.6)");
    struct Needed final {
        int opcode;
        const char* name;
    };
    const Needed needed[] = {{IORING_OP_READV, "READV"},
                             {IORING_OP_WRITEV, "WRITEV"},
                             {IORING_OP_FSYNC, "FSYNC"},
                             {IORING_OP_FALLOCATE, "FALLOCATE"}};
    for (const Needed& op : needed) {
        if (!io_uring_opcode_supported(probe, op.opcode)) {
            io_uring_free_probe(probe);
            return fail("io_uring", "the kernel does not support IORING_OP_{}", op.name);
        }
    }
    io_uring_free_probe(probe);
    return {};
}

const char* op_name(IoOp op)
{
    switch (op) {
    case IoOp::Read: return "read";
    case IoOp::Write: return "write";
    case IoOp::Flush: return "flush";
    case IoOp::Discard: return "discard";
    case IoOp::WriteZeroes: return "write zeroes";
    }
    return "I/O";
}

}  // namespace

Result<std::unique_ptr<IoUringEngine>> IoUringEngine::create(RawImage& image, unsigned queue_depth)
{
    if (queue_depth == 0 || queue_depth > 4096)
        return fail("create io_uring", "queue depth {} is not between 1 and 4096", queue_depth);
    std::unique_ptr<IoUringEngine> engine(new IoUringEngine(image, TRY(EventFd::create())));
    if (int error = io_uring_queue_init(queue_depth, &engine->m_ring, 0); error < 0) {
        errno = -error;
        return fail_errno("io_uring_queue_init");
    }
    engine->m_ring_ready = true;
    TRY(check_opcodes(engine->m_ring));
    if (int error = io_uring_register_eventfd(&engine->m_ring, engine->m_completed.fd()); error < 0) {
        errno = -error;
        return fail_errno("io_uring_register_eventfd");
    }
    engine->m_slots.resize(queue_depth);
    for (std::uint32_t slot = queue_depth; slot-- > 0;)
        engine->m_free_slots.push_back(slot);
    return engine;
}

IoUringEngine::~IoUringEngine()
{
    if (!m_ring_ready)
        return;
    // The kernel may still write into request buffers: wait for every SQE it was given.
    (void)io_uring_submit(&m_ring);
    std::size_t in_flight = m_slots.size() - m_free_slots.size();
    while (in_flight > 0) {
        io_uring_cqe* cqe = nullptr;
        int error = io_uring_wait_cqe(&m_ring, &cqe);
        if (error == -EINTR)
            continue;
        if (error < 0) {
            log::error("io_uring: waiting for {} requests at shutdown: {}", in_flight, std::strerror(-error));
            break;
        }
        io_uring_cqe_seen(&m_ring, cqe);
        --in_flight;
    }
    io_uring_queue_exit(&m_ring);
}

Result<void> IoUringEngine::submit(IoRequest request)
{
    if (auto valid = validate(request); !valid) {
        complete_later(std::move(request.done), std::unexpected(std::move(valid).error()));
        return {};
    }
    if (m_free_slots.empty()) {
        m_waiting.push_back(std::move(request));
        return {};
    }
    std::uint32_t slot = m_free_slots.back();
    m_free_slots.pop_back();
    if (!start(slot, std::move(request))) {
        // Nothing for the kernel to do (a discard the file system ignores): done already.
        complete_slot(slot, {});
        m_free_slots.push_back(slot);
    }
    if (!m_completions.empty())
        if (auto signalled = m_completed.signal(); !signalled)
            log::error("io_uring: {}", signalled.error().message());
    return {};
}

Result<void> IoUringEngine::flush_submissions()
{
    while (io_uring_sq_ready(&m_ring) > 0) {
        int submitted = io_uring_submit(&m_ring);
        if (submitted == -EINTR || submitted == -EAGAIN)
            continue;
        if (submitted < 0) {
            errno = -submitted;
            return fail_errno("io_uring_submit");
        }
    }
    return {};
}

void IoUringEngine::process_completions()
{
    // Consume the signal first: a CQE posted after the peek loop below signals again.
    (void)m_completed.consume();
    io_uring_cqe* cqe = nullptr;
    while (io_uring_peek_cqe(&m_ring, &cqe) == 0) {
        auto slot = static_cast<std::uint32_t>(io_uring_cqe_get_data64(cqe));
        int result = cqe->res;
        io_uring_cqe_seen(&m_ring, cqe);
        handle_cqe(slot, result);
    }
    if (auto flushed = flush_submissions(); !flushed)
        log::error("{}", flushed.error().message());
    std::vector<Completion> completions;
    completions.swap(m_completions);
    for (Completion& completion : completions)
        completion.done(std::move(completion.result));
}

Result<void> IoUringEngine::validate(IoRequest& request) const
{
    std::string operation = fmt::format("{} {}", op_name(request.op), m_image.path());
    if (request.op == IoOp::Read || request.op == IoOp::Write)
        request.length = TRY(iov_total_length(request.buffers));
    if (request.op != IoOp::Read && request.op != IoOp::Flush && m_image.read_only())
        return fail(std::move(operation), "the image is open read-only");
    if (request.op == IoOp::Flush)
        return {};
    return check_request_range(std::move(operation), request.offset, request.length, m_image.size());
}

bool IoUringEngine::start(std::uint32_t index, IoRequest request)
{
    Slot& slot = m_slots[index];
    slot.offset = request.offset;
    slot.remaining = request.length;
    slot.cursor = IovCursor(std::move(request.buffers));
    slot.request = std::move(request);
    switch (slot.request.op) {
    case IoOp::Read:
    case IoOp::Write:
        slot.stage = Stage::Transfer;
        break;
    case IoOp::Flush:
        slot.stage = Stage::Fsync;
        break;
    case IoOp::Discard:
        if (!m_can_punch_hole || slot.remaining == 0)
            return false;  // the discard contract lets the data stay
        slot.stage = Stage::PunchHole;
        break;
    case IoOp::WriteZeroes:
        if (slot.remaining == 0)
            return false;
        choose_zeroing_stage(slot);
        break;
    }
    if (slot.stage == Stage::Transfer && slot.cursor.done())
        return false;
    queue_sqe(index);
    return true;
}

void IoUringEngine::choose_zeroing_stage(Slot& slot)
{
    if (slot.request.may_unmap && m_can_punch_hole)
        slot.stage = Stage::PunchHole;
    else if (m_can_zero_range)
        slot.stage = Stage::ZeroRange;
    else
        slot.stage = Stage::ZeroWrite;
}

void IoUringEngine::queue_sqe(std::uint32_t index)
{
    Slot& slot = m_slots[index];
    // Each slot has at most one SQE outstanding and there are as many slots as SQ entries, so
    // the ring has room; submitting first is only a safety net.
    io_uring_sqe* sqe = io_uring_get_sqe(&m_ring);
    if (sqe == nullptr) {
        (void)io_uring_submit(&m_ring);
        sqe = io_uring_get_sqe(&m_ring);
    }
    if (sqe == nullptr)
        return finish(index, fail(request_error(slot, 0).operation, "the io_uring submission queue is full"));
    int fd = m_image.fd();
    switch (slot.stage) {
    case Stage::Transfer: {
        auto entries = slot.cursor.remaining_entries(IOV_MAX);
        auto count = static_cast<unsigned>(entries.size());
        if (slot.request.op == IoOp::Read)
            io_uring_prep_readv(sqe, fd, entries.data(), count, slot.offset);
        else
            io_uring_prep_writev(sqe, fd, entries.data(), count, slot.offset);
        break;
    }
    case Stage::Fsync:
        io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
        break;
    case Stage::PunchHole:
        io_uring_prep_fallocate(sqe, fd, PUNCH_HOLE_MODE, static_cast<off_t>(slot.offset),
                                static_cast<off_t>(slot.remaining));
        break;
    case Stage::ZeroRange:
        io_uring_prep_fallocate(sqe, fd, ZERO_RANGE_MODE, static_cast<off_t>(slot.offset),
                                static_cast<off_t>(slot.remaining));
        break;
    case Stage::ZeroWrite: {
        std::size_t count = fill_zero_buffers(slot.zeros, slot.remaining);
        io_uring_prep_writev(sqe, fd, slot.zeros, static_cast<unsigned>(count), slot.offset);
        break;
    }
    }
    io_uring_sqe_set_data64(sqe, index);
}

void IoUringEngine::handle_cqe(std::uint32_t index, int result)
{
    Slot& slot = m_slots[index];
    if (result == -EINTR || result == -EAGAIN)
        return queue_sqe(index);
    bool unsupported = result == -EOPNOTSUPP || result == -ENOSYS;
    switch (slot.stage) {
    case Stage::Transfer:
    case Stage::ZeroWrite: {
        if (result < 0)
            return finish(index, std::unexpected(request_error(slot, -result)));
        if (result == 0)
            return finish(index, fail(request_error(slot, 0).operation, "{}",
                                      slot.request.op == IoOp::Read ? "unexpected end of file" : "no progress"));
        auto bytes = static_cast<std::uint64_t>(result);
        slot.offset += bytes;
        if (slot.stage == Stage::Transfer)
            slot.cursor.advance(bytes);
        else
            slot.remaining -= bytes;
        bool done = slot.stage == Stage::Transfer ? slot.cursor.done() : slot.remaining == 0;
        if (done)
            return finish(index, {});
        return queue_sqe(index);  // a short transfer: the rest
    }
    case Stage::PunchHole:
        if (unsupported) {
            m_can_punch_hole = false;
            if (slot.request.op == IoOp::Discard)
                return finish(index, {});
            choose_zeroing_stage(slot);
            return queue_sqe(index);
        }
        break;
    case Stage::ZeroRange:
        if (unsupported) {
            m_can_zero_range = false;
            slot.stage = Stage::ZeroWrite;
            return queue_sqe(index);
        }
        break;
    case Stage::Fsync:
        break;
    }
    if (result < 0)
        return finish(index, std::unexpected(request_error(slot, -result)));
    finish(index, {});
}

void IoUringEngine::finish(std::uint32_t index, Result<void> result)
{
    complete_slot(index, std::move(result));
    // Hand the slot to the next waiting request; those needing no kernel work complete at once.
    while (!m_waiting.empty()) {
        IoRequest next = std::move(m_waiting.front());
        m_waiting.pop_front();
        if (start(index, std::move(next)))
            return;
        complete_slot(index, {});
    }
    m_free_slots.push_back(index);
}

void IoUringEngine::complete_slot(std::uint32_t index, Result<void> result)
{
    Slot& slot = m_slots[index];
    m_completions.push_back({std::move(slot.request.done), std::move(result)});
    slot.request = IoRequest{};
    slot.cursor = IovCursor{};
}

void IoUringEngine::complete_later(std::function<void(Result<void>)> done, Result<void> result)
{
    m_completions.push_back({std::move(done), std::move(result)});
    if (auto signalled = m_completed.signal(); !signalled)
        log::error("io_uring: {}", signalled.error().message());
}

Error IoUringEngine::request_error(const Slot& slot, int error) const
{
    return Error{fmt::format("{} {} at offset {}", op_name(slot.request.op), m_image.path(), slot.offset), error, {}};
}

}  // namespace nimbus
