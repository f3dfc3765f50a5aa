// I/O engine factory.
#include "block/io_engine_factory.hpp"

#include <atomic>

#include "base/log.hpp"
#include "block/io_uring_engine.hpp"
#include "block/raw_image.hpp"
#include "block/thread_pool_engine.hpp"

namespace nimbus {

Result<std::unique_ptr<IoEngine>> make_io_engine(DiskImage& image, IoEngineOptions options)
{
    auto* raw = dynamic_cast<RawImage*>(&image);
    switch (options.kind) {
    case IoEngineKind::IoUring:
        if (raw == nullptr)
            return fail("create io_uring engine", "{} images need the thread pool", image.format_name());
        return TRY(IoUringEngine::create(*raw, options.queue_depth));
    case IoEngineKind::ThreadPool:
        return TRY(ThreadPoolEngine::create(image, options.threads));
    case IoEngineKind::Automatic:
        break;
    }
    if (raw != nullptr) {
        auto engine = IoUringEngine::create(*raw, options.queue_depth);
        if (engine)
            return std::move(*engine);
        static std::atomic<bool> warned{false};
        if (!warned.exchange(true))
            log::warn("io_uring is unavailable ({}); disk I/O uses a thread pool instead",
                      engine.error().message());
    }
    return TRY(ThreadPoolEngine::create(image, options.threads));
}

}  // namespace nimbus
