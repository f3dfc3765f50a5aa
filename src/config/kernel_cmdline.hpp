// Kernel command line: built as xl builds it, vdevs in root= mapped to virtio names, console added.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/domain_config.hpp"

namespace nimbus {

struct KernelCmdlineInputs final {
    std::optional<std::string> cmdline;  // cmdline=
    std::optional<std::string> root;     // root=
    std::optional<std::string> extra;    // extra=
};

// xl: cmdline= if set (root= and extra= are then ignored, with a warning), else "root=ROOT EXTRA"
// when root= is set, else EXTRA. Then every root=/dev/VDEV naming a disk= vdev becomes the guest
// device (root=/dev/xvdb1 -> root=/dev/vda, a notice says so), and console=ttyS0 is appended when no
// console= is present, so the boot shows on the console `create -c` attaches (a notice says so).
std::string build_kernel_cmdline(const KernelCmdlineInputs& inputs, const std::vector<DiskConfig>& disks,
                                 std::vector<std::string>& notices, std::vector<std::string>& warnings);

}  // namespace nimbus
