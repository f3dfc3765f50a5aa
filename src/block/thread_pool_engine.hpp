// ThreadPoolEngine: worker threads run a DiskImage's synchronous calls; an eventfd reports results.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "base/event_fd.hpp"
#include "block/disk_image.hpp"
#include "block/io_engine.hpp"

namespace nimbus {

class ThreadPoolEngine final : public IoEngine {
public:
    // `image` must outlive the engine.
    static Result<std::unique_ptr<ThreadPoolEngine>> create(DiskImage& image, unsigned threads);
    ~ThreadPoolEngine() override;

    std::string_view name() const override { return "thread pool"; }
    Result<void> submit(IoRequest request) override;
    Result<void> flush_submissions() override { return {}; }  // submit() already hands work over
    int completion_fd() const override { return m_completed.fd(); }
    void process_completions() override;

private:
    struct Completion final {
        std::function<void(Result<void>)> done;
        Result<void> result;
    };

    ThreadPoolEngine(DiskImage& image, EventFd completed) : m_image(image), m_completed(std::move(completed)) {}

    void run_worker();
    Result<void> execute(const IoRequest& request);

    DiskImage& m_image;
    EventFd m_completed;  // signalled when m_completions goes from empty to non-empty

    std::mutex m_mutex;  // guards everything below
    std::condition_variable m_work_ready;
    std::deque<IoRequest> m_queue;
    std::vector<Completion> m_completions;
    bool m_stopping = false;

    std::vector<std::thread> m_workers;
};

}  // namespace nimbus
