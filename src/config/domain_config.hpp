// DomainConfig: a guest as an xl.cfg file describes it, resolved and validated (no KVM here).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "block/disk_format.hpp"

namespace nimbus {

// xl's `type=` (and the legacy `builder=`). KVM boots all three the same way: direct kernel boot.
enum class GuestType { Pvh, Hvm, Pv };

// on_poweroff / on_reboot / on_crash (xl.cfg(5) "Event Actions").
enum class EventAction { Destroy, Restart, RenameRestart, Preserve, CoredumpDestroy, CoredumpRestart, SoftReset };

// One `disk=` entry (xl-disk-configuration(5)). DomainConfig::disks is in guest device order: by
// the Xen disk index of the vdev (xvda/hda/sda = 0, xvdb = 1 ...), then partition number (xvdb1
// before xvdb2), then config order; the first is /dev/vda, the next /dev/vdb ... (docs/config.md).
struct DiskConfig final {
    std::string target;        // image path, resolved against the config file's folder
    DiskFormat format = DiskFormat::Raw;
    std::string vdev;          // as written: xvdb1, hda, sdc ...
    DiskAccess access = DiskAccess::ReadWrite;
    bool cdrom = false;        // devtype=cdrom or access "cdrom"
    std::string guest_device;  // what the guest sees: /dev/vda, /dev/vdb ...
    std::uint32_t xen_disk_index = 0;  // from vdev: xvda = 0, xvdb = 1 ... (hdX, sdX alike)
    std::uint32_t xen_partition = 0;   // from vdev: xvdb1 = 1; 0 = whole disk
};

// One `vif=` entry (xl-network-configuration(5)).
struct VifConfig final {
    std::string mac;           // "" = generated when the domain is created
    std::string bridge = "xenbr0";
    std::string ip;
    std::string model;
    std::string rate;
    std::string script;
    std::string vifname;
    std::string type;
};

struct DomainConfig final {
    std::string name;
    std::string uuid;                     // "" = generated at create
    GuestType type = GuestType::Pvh;
    std::uint32_t vcpus = 1;
    std::uint32_t maxvcpus = 0;           // 0 = same as vcpus
    std::uint64_t memory_mib = 512;
    std::uint64_t maxmem_mib = 0;         // 0 = same as memory
    std::string kernel;
    std::string ramdisk;
    std::string cmdline;                  // the final guest command line, as xl builds it plus our console
    std::string serial;                   // serial= as written ("" or "pty"); the first UART is the console
    std::vector<DiskConfig> disks;
    std::vector<VifConfig> vifs;
    EventAction on_poweroff = EventAction::Destroy;
    EventAction on_reboot = EventAction::Restart;
    EventAction on_crash = EventAction::Destroy;
    std::string config_path;              // the file it came from, absolute
};

}  // namespace nimbus
