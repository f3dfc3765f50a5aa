// Disk layout: disk= specs to DiskConfigs, and the order in which the guest sees them.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "config/domain_config.hpp"
#include "config/xl_disk_spec.hpp"

namespace nimbus {

// One XlDiskSpec to a DiskConfig: the target resolved against `config_folder`, the format and access
// nimbus supports (raw, qcow2; qcow, vhd, qed are errors). `where` names the entry in errors.
Result<DiskConfig> to_disk_config(const XlDiskSpec& spec, const std::filesystem::path& config_folder,
                                  const std::string& where, std::vector<std::string>& warnings);

// Guest device order: every disk= entry is one virtio disk. They are numbered by the Xen disk index
// of their vdev (xvda/hda/sda = 0, xvdb = 1 ...), then by partition number (xvdb1 before xvdb2),
// then by config order; the first becomes /dev/vda, the next /dev/vdb ... Fills guest_device and
// sorts `disks` into that order. Two entries with the same vdev are an error.
Result<void> assign_guest_devices(std::vector<DiskConfig>& disks);

}  // namespace nimbus
