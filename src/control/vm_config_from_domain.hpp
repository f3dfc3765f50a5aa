// vm_config_from_domain: what the VMM builds for a domain config (kernel, memory, disks, console).
#pragma once

#include "config/domain_config.hpp"
#include "vmm/vm_config.hpp"

namespace nimbus::control {

// kernel, ramdisk, cmdline, vcpus, memory as given; each disk= entry becomes a virtio-blk disk in
// config order (cdroms read-only); a `console=hvc0` anywhere on the command line adds the virtio
// console, so hvc0 exists for the guest to use.
VmConfig vm_config_from_domain(const DomainConfig& domain);

}  // namespace nimbus::control
