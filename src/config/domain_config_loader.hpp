// load_domain_config: an xl.cfg file (plus xl-style KEY=VALUE overrides) to a validated DomainConfig.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "config/domain_config.hpp"

namespace nimbus {

struct LoadedConfig final {
    DomainConfig config;
    std::vector<std::string> warnings;  // "guest.cfg:7: unknown key 'foo' ignored" ...
    std::vector<std::string> notices;   // "type=pv: booted by direct kernel boot under KVM" ...
};

// Reads and parses `path`, applies `overrides` ("memory=1024", as xl's trailing arguments: each
// one parsed as a line appended to the file), resolves relative paths against the file's folder,
// maps disk vdevs to guest devices and builds the kernel command line. Errors name file, line,
// column and field. Does not check that kernel/disk files exist (create does that).
Result<LoadedConfig> load_domain_config(const std::string& path, std::span<const std::string> overrides);

}  // namespace nimbus
