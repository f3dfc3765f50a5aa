// vm_config_from_domain: the mapping.
#include "control/vm_config_from_domain.hpp"

#include <string_view>

namespace nimbus::control {

namespace {
bool mentions_hvc0(std::string_view cmdline)
{
    for (std::size_t at = cmdline.find("console=hvc0"); at != std::string_view::npos;
         at = cmdline.find("console=hvc0", at + 1)) {
        bool word_start = at == 0 || cmdline[at - 1] == ' ';
        if (word_start)
            return true;
    }
    return false;
}
}  // namespace

VmConfig vm_config_from_domain(const DomainConfig& domain)
{
    VmConfig config;
    config.memory_mib = domain.memory_mib;
    config.vcpus = domain.vcpus;
    config.kernel = domain.kernel;
    config.initrd = domain.ramdisk;
    config.cmdline = domain.cmdline;
    for (const DiskConfig& disk : domain.disks) {
        VirtioDiskRequest request;
        request.path = disk.target;
        request.format = disk.format;
        request.read_only = disk.access == DiskAccess::ReadOnly || disk.cdrom;
        config.virtio.disks.push_back(std::move(request));
    }
    config.virtio.console = mentions_hvc0(domain.cmdline);
    return config;
}

}  // namespace nimbus::control
