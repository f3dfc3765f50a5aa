// VcpuFd: vCPU ioctls.
#include "kvm/vcpu_fd.hpp"

#include <sys/ioctl.h>

#include <cstring>
#include "kvm/kvm_array.hpp"

namespace nimbus {

Result<VcpuFd> VcpuFd::create(UniqueFd fd, std::uint32_t id, std::size_t run_mmap_size)
{
    auto run = TRY(MappedRegion::of_file(fd.get(), run_mmap_size, 0, true));
    return VcpuFd(std::move(fd), id, std::move(run));
}

Result<void> VcpuFd::run() const
{
    if (::ioctl(m_fd.get(), KVM_RUN, 0) < 0) {
        if (errno == EINTR || errno == EAGAIN) {
            run_state().exit_reason = KVM_EXIT_INTR;
            return {};
        }
        return fail_errno(fmt::format("KVM_RUN on vCPU {}", m_id));
    }
    return {};
}

Result<kvm_regs> VcpuFd::regs() const
{
    kvm_regs regs{};
    if (::ioctl(m_fd.get(), KVM_GET_REGS, &regs) < 0)
        return fail_errno("KVM_GET_REGS");
    return regs;
}

Result<void> VcpuFd::set_regs(const kvm_regs& regs) const
{
    if (::ioctl(m_fd.get(), KVM_SET_REGS, &regs) < 0)
        return fail_errno("KVM_SET_REGS");
    return {};
}

Result<kvm_sregs> VcpuFd::sregs() const
{
    kvm_sregs sregs{};
    if (::ioctl(m_fd.get(), KVM_GET_SREGS, &sregs) < 0)
        return fail_errno("KVM_GET_SREGS");
    return sregs;
}

Result<void> VcpuFd::set_sregs(const kvm_sregs& sregs) const
{
    if (::ioctl(m_fd.get(), KVM_SET_SREGS, &sregs) < 0)
        return fail_errno("KVM_SET_SREGS");
    return {};
}

Result<void> VcpuFd::set_fpu(const kvm_fpu& fpu) const
{
    if (::ioctl(m_fd.get(), KVM_SET_FPU, &fpu) < 0)
        return fail_errno("KVM_SET_FPU");
    return {};
}

Result<void> VcpuFd::set_cpuid(std::span<const kvm_cpuid_entry2> entries) const
{
    KvmArray<kvm_cpuid_entry2> cpuid(entries);
    if (::ioctl(m_fd.get(), IOCTL_SET_CPUID2, cpuid.data()) < 0)
        return fail_errno("KVM_SET_CPUID2");
    return {};
}

Result<void> VcpuFd::set_msrs(std::span<const kvm_msr_entry> entries) const
{
    KvmArray<kvm_msr_entry> msrs(entries);
    int written = ::ioctl(m_fd.get(), IOCTL_SET_MSRS, msrs.data());
    if (written < 0)
        return fail_errno("KVM_SET_MSRS");
    if (static_cast<std::size_t>(written) != entries.size())
        return fail("KVM_SET_MSRS", "KVM accepted {} of {} MSRs (MSR {:#x} refused)", written, entries.size(),
                    entries[static_cast<std::size_t>(written)].index);
    return {};
}

// LINT0 as ExtINT and LINT1 as NMI, as a PC BIOS leaves them, so the PIC's interrupts reach CPU 0.
Result<void> VcpuFd::set_lapic_lint_modes() const
{
    kvm_lapic_state lapic{};
    if (::ioctl(m_fd.get(), KVM_GET_LAPIC, &lapic) < 0)
        return fail_errno("KVM_GET_LAPIC");
    constexpr std::size_t LVT_LINT0 = 0x350;
    constexpr std::size_t LVT_LINT1 = 0x360;
    constexpr std::uint32_t DELIVERY_MODE_MASK = 0x700;
    constexpr std::uint32_t EXTINT = 0x700;
    constexpr std::uint32_t NMI = 0x400;
    auto update = [&](std::size_t offset, std::uint32_t mode) {
        std::uint32_t value;
        std::memcpy(&value, lapic.regs + offset, sizeof value);
        value = (value & ~DELIVERY_MODE_MASK) | mode;
        std::memcpy(lapic.regs + offset, &value, sizeof value);
    };
    update(LVT_LINT0, EXTINT);
    update(LVT_LINT1, NMI);
    if (::ioctl(m_fd.get(), KVM_SET_LAPIC, &lapic) < 0)
        return fail_errno("KVM_SET_LAPIC");
    return {};
}

Result<std::uint64_t> VcpuFd::translate(std::uint64_t linear_address) const
{
    kvm_translation translation{};
    translation.linear_address = linear_address;
    if (::ioctl(m_fd.get(), KVM_TRANSLATE, &translation) < 0)
        return fail_errno("KVM_TRANSLATE");
    if (!translation.valid)
        return fail("KVM_TRANSLATE", "address {:#x} is not mapped", linear_address);
    return translation.physical_address;
}

}  // namespace nimbus
