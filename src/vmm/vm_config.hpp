// VmConfig: what the VMM needs to build a machine, from `nimbus run` or a domain config.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "block/disk_format.hpp"

namespace nimbus {

// One virtio-blk disk: an image file (raw or qcow2) the VMM opens, locks and serves.
struct VirtioDiskRequest final {
    std::string path;
    DiskFormat format = DiskFormat::Raw;
    bool read_only = false;
    std::string serial;  // VIRTIO_BLK_T_GET_ID answer (at most 20 bytes); "" = derived from the path
};

// The virtio-mmio devices a machine gets, in this order (each one window and one GSI).
struct VirtioDeviceRequests final {
    std::vector<VirtioDiskRequest> disks;  // first, so the first disk is the guest's /dev/vda
    bool rng = false;      // virtio-rng, entropy from the host's getrandom()
    bool console = false;  // virtio-console, the guest's hvc0 on the VMM's console
};

struct VmConfig final {
    std::uint64_t memory_mib = 256;
    std::uint32_t vcpus = 1;
    std::string kernel;
    std::string initrd;  // empty: none
    std::string cmdline;
    VirtioDeviceRequests virtio;
};

// Checks the numbers a user typed (files are checked when they are loaded).
std::string validate_vm_config(const VmConfig& config);  // empty when valid

}  // namespace nimbus
