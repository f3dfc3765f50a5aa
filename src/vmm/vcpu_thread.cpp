// VcpuThread: the KVM_RUN loop.
#include "vmm/vcpu_thread.hpp"

#include <pthread.h>

#include <array>
#include <csignal>
#include <cstring>
#include <ctime>

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
    {
        std::lock_guard lock(m_mutex);
        m_state = VcpuState::Running;
    }
    m_started.store(true);
    m_thread = std::thread([this] { run_loop(); });
}

void VcpuThread::interrupt_run()
{
    // At this point the thread may be entering KVM_RUN: immediate_exit catches that case, the
    // signal the case where it is already inside. Set after m_request, cleared only by the
    // thread itself under m_mutex once it has seen m_request == Run.
    __atomic_store_n(&m_vcpu.run_state().immediate_exit, 1, __ATOMIC_SEQ_CST);
    if (m_thread.joinable())
        ::pthread_kill(m_thread.native_handle(), KICK_SIGNAL);
}

void VcpuThread::kick()
{
    {
        std::lock_guard lock(m_mutex);
        m_request = Request::Stop;
    }
    m_changed.notify_all();
    interrupt_run();
}

void VcpuThread::join()
{
    if (m_thread.joinable())
        m_thread.join();
}

void VcpuThread::pause()
{
    std::unique_lock lock(m_mutex);
    if (m_request != Request::Run)
        return;
    m_request = Request::Pause;
    lock.unlock();
    interrupt_run();
    lock.lock();
    if (m_started.load())
        m_changed.wait(lock, [this] { return m_state != VcpuState::Running; });
}

void VcpuThread::resume()
{
    {
        std::lock_guard lock(m_mutex);
        if (m_request != Request::Pause)
            return;
        m_request = Request::Run;
    }
    m_changed.notify_all();
}

VcpuState VcpuThread::state() const
{
    std::lock_guard lock(m_mutex);
    return m_state;
}

std::uint64_t VcpuThread::thread_cpu_time_ns() const
{
    clockid_t clock{};
    timespec now{};
    if (!m_thread.joinable() || ::pthread_getcpuclockid(const_cast<std::thread&>(m_thread).native_handle(), &clock) != 0 ||
        ::clock_gettime(clock, &now) != 0)
        return 0;
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(now.tv_nsec);
}

std::uint64_t VcpuThread::cpu_time_ns() const
{
    std::lock_guard lock(m_mutex);
    // Finished: the thread may be gone, its clock with it; the final figure was kept.
    if (m_state == VcpuState::Finished || !m_started.load())
        return m_final_cpu_ns;
    return thread_cpu_time_ns();
}

bool VcpuThread::wait_until_runnable()
{
    std::unique_lock lock(m_mutex);
    while (m_request == Request::Pause) {
        if (m_state != VcpuState::Paused) {
            m_state = VcpuState::Paused;
            m_changed.notify_all();
        }
        m_changed.wait(lock);
    }
    if (m_request == Request::Stop)
        return false;
    m_state = VcpuState::Running;
    __atomic_store_n(&m_vcpu.run_state().immediate_exit, 0, __ATOMIC_SEQ_CST);
    return true;
}

void VcpuThread::run_loop()
{
    while (wait_until_runnable()) {
        if (auto result = m_vcpu.run(); !result) {
            log::error("{}", result.error().message());
            m_control.request_exit(VmExitReason::Error);
            break;
        }
        if (!handle_exit())
            break;
    }
    timespec now{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    std::lock_guard lock(m_mutex);
    m_final_cpu_ns = static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(now.tv_nsec);
    m_state = VcpuState::Finished;
    m_changed.notify_all();
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
        return true;  // a kick: wait_until_runnable decides
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
