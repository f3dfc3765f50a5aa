// create_domain: validate a domain config against the host, then start its monitor.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "base/error.hpp"
#include "config/domain_config.hpp"

namespace nimbus::control {

enum class StartState { Running, Paused };

struct CreatedDomain final {
    std::uint32_t id = 0;
    pid_t monitor_pid = 0;
    std::string cmdline_additions;  // what this host's KVM needed on the guest command line
};

// Checks everything before anything is started: the name (valid, not taken by a live domain),
// the kernel, ramdisk and disk files (exist; readable, disks writable unless read-only), the
// numbers, and that MemAvailable covers the guest's memory. Then reserves the name and starts
// the monitor. On any error nothing is left behind.
Result<CreatedDomain> create_domain(const DomainConfig& domain, StartState start);

// Host checks alone (for create -n and tests): the first problem found, in one line.
Result<void> check_domain_against_host(const DomainConfig& domain);

}  // namespace nimbus::control
