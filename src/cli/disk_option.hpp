// `--disk PATH[,ro][,format=raw|qcow2]`: one virtio-blk disk of `nimbus run`.
#pragma once

#include <string_view>

#include "base/error.hpp"
#include "vmm/vm_config.hpp"

namespace nimbus::cli {

// Splits at commas: the first field is the path, the others are `ro`, `rw`, `format=raw` or
// `format=qcow2` (raw when not given). Fails, naming the value, on an empty path or unknown option.
// The file itself is checked when the VM opens it.
Result<VirtioDiskRequest> parse_disk_option(std::string_view value);

}  // namespace nimbus::cli
