// DomainConfig to JSON.
#include "config/domain_config_json.hpp"

namespace nimbus {

const char* to_string(GuestType type)
{
    switch (type) {
    case GuestType::Pvh: return "pvh";
    case GuestType::Hvm: return "hvm";
    case GuestType::Pv: return "pv";
    }
    return "pv";
}

const char* to_string(EventAction action)
{
    switch (action) {
    case EventAction::Destroy: return "destroy";
    case EventAction::Restart: return "restart";
    case EventAction::RenameRestart: return "rename-restart";
    case EventAction::Preserve: return "preserve";
    case EventAction::CoredumpDestroy: return "coredump-destroy";
    case EventAction::CoredumpRestart: return "coredump-restart";
    case EventAction::SoftReset: return "soft-reset";
    }
    return "destroy";
}

nlohmann::json domain_config_to_json(const DomainConfig& config)
{
    nlohmann::json disks = nlohmann::json::array();
    for (const auto& disk : config.disks) {
        disks.push_back({
            {"target", disk.target},
            {"format", disk.format == DiskFormat::Qcow2 ? "qcow2" : "raw"},
            {"vdev", disk.vdev},
            {"access", disk.access == DiskAccess::ReadOnly ? "ro" : "rw"},
            {"cdrom", disk.cdrom},
            {"guest_device", disk.guest_device},
            {"xen_disk_index", disk.xen_disk_index},
            {"xen_partition", disk.xen_partition},
        });
    }
    nlohmann::json vifs = nlohmann::json::array();
    for (const auto& vif : config.vifs) {
        vifs.push_back({
            {"mac", vif.mac}, {"bridge", vif.bridge}, {"ip", vif.ip}, {"model", vif.model},
            {"rate", vif.rate}, {"script", vif.script}, {"vifname", vif.vifname}, {"type", vif.type},
        });
    }
    return {
        {"name", config.name},
        {"uuid", config.uuid},
        {"type", to_string(config.type)},
        {"vcpus", config.vcpus},
        {"maxvcpus", config.maxvcpus},
        {"memory_mib", config.memory_mib},
        {"maxmem_mib", config.maxmem_mib},
        {"kernel", config.kernel},
        {"ramdisk", config.ramdisk},
        {"cmdline", config.cmdline},
        {"serial", config.serial},
        {"disks", std::move(disks)},
        {"vifs", std::move(vifs)},
        {"on_poweroff", to_string(config.on_poweroff)},
        {"on_reboot", to_string(config.on_reboot)},
        {"on_crash", to_string(config.on_crash)},
        {"config_path", config.config_path},
    };
}

}  // namespace nimbus
