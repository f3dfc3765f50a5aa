// Disk image factory: opens an image of a configured format, and probes a file's format.
#pragma once

#include <memory>
#include <string>

#include "block/disk_image.hpp"
#include "block/disk_format.hpp"

namespace nimbus {

// Opens (and locks) `path` as `format`. A raw open of a file that looks like qcow2 warns: the
// guest would see the qcow2 metadata rather than the disk it describes.
Result<std::unique_ptr<DiskImage>> open_disk_image(const std::string& path, DiskFormat format, DiskAccess access);

// Qcow2 when the file starts with the qcow2 magic ("QFI\xfb"), otherwise Raw (including files
// shorter than the magic).
Result<DiskFormat> probe_format(const std::string& path);

}  // namespace nimbus
