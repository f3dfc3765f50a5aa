// VcpuThread: one thread running KVM_RUN for one vCPU and dispatching its PIO/MMIO exits.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "devices/vm_control.hpp"
#include "kvm/vcpu_fd.hpp"
#include "memory/guest_memory.hpp"
#include "vmm/bus.hpp"

namespace nimbus {

// The vCPU loop's explicit states. Running -> Paused -> Running ... -> Finished (final).
enum class VcpuState { Running, Paused, Finished };

class VcpuThread final {
public:
    VcpuThread(VcpuFd vcpu, Bus& pio_bus, Bus& mmio_bus, const GuestMemory& memory, VmControl& control);
    ~VcpuThread();
    VcpuThread(const VcpuThread&) = delete;
    VcpuThread& operator=(const VcpuThread&) = delete;

    void start();
    // Asks the thread to finish: immediate_exit plus a signal, so a vCPU inside KVM_RUN leaves too.
    void kick();
    void join();
    // Stops the vCPU between two KVM_RUNs and returns once it is Paused (or Finished). A pending
    // PIO/MMIO completion stays with KVM and is finished by the next KVM_RUN, so resume()
    // continues the guest exactly where it stood.
    void pause();
    void resume();
    VcpuState state() const;
    // CPU time this vCPU's thread has used, in nanoseconds (kept after the thread ends).
    std::uint64_t cpu_time_ns() const;

    // The signal used for kicks; its handler is installed once per process.
    static void install_kick_handler();

private:
    enum class Request { Run, Pause, Stop };
    void run_loop();
    // Waits while a pause is requested; returns false when the thread must finish.
    bool wait_until_runnable();
    void interrupt_run();
    // Returns false when the vCPU must stop.
    bool handle_exit();
    void report_fatal_exit();
    std::uint64_t thread_cpu_time_ns() const;

    VcpuFd m_vcpu;
    Bus& m_pio_bus;
    Bus& m_mmio_bus;
    const GuestMemory& m_memory;
    VmControl& m_control;
    std::thread m_thread;
    mutable std::mutex m_mutex;  // guards m_request, m_state, m_final_cpu_ns
    std::condition_variable m_changed;
    Request m_request = Request::Run;
    VcpuState m_state = VcpuState::Paused;  // not started yet
    std::uint64_t m_final_cpu_ns = 0;
    std::atomic<bool> m_started{false};
};

}  // namespace nimbus
