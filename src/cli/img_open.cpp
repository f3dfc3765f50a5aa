// Opening images for `nimbus img` verbs, and qemu-img's progress line.
#include "cli/img_open.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "block/disk_image_factory.hpp"

namespace nimbus::cli {

Result<DiskFormat> image_format(const std::string& name, const std::string& path)
{
    if (name.empty())
        return probe_format(path);
    if (name == "raw")
        return DiskFormat::Raw;
    if (name == "qcow2")
        return DiskFormat::Qcow2;
    return fail(path, "format '{}' is not supported (raw or qcow2)", name);
}

Result<std::unique_ptr<DiskImage>> open_image(const std::string& path, const std::string& format, DiskAccess access)
{
    DiskFormat kind = TRY(image_format(format, path));
    return open_disk_image(path, kind, access);
}

void Progress::update(std::uint64_t done, std::uint64_t total)
{
    if (!m_enabled)
        return;
    int percent = static_cast<int>(done * 10000 / std::max<std::uint64_t>(total, 1));
    if (m_shown >= 0 && percent / 100 == m_shown / 100)
        return;
    fmt::print("    ({}.{:02}/100%)\r", percent / 100, percent % 100);
    std::fflush(stdout);
    m_shown = percent;
}

void Progress::finish()
{
    if (m_enabled) {
        update(1, 1);
        fmt::print("\n");
    }
}

}  // namespace nimbus::cli
