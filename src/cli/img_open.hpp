// Opening an image for a `nimbus img` verb: a -f format name (probed when empty) and an access mode.
#pragma once

#include <memory>
#include <string>

#include "base/error.hpp"
#include "block/disk_format.hpp"
#include "block/disk_image.hpp"

namespace nimbus::cli {

// raw or qcow2 by name, or the probed format of `path` when `name` is empty.
Result<DiskFormat> image_format(const std::string& name, const std::string& path);
Result<std::unique_ptr<DiskImage>> open_image(const std::string& path, const std::string& format, DiskAccess access);

}  // namespace nimbus::cli
