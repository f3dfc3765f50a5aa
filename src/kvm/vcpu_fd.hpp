// VcpuFd: one KVM vCPU fd and its shared kvm_run page.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <span>

#include "base/error.hpp"
#include "base/mapped_region.hpp"
#include "base/unique_fd.hpp"

namespace nimbus {

class VcpuFd final {
public:
    static Result<VcpuFd> create(UniqueFd fd, std::uint32_t id, std::size_t run_mmap_size);

    // KVM_RUN; EINTR (a kick) is reported as success with exit_reason KVM_EXIT_INTR.
    Result<void> run() const;
    kvm_run& run_state() const { return *reinterpret_cast<kvm_run*>(m_run.data()); }

    Result<kvm_regs> regs() const;
    Result<void> set_regs(const kvm_regs&) const;
    Result<kvm_sregs> sregs() const;
    Result<void> set_sregs(const kvm_sregs&) const;
    Result<void> set_fpu(const kvm_fpu&) const;
    Result<void> set_cpuid(std::span<const kvm_cpuid_entry2> entries) const;
    Result<void> set_msrs(std::span<const kvm_msr_entry> entries) const;
    Result<void> set_lapic_lint_modes() const;
    // Guest-virtual to guest-physical through the vCPU's current page tables.
    Result<std::uint64_t> translate(std::uint64_t linear_address) const;
    std::uint32_t id() const { return m_id; }

private:
    VcpuFd(UniqueFd fd, std::uint32_t id, MappedRegion run) : m_fd(std::move(fd)), m_id(id), m_run(std::move(run)) {}

    UniqueFd m_fd;
    std::uint32_t m_id;
    MappedRegion m_run;
};

}  // namespace nimbus
