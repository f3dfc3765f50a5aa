// IrqFdLine: an InterruptLine that signals an eventfd registered with KVM_IRQFD for one GSI.
#pragma once

#include <cstdint>

#include "base/event_fd.hpp"
#include "devices/interrupt_line.hpp"
#include "kvm/vm_fd.hpp"

namespace nimbus {

class IrqFdLine final : public InterruptLine {
public:
    static Result<std::unique_ptr<IrqFdLine>> create(const VmFd& vm, std::uint32_t gsi)
    {
        auto event = TRY(EventFd::create());
        TRY(vm.register_irqfd(event.fd(), gsi));
        return std::unique_ptr<IrqFdLine>(new IrqFdLine(std::move(event)));
    }
    void trigger() override { (void)m_event.signal(); }

private:
    explicit IrqFdLine(EventFd event) : m_event(std::move(event)) {}
    EventFd m_event;
};

}  // namespace nimbus
