// VcpuThread: one thread running KVM_RUN for one vCPU and dispatching its PIO/MMIO exits.
#pragma once

#include <atomic>
#include <thread>

#include "devices/vm_control.hpp"
#include "kvm/vcpu_fd.hpp"
#include "memory/guest_memory.hpp"
#include "vmm/bus.hpp"

namespace nimbus {

class VcpuThread final {
public:
    VcpuThread(VcpuFd vcpu, Bus& pio_bus, Bus& mmio_bus, const GuestMemory& memory, VmControl& control);
    ~VcpuThread();
    VcpuThread(const VcpuThread&) = delete;
    VcpuThread& operator=(const VcpuThread&) = delete;

    void start();
    // Makes KVM_RUN return soon: immediate_exit plus a signal, so a vCPU inside the kernel leaves too.
    void kick();
    void join();

    // The signal used for kicks; its handler is installed once per process.
    static void install_kick_handler();

private:
    void run_loop();
    // Returns false when the vCPU must stop.
    bool handle_exit();
    void report_fatal_exit();

    VcpuFd m_vcpu;
    Bus& m_pio_bus;
    Bus& m_mmio_bus;
    const GuestMemory& m_memory;
    VmControl& m_control;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
};

}  // namespace nimbus
