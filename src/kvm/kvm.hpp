// Kvm: the /dev/kvm system fd — API version, capabilities, supported CPUID, VM creation.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <vector>

#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "kvm/vm_fd.hpp"

namespace nimbus {

class Kvm final {
public:
    static Result<Kvm> open(const char* path = "/dev/kvm");

    int check_extension(long capability) const;
    Result<std::vector<kvm_cpuid_entry2>> supported_cpuid() const;
    Result<std::size_t> vcpu_mmap_size() const;
    Result<VmFd> create_vm() const;
    int fd() const { return m_fd.get(); }

private:
    explicit Kvm(UniqueFd fd) : m_fd(std::move(fd)) {}
    UniqueFd m_fd;
};

}  // namespace nimbus
