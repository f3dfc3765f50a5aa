// Host quirks: recognise this project's nested, instruction-emulating KVM and what a guest needs there.
#pragma once

#include <string>

namespace nimbus {

struct HostQuirks final {
    // /sys/module/kvm_pvm exists: guests run by instruction emulation, some instructions fail.
    bool emulated_kvm = false;
};

// `sysfs_root` is "/sys" except in tests.
HostQuirks detect_host_quirks(const std::string& sysfs_root = "/sys");

// Kernel command-line words a Linux guest needs on this host (empty on a normal KVM host).
std::string guest_cmdline_additions(const HostQuirks& quirks);

}  // namespace nimbus
