// Vm: machine construction and the run loop.
#include "vmm/vm.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>
#include <initializer_list>

#include "arch/x86/acpi_tables.hpp"
#include "arch/x86/boot_layout.hpp"
#include "arch/x86/boot_msrs.hpp"
#include "arch/x86/cpuid.hpp"
#include "arch/x86/linux_loader.hpp"
#include "arch/x86/long_mode.hpp"
#include "arch/x86/mptable.hpp"
#include "arch/x86/pc_io_layout.hpp"
#include "base/log.hpp"
#include "devices/legacy/acpi_ged.hpp"
#include "devices/legacy/acpi_sleep_control.hpp"
#include "devices/legacy/cmos_rtc.hpp"
#include "devices/legacy/i8042.hpp"
#include "devices/legacy/serial_8250.hpp"
#include "vmm/irqfd_line.hpp"
#include "vmm/serial_console.hpp"
#include "vmm/virtio_devices.hpp"

namespace nimbus {

namespace {
// KVM on Intel needs three pages for the real-mode TSS and one for the identity map, inside the
// 32-bit MMIO hole where no RAM is (the addresses QEMU and Firecracker use).
constexpr std::uint64_t TSS_ADDRESS = 0xfffb'd000;
constexpr std::uint64_t IDENTITY_MAP_ADDRESS = 0xfffb'c000;
static_assert(Serial8250::PORT_COUNT == x86::COM1_PORT_COUNT);
}  // namespace

Result<std::unique_ptr<Vm>> Vm::create(const VmConfig& config)
{
    auto memory = TRY(GuestMemory::create(config.memory_mib << 20));
    // The virtio devices' windows and GSIs are fixed by their order, so the kernel learns of them
    // before they exist: from the DSDT, or with acpi=off from its command line (virtio_devices.hpp).
    std::string cmdline = config.cmdline;
    if (cmdline_disables_acpi(cmdline))
        cmdline += TRY(VirtioDevices::cmdline_fragment(config.virtio));
    auto virtio_acpi = TRY(VirtioDevices::acpi_descriptions(config.virtio));
    auto boot = TRY(x86::load_linux(memory, {config.kernel, config.initrd, cmdline}));
    // Both: kernels without CONFIG_X86_MPPARSE (Debian's cloud kernel) find CPUs only in the MADT.
    TRY(x86::write_mptable(memory, config.vcpus));
    TRY(x86::write_acpi_tables(memory, config.vcpus, virtio_acpi));
    TRY(x86::write_boot_page_tables(memory));
    TRY(x86::write_boot_gdt(memory));

    auto kvm = TRY(Kvm::open());
    auto vm_fd = TRY(kvm.create_vm());
    auto loop = TRY(EventLoop::create());
    std::unique_ptr<Vm> vm(new Vm(std::move(memory), std::move(kvm), std::move(vm_fd), std::move(loop)));
    TRY(vm->set_up_memory());
    TRY(vm->set_up_devices());
    TRY(vm->set_up_virtio(config.virtio, cmdline, config.vcpus));
    TRY(vm->set_up_vcpus(config.vcpus, boot.entry, boot.zero_page));
    return vm;
}

Vm::Vm(GuestMemory memory, Kvm kvm, VmFd vm, EventLoop loop)
    : m_memory(std::move(memory)), m_kvm(std::move(kvm)), m_vm(std::move(vm)), m_loop(std::move(loop))
{
}

Vm::~Vm()
{
    for (auto& vcpu : m_vcpus)
        vcpu->kick();
    m_vcpus.clear();  // joins
}

Result<void> Vm::set_up_memory()
{
    TRY(m_vm.set_tss_address(TSS_ADDRESS));
    TRY(m_vm.set_identity_map_address(IDENTITY_MAP_ADDRESS));
    TRY(m_vm.create_irqchip());
    TRY(m_vm.create_pit2());
    std::uint32_t slot = 0;
    for (const GuestRegion& region : m_memory.regions())
        TRY(m_vm.set_user_memory_region(slot++, region.guest_address, region.size(), region.mapping.data()));
    return {};
}

Result<void> Vm::set_up_devices()
{
    m_serial_irq = TRY(IrqFdLine::create(m_vm, x86::COM1_IRQ));
    m_serial = std::make_shared<Serial8250>(*m_serial_irq,
                                            [this](std::span<const std::uint8_t> bytes) { write_output(bytes); });
    TRY(m_pio_bus.insert(x86::COM1_PORT, Serial8250::PORT_COUNT, m_serial));
    TRY(m_pio_bus.insert(x86::I8042_PORT, I8042::PORT_COUNT, std::make_shared<I8042>(*this)));
    TRY(m_pio_bus.insert(x86::SLEEP_CONTROL_PORT, AcpiSleepControl::PORT_COUNT, std::make_shared<AcpiSleepControl>(*this)));
    // KVM_IRQ_LINE sets the level directly (an irqfd only pulses); a failure would mean the GSI is
    // not routed, which KVM's default routing rules out, so it is only logged.
    m_ged = std::make_shared<AcpiGed>([this](bool asserted) {
        if (auto set = m_vm.irq_line(x86::GED_GSI, asserted); !set)
            log::warn("power button interrupt: {}", set.error().message());
    });
    TRY(m_pio_bus.insert(x86::GED_STATUS_PORT, AcpiGed::PORT_COUNT, m_ged));
    std::uint64_t low = std::min(m_memory.size(), MMIO_HOLE_START);
    TRY(m_pio_bus.insert(x86::CMOS_PORT, CmosRtc::PORT_COUNT, std::make_shared<CmosRtc>(low, m_memory.size() - low)));
    return {};
}

void Vm::write_output(std::span<const std::uint8_t> bytes)
{
    if (m_output)
        m_output(bytes);
}

namespace {
// Writes all of `bytes` to `fd`; a console that is gone is dropped, the guest keeps running.
void write_to_fd(int fd, std::span<const std::uint8_t> bytes)
{
    while (!bytes.empty()) {
        ssize_t written = ::write(fd, bytes.data(), bytes.size());
        if (written <= 0) {
            if (written < 0 && errno == EINTR)
                continue;
            return;
        }
        bytes = bytes.subspan(static_cast<std::size_t>(written));
    }
}
}  // namespace

Result<void> Vm::set_up_virtio(const VirtioDeviceRequests& requests, const std::string& cmdline,
                               std::uint32_t vcpus)
{
    m_virtio = TRY(VirtioDevices::create(requests, m_vm, m_mmio_bus, m_loop, m_memory,
                                         [this](std::span<const std::uint8_t> bytes) { write_output(bytes); }, vcpus));
    m_input_to_hvc0 = m_virtio->console() && last_console_is_hvc0(cmdline);
    return {};
}

Result<void> Vm::set_up_vcpus(std::uint32_t count, std::uint64_t entry, std::uint64_t zero_page)
{
    VcpuThread::install_kick_handler();
    auto supported = TRY(m_kvm.supported_cpuid());
    std::size_t run_size = TRY(m_kvm.vcpu_mmap_size());
    auto msrs = x86::boot_msrs();
    for (std::uint32_t index = 0; index < count; ++index) {
        auto vcpu = TRY(m_vm.create_vcpu(index, run_size));
        TRY(vcpu.set_cpuid(x86::build_cpuid(supported, index, count)));
        TRY(vcpu.set_msrs(msrs));
        TRY(vcpu.set_lapic_lint_modes());
        // Application processors wait for INIT/SIPI in the in-kernel APIC; only the BSP gets state.
        if (index == 0) {
            auto sregs = TRY(vcpu.sregs());
            x86::set_long_mode_sregs(sregs);
            TRY(vcpu.set_sregs(sregs));
            TRY(vcpu.set_regs(x86::boot_regs(entry, zero_page)));
            TRY(vcpu.set_fpu(x86::boot_fpu()));
        }
        m_vcpus.push_back(std::make_unique<VcpuThread>(std::move(vcpu), m_pio_bus, m_mmio_bus, m_memory, *this));
    }
    return {};
}

Result<VmExitReason> Vm::run(int input_fd, int output_fd, bool escape_enabled)
{
    return run(input_fd, [output_fd](std::span<const std::uint8_t> bytes) { write_to_fd(output_fd, bytes); },
               escape_enabled);
}

Result<VmExitReason> Vm::run(int input_fd, OutputSink output, bool escape_enabled)
{
    m_output = std::move(output);
    SerialConsole console(
        [this](std::span<const std::uint8_t> bytes) {
            return m_input_to_hvc0 ? m_virtio->console()->enqueue_input(bytes) : m_serial->enqueue_input(bytes);
        },
        [this] { request_exit(VmExitReason::Interrupted); }, escape_enabled, [this] { press_power_button(); });
    auto read_input = [&console, input_fd]() -> bool {
        std::uint8_t buffer[256];
        ssize_t count = ::read(input_fd, buffer, sizeof buffer);
        if (count > 0)
            console.input({buffer, static_cast<std::size_t>(count)});
        return count > 0 || (count < 0 && (errno == EINTR || errno == EAGAIN));
    };
    if (input_fd >= 0) {
        auto added = m_loop.add(input_fd, [&, input_fd] {
            if (!read_input())
                (void)m_loop.remove(input_fd);  // end of input: the guest runs on without it
        });
        // epoll refuses regular files (and /dev/null): such input is all there at once.
        if (!added && added.error().errno_value == EPERM)
            while (read_input() && console.pending_size() < SerialConsole::MAX_PENDING) {
            }
        else if (!added)
            return std::unexpected(added.error());
    }
    m_loop.set_tick(10, [&console] { console.flush_pending(); });

    // SIGINT/SIGTERM/SIGHUP end the VM through the loop, so the terminal and devices are restored
    // by their destructors; blocked before the vCPU threads start, so they inherit the mask.
    sigset_t signals;
    sigemptyset(&signals);
    for (int signal_number : {SIGINT, SIGTERM, SIGHUP})
        sigaddset(&signals, signal_number);
    ::pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    UniqueFd signal_fd(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!signal_fd.valid())
        return fail_errno("signalfd");
    TRY(m_loop.add(signal_fd.get(), [this] { request_exit(VmExitReason::Interrupted); }));

    for (auto& vcpu : m_vcpus)
        vcpu->start();
    auto loop_result = m_loop.run();
    for (auto& vcpu : m_vcpus)
        vcpu->kick();
    for (auto& vcpu : m_vcpus)
        vcpu->join();
    m_output = nullptr;
    if (!loop_result)
        return std::unexpected(loop_result.error());
    return static_cast<VmExitReason>(m_exit_reason.load());
}

void Vm::press_power_button()
{
    log::debug("power button pressed");
    m_ged->raise(x86::GED_EVENT_POWER_BUTTON);
}

void Vm::pause()
{
    m_paused.store(true);
    for (auto& vcpu : m_vcpus)
        vcpu->pause();
}

void Vm::resume()
{
    m_paused.store(false);
    for (auto& vcpu : m_vcpus)
        vcpu->resume();
}

std::uint64_t Vm::vcpu_time_ns() const
{
    std::uint64_t total = 0;
    for (const auto& vcpu : m_vcpus)
        total += vcpu->cpu_time_ns();
    return total;
}

void Vm::request_exit(VmExitReason reason)
{
    int expected = -1;
    if (m_exit_reason.compare_exchange_strong(expected, static_cast<int>(reason)))
        m_loop.stop();
}

}  // namespace nimbus
