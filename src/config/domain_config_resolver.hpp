// resolve_domain_config: parsed xl.cfg settings to a validated DomainConfig.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "config/domain_config.hpp"
#include "config/xl_config_file.hpp"

namespace nimbus {

// Reads the keys nimbus uses (see xl_key_policy.cpp and docs/config.md), resolves paths against
// `config_folder`, lays out disks, builds the kernel command line. Errors name file:line:col and key.
Result<DomainConfig> resolve_domain_config(const XlConfigFile& file, const std::filesystem::path& config_folder,
                                           std::vector<std::string>& warnings, std::vector<std::string>& notices);

}  // namespace nimbus
