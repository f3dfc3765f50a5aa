// disk= entries to virtio disks.
#include "config/disk_layout.hpp"

#include <algorithm>
#include <tuple>

#include "config/xen_vdev.hpp"

namespace nimbus {

Result<DiskConfig> to_disk_config(const XlDiskSpec& spec, const std::filesystem::path& config_folder,
                                  const std::string& where, std::vector<std::string>& warnings)
{
    std::string operation = fmt::format("{}: disk", where);
    DiskConfig disk;
    disk.vdev = spec.vdev.value_or("");
    auto vdev = XenVdev::parse(disk.vdev);
    if (!vdev)
        return fail(operation, "field vdev: {}", vdev.error().message());
    disk.xen_disk_index = vdev->disk;
    disk.xen_partition = vdev->partition;
    switch (spec.format) {
    case XlDiskFormat::Raw:
    case XlDiskFormat::Unknown: disk.format = DiskFormat::Raw; break;
    case XlDiskFormat::Qcow2: disk.format = DiskFormat::Qcow2; break;
    case XlDiskFormat::Empty: break;
    default: return fail(operation, "field format: {} images are not supported (raw and qcow2 are)", to_string(spec.format));
    }
    if (spec.script)
        return fail(operation, "field script: block scripts ('{}') are not supported: the target must be a file or a block device",
                    *spec.script);
    if (spec.colo)
        return fail(operation, "COLO replication is not supported");
    if (spec.backend_domain && !spec.backend_domain->empty())
        warnings.push_back(fmt::format("{}: backend={} ignored: nimbus serves every disk itself", operation, *spec.backend_domain));
    disk.access = spec.readwrite ? DiskAccess::ReadWrite : DiskAccess::ReadOnly;
    disk.cdrom = spec.cdrom;
    std::string target = spec.target.value_or("");
    if (spec.format == XlDiskFormat::Empty || target.empty())
        return disk;  // no media: the caller skips it
    std::filesystem::path path(target);
    disk.target = (path.is_absolute() ? path : config_folder / path).lexically_normal().string();
    return disk;
}

Result<void> assign_guest_devices(std::vector<DiskConfig>& disks)
{
    std::vector<std::size_t> order(disks.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return std::tie(disks[a].xen_disk_index, disks[a].xen_partition, a) <
               std::tie(disks[b].xen_disk_index, disks[b].xen_partition, b);
    });
    std::vector<DiskConfig> sorted;
    for (std::size_t i = 0; i < order.size(); ++i) {
        DiskConfig disk = disks[order[i]];
        if (!sorted.empty() && sorted.back().xen_disk_index == disk.xen_disk_index &&
            sorted.back().xen_partition == disk.xen_partition)
            return fail(fmt::format("disk vdev '{}'", disk.vdev), "used by two disk= entries (also as '{}')", sorted.back().vdev);
        disk.guest_device = "/dev/" + virtio_disk_name(static_cast<std::uint32_t>(i));
        sorted.push_back(std::move(disk));
    }
    disks = std::move(sorted);
    return {};
}

}  // namespace nimbus
