// Block status as QEMU's block layer reports it for raw files (SEEK_DATA/SEEK_HOLE) and qcow2
// clusters, following backing files for unallocated clusters.
#include "cli/img_block_status.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "block/qcow2/qcow2_image.hpp"
#include "block/raw_image.hpp"

namespace nimbus::cli {

namespace {

// Whether [offset, ...) of `fd` is data, and how far that goes (SEEK_DATA/SEEK_HOLE).
Result<std::pair<bool, std::uint64_t>> file_extent(int fd, const std::string& path, std::uint64_t offset,
                                                   std::uint64_t end)
{
    off_t data = ::lseek(fd, static_cast<off_t>(offset), SEEK_DATA);
    if (data < 0 && errno == ENXIO)
        return std::pair{false, end};  // a hole up to the end of the file
    if (data < 0)
        return fail("seek " + path, "SEEK_DATA: {}", std::strerror(errno));
    if (static_cast<std::uint64_t>(data) > offset)
        return std::pair{false, std::min<std::uint64_t>(static_cast<std::uint64_t>(data), end)};
    off_t hole = ::lseek(fd, static_cast<off_t>(offset), SEEK_HOLE);
    if (hole < 0)
        return fail("seek " + path, "SEEK_HOLE: {}", std::strerror(errno));
    return std::pair{true, std::min<std::uint64_t>(static_cast<std::uint64_t>(hole), end)};
}

std::uint64_t allocated_bytes(int fd)
{
    struct stat status {};
    return ::fstat(fd, &status) == 0 ? static_cast<std::uint64_t>(status.st_blocks) * 512 : 0;
}

}  // namespace

bool Extent::continues(const Extent& before) const
{
    if (depth != before.depth || present != before.present || zero != before.zero || data != before.data ||
        offset.has_value() != before.offset.has_value() || file != before.file)
        return false;
    return !offset || *offset == *before.offset + before.length;
}

Result<Extent> BlockStatus::at(std::uint64_t offset, std::uint64_t max)
{
    return at(m_image, 0, offset, max);
}

Result<Extent> BlockStatus::at(DiskImage& image, unsigned depth, std::uint64_t offset, std::uint64_t max)
{
    Extent extent;
    extent.start = offset;
    extent.depth = depth;
    max = std::min(max, image.size() - offset);
    if (auto* raw = dynamic_cast<RawImage*>(&image)) {
        auto [data, end] = TRY(file_extent(raw->fd(), raw->path(), offset, offset + max));
        extent.length = end - offset;
        extent.present = true;
        extent.data = data;
        extent.zero = !data;
        extent.offset = offset;
        extent.file = raw->path();
        return extent;
    }
    auto* qcow2 = dynamic_cast<qcow2::Qcow2Image*>(&image);
    if (qcow2 == nullptr)
        return fail("block status", "{} images are not supported", image.format_name());
    const std::uint64_t cluster = qcow2->header().cluster_size();
    extent.length = std::min(max, cluster - (offset & (cluster - 1)));
    auto mapping = TRY(qcow2->cluster_mapping(offset));
    using Kind = qcow2::Qcow2Image::ClusterKind;
    if (mapping.kind == Kind::Unallocated) {
        DiskImage* backing = qcow2->backing();
        if (backing != nullptr && offset < backing->size())
            return at(*backing, depth + 1, offset, extent.length);
        extent.zero = backing == nullptr || offset >= backing->size();
        return extent;
    }
    extent.present = true;
    extent.zero = mapping.kind == Kind::Zero;
    extent.data = mapping.kind == Kind::Data || mapping.kind == Kind::Compressed;
    if (mapping.host_offset != 0) {
        extent.offset = mapping.host_offset + (offset & (cluster - 1));
        extent.file = qcow2->path();
    }
    if (mapping.kind != Kind::Data || depth != 0)
        return extent;
    // QEMU looks for holes inside data clusters when the image seems preallocated with metadata
    // only (many more clusters referenced than the file has on disk).
    if (!m_prealloc) {
        m_top_file = UniqueFd(::open(qcow2->path().c_str(), O_RDONLY | O_CLOEXEC));
        if (!m_top_file.valid())
            return fail("open " + qcow2->path(), "{}", std::strerror(errno));
        std::uint64_t real = allocated_bytes(m_top_file.get()) / cluster;
        std::uint64_t threshold = std::max(real * 10 / 9, real + 2);
        m_prealloc = TRY(qcow2->referenced_clusters(threshold)) >= threshold;
    }
    if (*m_prealloc) {
        auto [data, end] = TRY(file_extent(m_top_file.get(), qcow2->path(), *extent.offset, *extent.offset + extent.length));
        extent.length = end - *extent.offset;
        extent.zero = !data;
    }
    return extent;
}

Result<std::vector<Extent>> BlockStatus::map()
{
    std::vector<Extent> extents;
    const std::uint64_t size = m_image.size();
    for (std::uint64_t offset = 0; offset < size;) {
        Extent extent = TRY(at(offset, size - offset));
        offset += extent.length;
        if (!extents.empty() && extent.continues(extents.back()))
            extents.back().length += extent.length;
        else
            extents.push_back(std::move(extent));
    }
    return extents;
}

}  // namespace nimbus::cli
