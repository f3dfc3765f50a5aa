// Vm: owns guest memory, the KVM VM, buses, devices and vCPU threads; runs a guest to its end.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "devices/vm_control.hpp"
#include "kvm/kvm.hpp"
#include "memory/guest_memory.hpp"
#include "vmm/bus.hpp"
#include "vmm/event_loop.hpp"
#include "vmm/vcpu_thread.hpp"
#include "vmm/vm_config.hpp"

namespace nimbus {

class AcpiGed;
class Serial8250;
class InterruptLine;
class VirtioDevices;

class Vm final : public VmControl {
public:
    // Loads the kernel (files are checked before /dev/kvm is opened), then builds the machine.
    static Result<std::unique_ptr<Vm>> create(const VmConfig& config);
    ~Vm() override;

    // Where the console's bytes go: the UART's and hvc0's output, from vCPU and event-loop threads.
    // It must never block for long (the vCPU that wrote the byte waits for it).
    using OutputSink = std::function<void(std::span<const std::uint8_t>)>;

    // Runs until the guest powers off, resets or fails; the UART is wired to (input_fd, output_fd).
    Result<VmExitReason> run(int input_fd, int output_fd, bool escape_enabled);
    // The same with the output going to `output` (e.g. a ConsolePty) instead of an fd.
    Result<VmExitReason> run(int input_fd, OutputSink output, bool escape_enabled);
    void request_exit(VmExitReason reason) override;
    // Presses the ACPI power button (the DSDT's PNP0C0C behind the GED): a guest with ACPI sees
    // KEY_POWER; the event stays pending until the guest acknowledges it. Any thread.
    void press_power_button();

    // Freezes every vCPU and returns once all have stopped; any thread. Before run() it makes the
    // guest start paused. Device work already queued on the event loop still completes.
    void pause();
    // Lets every vCPU continue exactly where it stopped; any thread.
    void resume();
    bool paused() const { return m_paused.load(); }
    std::uint32_t vcpu_count() const { return static_cast<std::uint32_t>(m_vcpus.size()); }
    std::uint64_t memory_size() const { return m_memory.size(); }
    // CPU time all vCPU threads have used, in nanoseconds (xl list's Time(s)).
    std::uint64_t vcpu_time_ns() const;

private:
    Vm(GuestMemory memory, Kvm kvm, VmFd vm, EventLoop loop);
    Result<void> set_up_memory();
    Result<void> set_up_devices();
    Result<void> set_up_vcpus(std::uint32_t count, std::uint64_t entry, std::uint64_t zero_page);
    Result<void> set_up_virtio(const VirtioDeviceRequests& requests, const std::string& cmdline, std::uint32_t vcpus);
    // The console output both the UART and hvc0 write to; any thread.
    void write_output(std::span<const std::uint8_t> bytes);

    GuestMemory m_memory;
    Kvm m_kvm;
    VmFd m_vm;
    EventLoop m_loop;
    Bus m_pio_bus{"pio"};
    Bus m_mmio_bus{"mmio"};
    std::unique_ptr<InterruptLine> m_serial_irq;
    std::shared_ptr<Serial8250> m_serial;
    std::shared_ptr<AcpiGed> m_ged;
    OutputSink m_output;  // set before the vCPUs start, cleared after they are joined
    std::unique_ptr<VirtioDevices> m_virtio;
    bool m_input_to_hvc0 = false;  // terminal input goes to the virtio console, not the UART
    std::vector<std::unique_ptr<VcpuThread>> m_vcpus;
    std::atomic<int> m_exit_reason{-1};
    std::atomic<bool> m_paused{false};
};

}  // namespace nimbus
