// VmFd: VM ioctls.
#include "kvm/vm_fd.hpp"

#include <sys/ioctl.h>

#include <cstring>

namespace nimbus {

Result<void> VmFd::set_user_memory_region(std::uint32_t slot, std::uint64_t guest_address, std::uint64_t size,
                                          void* host_address) const
{
    kvm_userspace_memory_region region{};
    region.slot = slot;
    region.guest_phys_addr = guest_address;
    region.memory_size = size;
    region.userspace_addr = reinterpret_cast<std::uint64_t>(host_address);
    if (::ioctl(m_fd.get(), KVM_SET_USER_MEMORY_REGION, &region) < 0)
        return fail_errno(fmt::format("KVM_SET_USER_MEMORY_REGION slot {} at {:#x}", slot, guest_address));
    return {};
}

Result<void> VmFd::set_tss_address(std::uint64_t address) const
{
    if (::ioctl(m_fd.get(), KVM_SET_TSS_ADDR, address) < 0)
        return fail_errno("KVM_SET_TSS_ADDR");
    return {};
}

Result<void> VmFd::set_identity_map_address(std::uint64_t address) const
{
    if (::ioctl(m_fd.get(), KVM_SET_IDENTITY_MAP_ADDR, &address) < 0)
        return fail_errno("KVM_SET_IDENTITY_MAP_ADDR");
    return {};
}

Result<void> VmFd::create_irqchip() const
{
    if (::ioctl(m_fd.get(), KVM_CREATE_IRQCHIP, 0) < 0)
        return fail_errno("KVM_CREATE_IRQCHIP");
    return {};
}

Result<void> VmFd::create_pit2() const
{
    kvm_pit_config config{};
    config.flags = KVM_PIT_SPEAKER_DUMMY;
    if (::ioctl(m_fd.get(), KVM_CREATE_PIT2, &config) < 0)
        return fail_errno("KVM_CREATE_PIT2");
    return {};
}

Result<void> VmFd::irq_line(std::uint32_t irq, bool level) const
{
    kvm_irq_level request{};
    request.irq = irq;
    request.level = level ? 1 : 0;
    if (::ioctl(m_fd.get(), KVM_IRQ_LINE, &request) < 0)
        return fail_errno(fmt::format("KVM_IRQ_LINE {}", irq));
    return {};
}

Result<void> VmFd::register_irqfd(int event_fd, std::uint32_t gsi) const
{
    kvm_irqfd request{};
    request.fd = static_cast<std::uint32_t>(event_fd);
    request.gsi = gsi;
    if (::ioctl(m_fd.get(), KVM_IRQFD, &request) < 0)
        return fail_errno(fmt::format("KVM_IRQFD gsi {}", gsi));
    return {};
}

Result<void> VmFd::register_ioeventfd(int event_fd, std::uint64_t address, std::uint32_t length, bool pio,
                                      std::optional<std::uint64_t> datamatch) const
{
    kvm_ioeventfd request{};
    request.addr = address;
    request.len = length;
    request.fd = event_fd;
    request.flags = pio ? KVM_IOEVENTFD_FLAG_PIO : 0;
    if (datamatch) {
        request.flags |= KVM_IOEVENTFD_FLAG_DATAMATCH;
        request.datamatch = *datamatch;
    }
    if (::ioctl(m_fd.get(), KVM_IOEVENTFD, &request) < 0)
        return fail_errno(fmt::format("KVM_IOEVENTFD at {:#x}", address));
    return {};
}

Result<VcpuFd> VmFd::create_vcpu(std::uint32_t id, std::size_t run_mmap_size) const
{
    int fd = ::ioctl(m_fd.get(), KVM_CREATE_VCPU, static_cast<unsigned long>(id));
    if (fd < 0)
        return fail_errno(fmt::format("KVM_CREATE_VCPU {}", id));
    return VcpuFd::create(UniqueFd(fd), id, run_mmap_size);
}

int VmFd::check_extension(long capability) const
{
    int result = ::ioctl(m_fd.get(), KVM_CHECK_EXTENSION, capability);
    return result < 0 ? 0 : result;
}

}  // namespace nimbus
