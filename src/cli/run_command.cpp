// `nimbus run`: option parsing, host-quirk notice, and mapping the guest's end to an exit status.
#include "cli/run_command.hpp"

#include <unistd.h>

#include <memory>

#include "base/log.hpp"
#include "cli/disk_option.hpp"
#include "kvm/host_quirks.hpp"
#include "vmm/terminal.hpp"
#include "vmm/vm.hpp"

namespace nimbus::cli {

namespace {
// What `lkvm run` would give a Linux guest: the console on the UART, reset through the i8042.
constexpr const char* DEFAULT_CMDLINE = "console=ttyS0 reboot=k panic=-1";

int run_guest(VmConfig config, bool verbose)
{
    if (verbose)
        log::set_level(log::Level::Debug);
    if (std::string problem = validate_vm_config(config); !problem.empty()) {
        log::error("{}", problem);
        return 2;
    }
    std::string extra = guest_cmdline_additions(detect_host_quirks());
    if (!extra.empty())
        config.cmdline += (config.cmdline.empty() ? "" : " ") + extra;

    auto vm = Vm::create(config);
    if (!vm) {
        log::error("{}", vm.error().message());
        return 1;
    }
    // Said only once the guest is about to run, so a bad-input error stays a single line.
    if (!extra.empty())
        log::warn("this host's KVM emulates instructions (kvm_pvm): added to the guest command line: "
                  "nopv acpi=off noxsave clearcpuid=<the instructions the emulator cannot run>");
    auto reason = [&] {
        Terminal terminal(STDIN_FILENO);
        // The Ctrl-A escapes work on any stdin, a pipe too, so scripts can press the power button
        // (`printf '\001p'`); Ctrl-A Ctrl-A passes one Ctrl-A through.
        return (*vm)->run(STDIN_FILENO, STDOUT_FILENO, true);
    }();
    if (!reason) {
        log::error("{}", reason.error().message());
        return 1;
    }
    switch (*reason) {
    case VmExitReason::PowerOff: log::info("guest powered off"); return 0;
    case VmExitReason::Reset: log::info("guest reset"); return 0;
    case VmExitReason::Crash: log::error("guest reported a crash"); return 1;
    case VmExitReason::Interrupted: log::warn("stopped by the user"); return 130;
    case VmExitReason::Error: return 1;  // already reported by the vCPU
    }
    return 1;
}
}  // namespace

void add_run_command(CLI::App& app, int& status)
{
    struct Options {
        VmConfig config;
        std::vector<std::string> disks;
        bool verbose = false;
    };
    auto options = std::make_shared<Options>();
    options->config.cmdline = DEFAULT_CMDLINE;
    CLI::App* run = app.add_subcommand("run", "Boot a kernel directly (vmlinux or bzImage), console on the terminal");
    run->add_option("-k,--kernel", options->config.kernel, "Kernel: ELF vmlinux or bzImage")->required();
    run->add_option("-i,--initrd", options->config.initrd, "Initial ramdisk");
    run->add_option("-p,--cmdline", options->config.cmdline, "Kernel command line")
        ->default_str(DEFAULT_CMDLINE);
    run->add_option("-m,--memory", options->config.memory_mib, "Guest memory in MiB")->default_val(256);
    run->add_option("-c,--vcpus", options->config.vcpus, "Number of vCPUs")->default_val(1);
    run->add_flag("--rng", options->config.virtio.rng, "Add a virtio-rng device (entropy from the host)");
    run->add_flag("--virtio-console", options->config.virtio.console,
                  "Add a virtio-console device (hvc0); input goes to it if the last console= is hvc0");
    run->add_option("--disk", options->disks,
                    "Add a virtio-blk disk: PATH[,ro][,format=raw|qcow2] (repeatable; the first is /dev/vda)")
        ->allow_extra_args(false);
    run->add_flag("-v,--verbose", options->verbose, "Log debug messages (unclaimed port accesses, ...)");
    run->footer("The console is the terminal; Ctrl-A x ends the guest, Ctrl-A p presses its ACPI power button, "
                "Ctrl-A Ctrl-A sends a Ctrl-A (also when stdin is a pipe). Exit status 0 when the guest powers "
                "off or resets.");
    run->callback([options, &status] {
        for (const std::string& value : options->disks) {
            auto disk = parse_disk_option(value);
            if (!disk) {
                log::error("{}", disk.error().message());
                status = 2;
                return;
            }
            options->config.virtio.disks.push_back(std::move(*disk));
        }
        status = run_guest(options->config, options->verbose);
    });
}

}  // namespace nimbus::cli
