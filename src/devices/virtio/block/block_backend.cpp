// BlockBackend: picks the engine for the image.
#include "devices/virtio/block/block_backend.hpp"

#include "devices/virtio/block/virtio_block_spec.hpp"

namespace nimbus {

Result<std::unique_ptr<BlockBackend>> BlockBackend::create(std::unique_ptr<DiskImage> image, IoEngineOptions options)
{
    auto engine = TRY(make_io_engine(*image, options));
    return std::unique_ptr<BlockBackend>(new BlockBackend(std::move(image), std::move(engine)));
}

std::uint64_t BlockBackend::capacity_sectors() const
{
    return m_image->size() >> virtio_blk::SECTOR_SHIFT;
}

}  // namespace nimbus
