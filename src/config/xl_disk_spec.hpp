// XlDiskSpec: one disk= entry as xl's own parser (xlu_disk_parse) reads it, before nimbus maps it.
#pragma once

#include <optional>
#include <string>

namespace nimbus {

// libxl's disk formats; "unknown" becomes raw once the whole spec is read, as in xl.
enum class XlDiskFormat { Unknown, Qcow, Qcow2, Vhd, Raw, Empty, Qed };
enum class XlDiskBackend { Unknown, Phy, Tap, Qdisk, Standalone };
enum class XlDiskSpecification { Unknown, Xen, Virtio };

struct XlDiskSpec final {
    std::optional<std::string> target;  // pdev_path; unset differs from "" (xl: "no target specified")
    std::optional<std::string> vdev;
    XlDiskFormat format = XlDiskFormat::Unknown;
    bool readwrite = true;
    bool cdrom = false;
    bool removable = false;
    XlDiskBackend backend = XlDiskBackend::Unknown;
    XlDiskSpecification specification = XlDiskSpecification::Unknown;
    std::optional<std::string> script;
    std::optional<std::string> backend_domain;  // backend=
    bool direct_io_safe = false;
    std::optional<bool> discard;                // discard / no-discard
    bool colo = false;                          // any colo* or *-disk setting (not supported by nimbus)
    bool had_deprecated_prefix = false;
    bool access_set = false;                    // the positional access slot was used
};

const char* to_string(XlDiskFormat format);

}  // namespace nimbus
