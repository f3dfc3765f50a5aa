// ThreadPoolEngine: a locked queue in, a locked list of completions out.
#include "block/thread_pool_engine.hpp"

#include "base/log.hpp"

namespace nimbus {

Result<std::unique_ptr<ThreadPoolEngine>> ThreadPoolEngine::create(DiskImage& image, unsigned threads)
{
    if (threads == 0)
        return fail("create I/O thread pool", "at least one thread is needed");
    std::unique_ptr<ThreadPoolEngine> engine(new ThreadPoolEngine(image, TRY(EventFd::create())));
    for (unsigned i = 0; i < threads; ++i)
        engine->m_workers.emplace_back([raw = engine.get()] { raw->run_worker(); });
    return engine;
}

ThreadPoolEngine::~ThreadPoolEngine()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_work_ready.notify_all();
    for (std::thread& worker : m_workers)
        worker.join();
}

Result<void> ThreadPoolEngine::submit(IoRequest request)
{
    {
        std::lock_guard lock(m_mutex);
        m_queue.push_back(std::move(request));
    }
    m_work_ready.notify_one();
    return {};
}

void ThreadPoolEngine::process_completions()
{
    // Consume the signal before taking the list: a completion added after the swap signals again.
    if (auto consumed = m_completed.consume(); !consumed)
        log::error("I/O thread pool: {}", consumed.error().message());
    std::vector<Completion> completions;
    {
        std::lock_guard lock(m_mutex);
        completions.swap(m_completions);
    }
    for (Completion& completion : completions)
        completion.done(std::move(completion.result));
}

void ThreadPoolEngine::run_worker()
{
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_work_ready.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
        if (m_stopping)
            return;
        IoRequest request = std::move(m_queue.front());
        m_queue.pop_front();
        lock.unlock();
        Result<void> result = execute(request);
        lock.lock();
        bool was_empty = m_completions.empty();
        m_completions.push_back({std::move(request.done), std::move(result)});
        if (was_empty)
            if (auto signalled = m_completed.signal(); !signalled)
                log::error("I/O thread pool: {}", signalled.error().message());
    }
}

Result<void> ThreadPoolEngine::execute(const IoRequest& request)
{
    switch (request.op) {
    case IoOp::Read: return m_image.readv(request.offset, request.buffers);
    case IoOp::Write: return m_image.writev(request.offset, request.buffers);
    case IoOp::Flush: return m_image.flush();
    case IoOp::Discard: return m_image.discard(request.offset, request.length);
    case IoOp::WriteZeroes: return m_image.write_zeroes(request.offset, request.length, request.may_unmap);
    }
    return fail("I/O request", "unknown operation {}", static_cast<int>(request.op));
}

}  // namespace nimbus
