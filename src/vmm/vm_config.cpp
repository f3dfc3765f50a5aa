// VmConfig validation.
#include "vmm/vm_config.hpp"

#include <fmt/format.h>

namespace nimbus {

namespace {
// The MP table and our APIC ids allow 254 processors; KVM's own limit may be lower.
constexpr std::uint32_t MAX_VCPUS = 254;
// 1 TiB: far above what this VMM has been tested with, low enough to catch a typo in units.
constexpr std::uint64_t MAX_MEMORY_MIB = 1u << 20;
}  // namespace

std::string validate_vm_config(const VmConfig& config)
{
    if (config.memory_mib == 0)
        return "--memory must be at least 1 (MiB)";
    if (config.memory_mib > MAX_MEMORY_MIB)
        return fmt::format("--memory {} MiB is more than the {} MiB nimbus allows", config.memory_mib, MAX_MEMORY_MIB);
    if (config.vcpus == 0 || config.vcpus > MAX_VCPUS)
        return fmt::format("--vcpus must be between 1 and {}, not {}", MAX_VCPUS, config.vcpus);
    if (config.kernel.empty())
        return "a kernel is required (--kernel PATH)";
    return {};
}

}  // namespace nimbus
