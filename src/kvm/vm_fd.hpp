// VmFd: a KVM VM — memory slots, in-kernel irqchip and PIT, irqfd/ioeventfd, vCPU creation.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <optional>

#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "kvm/vcpu_fd.hpp"

namespace nimbus {

class VmFd final {
public:
    explicit VmFd(UniqueFd fd) : m_fd(std::move(fd)) {}

    Result<void> set_user_memory_region(std::uint32_t slot, std::uint64_t guest_address, std::uint64_t size,
                                        void* host_address) const;
    Result<void> set_tss_address(std::uint64_t address) const;
    Result<void> set_identity_map_address(std::uint64_t address) const;
    Result<void> create_irqchip() const;
    Result<void> create_pit2() const;
    Result<void> irq_line(std::uint32_t irq, bool level) const;
    Result<void> register_irqfd(int event_fd, std::uint32_t gsi) const;
    // With `datamatch`, only writes of exactly that value signal the eventfd (the others exit to us).
    Result<void> register_ioeventfd(int event_fd, std::uint64_t address, std::uint32_t length, bool pio,
                                    std::optional<std::uint64_t> datamatch = std::nullopt) const;
    Result<VcpuFd> create_vcpu(std::uint32_t id, std::size_t run_mmap_size) const;
    int check_extension(long capability) const;
    int fd() const { return m_fd.get(); }

private:
    UniqueFd m_fd;
};

}  // namespace nimbus
