// Fatal vCPU exit descriptions.
#include "vmm/vcpu_exit.hpp"

#include <fmt/format.h>

namespace nimbus {

std::string exit_reason_name(std::uint32_t exit_reason)
{
    switch (exit_reason) {
    case KVM_EXIT_UNKNOWN: return "KVM_EXIT_UNKNOWN";
    case KVM_EXIT_EXCEPTION: return "KVM_EXIT_EXCEPTION";
    case KVM_EXIT_IO: return "KVM_EXIT_IO";
    case KVM_EXIT_HYPERCALL: return "KVM_EXIT_HYPERCALL";
    case KVM_EXIT_DEBUG: return "KVM_EXIT_DEBUG";
    case KVM_EXIT_HLT: return "KVM_EXIT_HLT";
    case KVM_EXIT_MMIO: return "KVM_EXIT_MMIO";
    case KVM_EXIT_SHUTDOWN: return "KVM_EXIT_SHUTDOWN";
    case KVM_EXIT_FAIL_ENTRY: return "KVM_EXIT_FAIL_ENTRY";
    case KVM_EXIT_INTR: return "KVM_EXIT_INTR";
    case KVM_EXIT_INTERNAL_ERROR: return "KVM_EXIT_INTERNAL_ERROR";
    case KVM_EXIT_SYSTEM_EVENT: return "KVM_EXIT_SYSTEM_EVENT";
    default: return fmt::format("exit reason {}", exit_reason);
    }
}

namespace {
std::string internal_error_detail(const kvm_run& run)
{
    switch (run.internal.suberror) {
    case KVM_INTERNAL_ERROR_EMULATION: return "suberror 1: instruction emulation failed";
    case KVM_INTERNAL_ERROR_SIMUL_EX: return "suberror 2: exception while delivering an exception";
    case KVM_INTERNAL_ERROR_DELIVERY_EV: return "suberror 3: exception during event delivery";
    default: return fmt::format("suberror {}", run.internal.suberror);
    }
}
}  // namespace

std::string describe_fatal_exit(const kvm_run& run, std::uint32_t vcpu_id, std::optional<std::uint64_t> rip,
                                std::span<const std::uint8_t> instruction)
{
    std::string text = fmt::format("vCPU {} stopped: {}", vcpu_id, exit_reason_name(run.exit_reason));
    if (run.exit_reason == KVM_EXIT_INTERNAL_ERROR)
        text += fmt::format(" ({})", internal_error_detail(run));
    else if (run.exit_reason == KVM_EXIT_FAIL_ENTRY)
        text += fmt::format(" (hardware entry failure reason {:#x})", run.fail_entry.hardware_entry_failure_reason);
    if (rip)
        text += fmt::format(" at RIP {:#x}", *rip);
    if (!instruction.empty())
        text += fmt::format(", instruction bytes {:02x}", fmt::join(instruction, " "));
    return text;
}

}  // namespace nimbus
