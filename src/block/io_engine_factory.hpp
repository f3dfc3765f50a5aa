// I/O engine factory: io_uring for raw files when the kernel allows it, else a thread pool.
#pragma once

#include <memory>

#include "block/disk_image.hpp"
#include "block/io_engine.hpp"

namespace nimbus {

enum class IoEngineKind { Automatic, IoUring, ThreadPool };

struct IoEngineOptions final {
    IoEngineKind kind = IoEngineKind::Automatic;
    unsigned queue_depth = 128;  // io_uring: requests in the kernel at once
    unsigned threads = 4;        // thread pool: workers
};

// Automatic: io_uring for a RawImage, falling back to the thread pool (with one warning per
// process saying why) when io_uring cannot be set up; the thread pool for other formats.
// IoUring: fails unless the image is a RawImage and io_uring works. `image` must outlive the engine.
Result<std::unique_ptr<IoEngine>> make_io_engine(DiskImage& image, IoEngineOptions options = {});

}  // namespace nimbus
