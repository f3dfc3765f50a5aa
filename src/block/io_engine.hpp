// IoEngine: asynchronous disk requests whose completions run on the caller's event-loop thread.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "base/error.hpp"

namespace nimbus {

enum class IoOp { Read, Write, Flush, Discard, WriteZeroes };

struct IoRequest final {
    IoOp op = IoOp::Read;
    std::uint64_t offset = 0;
    // Discard and WriteZeroes only; for Read and Write the buffers' total length is used.
    std::uint64_t length = 0;
    // Read and Write only. The memory must stay valid until `done` runs.
    std::vector<iovec> buffers{};
    bool may_unmap = false;  // WriteZeroes only
    // Runs exactly once, on the thread that calls process_completions(), never inside submit().
    std::function<void(Result<void>)> done{};
};

// Usage: add completion_fd() to the event loop; submit() requests, then flush_submissions() once
// per batch; when completion_fd() is readable, call process_completions(). A request that is bad
// (out of range, a write to a read-only image) completes with an error like any other. All
// methods are for one thread only (the event loop's). Destroying the engine waits for requests
// already handed to the kernel or a worker; their callbacks, and those of queued ones, do not run.
class IoEngine {
public:
    virtual ~IoEngine() = default;

    virtual std::string_view name() const = 0;  // "io_uring", "thread pool"
    // Fails only when the engine itself is broken; the request's `done` then never runs.
    virtual Result<void> submit(IoRequest request) = 0;
    // Starts everything submitted since the last call.
    virtual Result<void> flush_submissions() = 0;
    virtual int completion_fd() const = 0;
    // Runs the callbacks of finished requests; a callback may submit new requests.
    virtual void process_completions() = 0;
};

}  // namespace nimbus
