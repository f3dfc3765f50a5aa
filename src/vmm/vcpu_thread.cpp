// VcpuThread: the KVM_RUN loop.
#include "vmm/vcpu_thread.hpp"

#include <pthread.h>

#include <array>
#include <csignal>
#include <cstring>

#include "base/log.hpp"
#include "vmm/vcpu_exit.hpp"

namespace nimbus {

namespace {
constexpr int KICK_SIGNAL = SIGUSR1;
void ignore_kick(int) {}
}  // namespace

void VcpuThread::install_kick_handler()
{
    struct sigaction action{};
    action.sa_handler = ignore_kick;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: KVM_RUN must return EINTR
    ::sigaction(KICK_SIGNAL, &action, nullptr);
}

VcpuThread::VcpuThread(VcpuFd vcpu, Bus& pio_bus, Bus& mmio_bus, const GuestMemory& memory, VmControl& control)
    : m_vcpu(std::move(vcpu)), m_pio_bus(pio_bus), m_mmio_bus(mmio_bus), m_memory(memory), m_control(control)
{
}

VcpuThread::~VcpuThread()
{
    kick();
    join();
}

void VcpuThread::start()
{
    m_thread = std::thread([this] { run_loop(); });
}

void VcpuThread::kick()
{
    m_stop.store(true);
    // At this point the thread may be entering KVM_RUN: immediate_exit catches that case, the
    // signal the case where it is already inside.
    __atomic_store_n(&m_vcpu.run_state().immediate_exit, 1, __ATOMIC_SEQ_CST);
    if (m_thread.joinable())
        ::pthread_kill(m_thread.native_handle(), KICK_SIGNAL);
}

void VcpuThread::join()
{
    if (m_thread.joinable())
        m_thread.join();
}

void VcpuThread::run_loop()
{
    while (!m_stop.load()) {
        if (auto result = m_vcpu.run(); !result) {
            log::error("{}", result.error().message());
            m_control.request_exit(VmExitReason::Error);
            return;
        }
        if (!handle_exit())
            return;
    }
}

bool VcpuThread::handle_exit()
{
    kvm_run& run = m_vcpu.run_state();
    switch (run.exit_reason) {
    case KVM_EXIT_IO: {
        auto* data = reinterpret_cast<std::uint8_t*>(&run) + run.io.data_offset;
        for (std::uint32_t i = 0; i < run.io.count; ++i, data += run.io.size) {
            std::span<std::uint8_t> bytes(data, run.io.size);
            if (run.io.direction == KVM_EXIT_IO_OUT)
                m_pio_bus.write(run.io.port, bytes);
            else
                m_pio_bus.read(run.io.port, bytes);
        }
        return true;
    }
    case KVM_EXIT_MMIO: {
        std::span<std::uint8_t> bytes(run.mmio.data, std::min<std::uint32_t>(run.mmio.len, sizeof run.mmio.data));
        if (run.mmio.is_write)
            m_mmio_bus.write(run.mmio.phys_addr, bytes);
        else
            m_mmio_bus.read(run.mmio.phys_addr, bytes);
        return true;
    }
    case KVM_EXIT_INTR:
        return true;  // a kick: the loop condition decides
    case KVM_EXIT_SHUTDOWN:
        // A triple fault: what `reboot=t` does on purpose, and what a PC answers with a reset.
        log::info("vCPU {}: triple fault, resetting", m_vcpu.id());
        m_control.request_exit(VmExitReason::Reset);
        return false;
    case KVM_EXIT_SYSTEM_EVENT:
        switch (run.system_event.type) {
        case KVM_SYSTEM_EVENT_SHUTDOWN: m_control.request_exit(VmExitReason::PowerOff); return false;
        case KVM_SYSTEM_EVENT_RESET: m_control.request_exit(VmExitReason::Reset); return false;
        case KVM_SYSTEM_EVENT_CRASH: m_control.request_exit(VmExitReason::Crash); return false;
        default: break;
        }
        [[fallthrough]];
    default:
        report_fatal_exit();
        m_control.request_exit(VmExitReason::Error);
        return false;
    }
}

void VcpuThread::report_fatal_exit()
{
    const kvm_run& run = m_vcpu.run_state();
    std::optional<std::uint64_t> rip;
    std::array<std::uint8_t, 15> instruction{};  // 15: the longest x86 instruction
    std::size_t instruction_size = 0;
    if (run.exit_reason == KVM_EXIT_INTERNAL_ERROR && run.internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
        (run.emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) != 0) {
        instruction_size = std::min<std::size_t>(run.emulation_failure.insn_size, instruction.size());
        std::memcpy(instruction.data(), run.emulation_failure.insn_bytes, instruction_size);
    }
    if (auto regs = m_vcpu.regs()) {
        rip = regs->rip;
        // KVM did not give the bytes: read them ourselves through the guest's page tables.
        if (instruction_size == 0) {
            if (auto physical = m_vcpu.translate(regs->rip); physical && m_memory.read(*physical, instruction))
                instruction_size = instruction.size();
        }
    }
    log::error("{}", describe_fatal_exit(run, m_vcpu.id(), rip, std::span(instruction.data(), instruction_size)));
}

}  // namespace nimbus
