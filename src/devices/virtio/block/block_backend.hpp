// BlockBackend: a disk image and the asynchronous engine its requests go through.
#pragma once

#include <memory>

#include "block/disk_image.hpp"
#include "block/io_engine.hpp"
#include "block/io_engine_factory.hpp"

namespace nimbus {

// The engine is io_uring for raw images (thread pool if io_uring cannot be set up) and a thread
// pool calling the image's synchronous methods for every other format, so a slow qcow2 lookup never
// runs on the event loop. Threads: one (the event loop's), as IoEngine requires.
class BlockBackend final {
public:
    static Result<std::unique_ptr<BlockBackend>> create(std::unique_ptr<DiskImage> image, IoEngineOptions options);

    DiskImage& image() { return *m_image; }
    IoEngine& engine() { return *m_engine; }
    // Whole 512-byte sectors; a tail shorter than a sector is not visible to the guest.
    std::uint64_t capacity_sectors() const;

private:
    BlockBackend(std::unique_ptr<DiskImage> image, std::unique_ptr<IoEngine> engine)
        : m_image(std::move(image)), m_engine(std::move(engine))
    {
    }

    // Declared first so it is destroyed last: the engine waits for its requests on destruction.
    std::unique_ptr<DiskImage> m_image;
    std::unique_ptr<IoEngine> m_engine;
};

}  // namespace nimbus
