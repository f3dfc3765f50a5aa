// Fuzz target: arbitrary text as one disk= spec, parsed as xl does and mapped to a DiskConfig.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/disk_layout.hpp"
#include "config/xl_disk_spec_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view spec(reinterpret_cast<const char*>(data), size);
    auto disk = nimbus::XlDiskSpecParser::parse(spec);
    if (!disk)
        return 0;
    if (!disk->vdev || (!disk->target && !disk->removable))
        __builtin_trap();  // xl's final checks must hold for every accepted spec
    std::vector<std::string> warnings;
    auto config = nimbus::to_disk_config(*disk, "/etc/xen", "fuzz", warnings);
    if (config && !config->target.empty()) {
        std::vector<nimbus::DiskConfig> disks{*config, *config};
        if (nimbus::assign_guest_devices(disks))
            __builtin_trap();  // the same vdev twice is always refused
    }
    return 0;
}
