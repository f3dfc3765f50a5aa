// Opening images for `nimbus img` verbs.
#include "cli/img_open.hpp"

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

}  // namespace nimbus::cli
