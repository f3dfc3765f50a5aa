// `nimbus info`: uname, CPUs, memory, and what this host's KVM offers.
#include "cli/info_command.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <fmt/format.h>

#include <initializer_list>
#include <utility>

#include "control/host_memory.hpp"
#include "control/registry.hpp"
#include "kvm/host_quirks.hpp"
#include "kvm/kvm.hpp"

namespace nimbus::cli {

namespace {
void field(std::string_view key, const std::string& value)
{
    fmt::print("{:<23}: {}\n", key, value);
}

int info()
{
    utsname host{};
    ::uname(&host);
    field("host", host.nodename);
    field("release", host.release);
    field("version", host.version);
    field("machine", host.machine);
    field("nr_cpus", std::to_string(::sysconf(_SC_NPROCESSORS_ONLN)));
    if (auto memory = control::read_host_memory()) {
        field("total_memory", std::to_string(memory->total_mib));
        field("free_memory", std::to_string(memory->available_mib));
    } else {
        field("total_memory", memory.error().message());
    }
    field("nr_domains", std::to_string(control::live_domains().size()));
    auto kvm = Kvm::open();
    if (!kvm) {
        field("kvm", kvm.error().message());
    } else {
        field("kvm_api_version", std::to_string(KVM_API_VERSION));
        field("kvm_max_vcpus", std::to_string(kvm->check_extension(KVM_CAP_MAX_VCPUS)));
        std::string capabilities;
        for (auto [name, capability] : std::initializer_list<std::pair<const char*, long>>{
                 {"irqchip", KVM_CAP_IRQCHIP},        {"irqfd", KVM_CAP_IRQFD},
                 {"ioeventfd", KVM_CAP_IOEVENTFD},    {"immediate_exit", KVM_CAP_IMMEDIATE_EXIT},
                 {"split_irqchip", KVM_CAP_SPLIT_IRQCHIP}, {"signal_msi", KVM_CAP_SIGNAL_MSI},
                 {"dirty_log_ring", KVM_CAP_DIRTY_LOG_RING}, {"xen_hvm", KVM_CAP_XEN_HVM},
                 {"nested_state", KVM_CAP_NESTED_STATE}, {"tsc_control", KVM_CAP_TSC_CONTROL}}) {
            if (kvm->check_extension(capability) > 0)
                capabilities += (capabilities.empty() ? "" : " ") + std::string(name);
        }
        field("kvm_capabilities", capabilities);
        field("kvm_emulated", detect_host_quirks().emulated_kvm ? "yes (kvm_pvm: instruction emulation)" : "no");
    }
    field("nimbus_version", NIMBUS_VERSION);
    field("xen_caps", "none (KVM; pv/hvm/pvh guests boot by direct kernel boot)");
    return 0;
}
}  // namespace

void add_info_command(CLI::App& app, int& status)
{
    CLI::App* command = app.add_subcommand("info", "Host facts: CPUs, memory, KVM capabilities, version");
    command->callback([&status] { status = info(); });
}

}  // namespace nimbus::cli
