// Kvm: system ioctls.
#include "kvm/kvm.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>

#include "kvm/kvm_array.hpp"

namespace nimbus {

Result<Kvm> Kvm::open(const char* path)
{
    int fd = ::open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return fail_errno(fmt::format("open {}", path));
    Kvm kvm{UniqueFd(fd)};
    int version = ::ioctl(fd, KVM_GET_API_VERSION, 0);
    if (version != KVM_API_VERSION)
        return fail(path, "KVM API version {} is not the expected {}", version, KVM_API_VERSION);
    return kvm;
}

int Kvm::check_extension(long capability) const
{
    int result = ::ioctl(m_fd.get(), KVM_CHECK_EXTENSION, capability);
    return result < 0 ? 0 : result;
}

Result<std::vector<kvm_cpuid_entry2>> Kvm::supported_cpuid() const
{
    // KVM fails with E2BIG until the buffer is large enough.
    for (std::uint32_t capacity = 128; capacity <= 4096; capacity *= 2) {
        KvmArray<kvm_cpuid_entry2> cpuid(capacity);
        if (::ioctl(m_fd.get(), IOCTL_GET_SUPPORTED_CPUID, cpuid.data()) == 0) {
            auto entries = cpuid.entries();
            return std::vector<kvm_cpuid_entry2>(entries.begin(), entries.end());
        }
        if (errno != E2BIG)
            return fail_errno("KVM_GET_SUPPORTED_CPUID");
    }
    return fail("KVM_GET_SUPPORTED_CPUID", "more than 4096 entries");
}

Result<std::size_t> Kvm::vcpu_mmap_size() const
{
    int size = ::ioctl(m_fd.get(), KVM_GET_VCPU_MMAP_SIZE, 0);
    if (size <= 0)
        return fail_errno("KVM_GET_VCPU_MMAP_SIZE");
    return static_cast<std::size_t>(size);
}

Result<VmFd> Kvm::create_vm() const
{
    int fd = ::ioctl(m_fd.get(), KVM_CREATE_VM, 0);
    if (fd < 0)
        return fail_errno("KVM_CREATE_VM");
    return VmFd(UniqueFd(fd));
}

}  // namespace nimbus
