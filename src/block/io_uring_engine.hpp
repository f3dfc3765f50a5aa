// IoUringEngine: raw-file requests through io_uring, completions signalled on a registered eventfd.
#pragma once

#include <liburing.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "base/event_fd.hpp"
#include "block/io_engine.hpp"
#include "block/iov_cursor.hpp"
#include "block/raw_image.hpp"
#include "block/zero_buffers.hpp"

namespace nimbus {

class IoUringEngine final : public IoEngine {
public:
    static constexpr unsigned DEFAULT_QUEUE_DEPTH = 128;

    // Fails when io_uring is unavailable (old kernel, seccomp, missing opcodes); the error says
    // why. At most `queue_depth` requests are in the kernel at once; more wait in a queue.
    // `image` must outlive the engine.
    static Result<std::unique_ptr<IoUringEngine>> create(RawImage& image, unsigned queue_depth);
    ~IoUringEngine() override;

    std::string_view name() const override { return "io_uring"; }
    Result<void> submit(IoRequest request) override;
    Result<void> flush_submissions() override;
    int completion_fd() const override { return m_completed.fd(); }
    void process_completions() override;

private:
    // What the slot's SQE in the kernel is doing; a request may go through several stages.
    enum class Stage { Transfer, Fsync, PunchHole, ZeroRange, ZeroWrite };

    struct Slot final {
        IoRequest request;
        Stage stage = Stage::Transfer;
        std::uint64_t offset = 0;     // where the next SQE starts
        std::uint64_t remaining = 0;  // ZeroWrite: bytes still to write
        IovCursor cursor;             // Transfer: buffers still to transfer
        iovec zeros[ZERO_BUFFERS_MAX_ENTRIES];
    };
    struct Completion final {
        std::function<void(Result<void>)> done;
        Result<void> result;
    };

    IoUringEngine(RawImage& image, EventFd completed) : m_image(image), m_completed(std::move(completed)) {}

    Result<void> validate(IoRequest& request) const;
    // Puts the request in the slot and queues its first SQE; false when it needs no kernel work
    // (it has then succeeded and the slot still holds it).
    bool start(std::uint32_t slot, IoRequest request);
    void choose_zeroing_stage(Slot& slot);
    void queue_sqe(std::uint32_t slot);
    void handle_cqe(std::uint32_t slot, int result);
    // Completes the slot's request and reuses the slot for a waiting one, or frees it.
    void finish(std::uint32_t slot, Result<void> result);
    void complete_slot(std::uint32_t slot, Result<void> result);
    void complete_later(std::function<void(Result<void>)> done, Result<void> result);
    Error request_error(const Slot& slot, int error) const;

    RawImage& m_image;
    EventFd m_completed;
    io_uring m_ring{};
    bool m_ring_ready = false;
    std::vector<Slot> m_slots;
    std::vector<std::uint32_t> m_free_slots;
    std::deque<IoRequest> m_waiting;           // submitted while every slot was busy
    std::vector<Completion> m_completions;     // finished, callbacks not yet run
    bool m_can_punch_hole = true;
    bool m_can_zero_range = true;
};

}  // namespace nimbus
