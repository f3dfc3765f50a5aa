// Disk image factory: format dispatch and qcow2 magic probing.
#include "block/disk_image_factory.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>

#include "base/log.hpp"
#include "base/unique_fd.hpp"
#include "block/qcow2/qcow2_image.hpp"
#include "block/raw_image.hpp"

namespace nimbus {

namespace {
constexpr std::array<std::uint8_t, 4> QCOW2_MAGIC{'Q', 'F', 'I', 0xfb};
}  // namespace

Result<DiskFormat> probe_format(const std::string& path)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid())
        return fail_errno("open " + path);
    std::array<std::uint8_t, QCOW2_MAGIC.size()> head{};
    std::size_t filled = 0;
    while (filled < head.size()) {
        ssize_t count = ::pread(fd.get(), head.data() + filled, head.size() - filled, static_cast<off_t>(filled));
        if (count < 0) {
            if (errno == EINTR)
                continue;
            return fail_errno("read " + path);
        }
        if (count == 0)
            return DiskFormat::Raw;
        filled += static_cast<std::size_t>(count);
    }
    return head == QCOW2_MAGIC ? DiskFormat::Qcow2 : DiskFormat::Raw;
}

Result<std::unique_ptr<DiskImage>> open_disk_image(const std::string& path, DiskFormat format, DiskAccess access)
{
    OpenMode mode{.read_only = access == DiskAccess::ReadOnly};
    switch (format) {
    case DiskFormat::Raw: {
        std::unique_ptr<DiskImage> image = TRY(RawImage::open(path, mode));
        if (auto probed = probe_format(path); probed && *probed == DiskFormat::Qcow2)
            log::warn("disk image {} is opened as raw but looks like qcow2; the guest sees the qcow2 "
                      "metadata, not the disk (set format=qcow2 if that was meant)", path);
        return image;
    }
    case DiskFormat::Qcow2:
    {
        std::unique_ptr<DiskImage> image = TRY(qcow2::Qcow2Image::open(path, mode));
        return image;
    }
    }
    return fail("open " + path, "unknown disk format");
}

}  // namespace nimbus
