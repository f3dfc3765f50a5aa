// create_domain: host checks, ID choice, and the monitor launch.
#include "control/domain_creator.hpp"

#include <unistd.h>

#include <algorithm>

#include "control/client.hpp"
#include "control/host_memory.hpp"
#include "control/monitor.hpp"
#include "control/registry.hpp"
#include "control/state_dir.hpp"
#include "control/vm_config_from_domain.hpp"
#include "kvm/host_quirks.hpp"

namespace nimbus::control {

namespace {
constexpr std::uint32_t MAX_DOMAIN_VCPUS = 254;  // what the VMM's MP table and APIC ids allow

Result<void> check_file(const std::string& what, const std::string& path, int mode)
{
    if (path.empty())
        return fail(what, "no file given");
    if (::access(path.c_str(), mode) != 0)
        return fail_errno(fmt::format("{} {}", what, path));
    return {};
}

// xl numbers domains from 1 (0 is dom0); the lowest number no live domain has.
std::uint32_t choose_id()
{
    std::vector<std::uint32_t> taken;
    for (const std::string& name : live_domains()) {
        auto client = Client::connect(name);
        if (!client)
            continue;
        if (auto info = client->call("info", nlohmann::json::object(), 2000); info && (*info)["id"].is_number())
            taken.push_back((*info)["id"].get<std::uint32_t>());
    }
    std::uint32_t id = 1;
    while (std::find(taken.begin(), taken.end(), id) != taken.end())
        ++id;
    return id;
}
}  // namespace

Result<void> check_domain_against_host(const DomainConfig& domain)
{
    if (std::string problem = check_domain_name(domain.name); !problem.empty())
        return fail("name", "{}", problem);
    TRY(check_file("kernel", domain.kernel, R_OK));
    if (!domain.ramdisk.empty())
        TRY(check_file("ramdisk", domain.ramdisk, R_OK));
    for (const DiskConfig& disk : domain.disks) {
        bool writable = disk.access == DiskAccess::ReadWrite && !disk.cdrom;
        TRY(check_file(fmt::format("disk {}", disk.vdev), disk.target, writable ? R_OK | W_OK : R_OK));
    }
    std::string where = domain.config_path.empty() ? std::string("domain") : domain.config_path;
    if (domain.memory_mib == 0)
        return fail(where, "memory must be at least 1 (MiB)");
    auto memory = TRY(read_host_memory());
    if (domain.memory_mib > memory.available_mib)
        return fail(where, "memory = {} MiB, but the host has {} MiB available", domain.memory_mib,
                    memory.available_mib);
    if (domain.vcpus == 0 || domain.vcpus > MAX_DOMAIN_VCPUS)
        return fail(where, "vcpus = {}: must be between 1 and {}", domain.vcpus, MAX_DOMAIN_VCPUS);
    // The VMM's own limits, in its words, as a last check.
    if (std::string problem = validate_vm_config(vm_config_from_domain(domain)); !problem.empty())
        return fail(where, "{}", problem);
    auto names = live_domains();
    if (std::find(names.begin(), names.end(), domain.name) != names.end())
        return fail(fmt::format("create domain '{}'", domain.name), "a domain with that name already exists");
    return {};
}

Result<CreatedDomain> create_domain(const DomainConfig& domain, StartState start)
{
    TRY(check_domain_against_host(domain));
    auto reservation = TRY(reserve_domain(domain.name));  // the atomic check: two creates race here
    MonitorSettings settings;
    settings.domain = domain;
    settings.vm = vm_config_from_domain(domain);
    CreatedDomain created;
    created.cmdline_additions = guest_cmdline_additions(detect_host_quirks());
    if (!created.cmdline_additions.empty())
        settings.vm.cmdline += (settings.vm.cmdline.empty() ? "" : " ") + created.cmdline_additions;
    settings.id = created.id = choose_id();
    settings.start_paused = start == StartState::Paused;
    created.monitor_pid = TRY(launch_monitor(settings, std::move(reservation)));
    return created;
}

}  // namespace nimbus::control
