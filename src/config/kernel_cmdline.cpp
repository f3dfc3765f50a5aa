// Kernel command line building.
#include "config/kernel_cmdline.hpp"

#include <fmt/format.h>

#include "config/xen_vdev.hpp"

namespace nimbus {


std::string build_kernel_cmdline(const KernelCmdlineInputs& inputs, const std::vector<DiskConfig>& disks,
                                 std::vector<std::string>& notices, std::vector<std::string>& warnings)
{
    std::string line;
    if (inputs.cmdline) {
        if (inputs.root || inputs.extra)
            warnings.push_back("cmdline= is set: root= and extra= are ignored (as xl does)");
        line = *inputs.cmdline;
    } else if (inputs.root) {
        line = fmt::format("root={} {}", *inputs.root, inputs.extra.value_or(""));
    } else {
        line = inputs.extra.value_or("");
    }

    // Rewrite root=/dev/VDEV word by word, keeping the rest of the line as written.
    std::string rewritten;
    std::size_t at = 0;
    bool has_console = false;
    while (at < line.size()) {
        std::size_t start = line.find_first_not_of(" \t\n", at);
        rewritten += line.substr(at, (start == std::string::npos ? line.size() : start) - at);
        if (start == std::string::npos)
            break;
        std::size_t end = line.find_first_of(" \t\n", start);
        if (end == std::string::npos)
            end = line.size();
        std::string word = line.substr(start, end - start);
        if (word.starts_with("console="))
            has_console = true;
        if (word.starts_with("root=/dev/")) {
            std::string vdev = word.substr(10);
            for (const auto& disk : disks) {
                if (disk.vdev == vdev && !disk.guest_device.empty()) {
                    notices.push_back(fmt::format("root=/dev/{} is disk '{}', which the guest sees as {}: root={}",
                                                  vdev, disk.target, disk.guest_device, disk.guest_device));
                    word = "root=" + disk.guest_device;
                    break;
                }
            }
            if (word.substr(5) == "/dev/" + vdev && XenVdev::parse(vdev))
                warnings.push_back(fmt::format("root=/dev/{} names no disk= vdev: left as written", vdev));
        }
        rewritten += word;
        at = end;
    }
    if (!has_console) {
        if (!rewritten.empty() && rewritten.back() != ' ')
            rewritten += ' ';
        rewritten += "console=ttyS0";
        notices.push_back("kernel command line: console=ttyS0 added so the boot shows on the guest console");
    }
    return rewritten;
}

}  // namespace nimbus
