// VirtioDevices: the machine's virtio-mmio devices: windows, GSIs, ioeventfds, irqfds, kernel command line.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "arch/x86/acpi_tables.hpp"
#include "base/error.hpp"
#include "devices/virtio/console/virtio_console.hpp"
#include "devices/virtio/mmio_transport.hpp"
#include "kvm/vm_fd.hpp"
#include "memory/guest_memory.hpp"
#include "vmm/bus.hpp"
#include "vmm/event_loop.hpp"
#include "vmm/irqfd_line.hpp"
#include "vmm/vm_config.hpp"

namespace nimbus {

// Device n gets the 4 KiB window at MMIO_BASE + n * 4 KiB (in the 32-bit hole, far below the IO
// APIC at 0xfec00000 and the local APIC at 0xfee00000) and the n-th free ISA GSI from 5 on (8 is the
// RTC's). The GSIs stop at 15: the MP table routes only the 16 ISA IRQs, so at most MAX_DEVICES
// devices.
//
// How Linux finds them, one way only (both would register every device twice):
// - ACPI on (the default): the DSDT describes each as Device (VRnn) { _HID "LNRO0005", _UID n,
//   _CRS Memory32Fixed + an edge, active-high Interrupt } (acpi_descriptions), and Linux both
//   finds the device and maps its GSI, which with HW-reduced ACPI it does only for GSIs the DSDT
//   mentions.
// - `acpi=off` on the final command line (the emulated-KVM quirk adds it; a user may too): Linux
//   reads no DSDT, so the VMM appends `virtio_mmio.device=4K@<base>:<gsi>` per device
//   (cmdline_fragment; CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES) and Linux routes the ISA IRQs through
//   the MP table. A kernel built without CONFIG_ACPI needs `acpi=off` too, to get the fragment.
class VirtioDevices final {
public:
    static constexpr std::uint64_t MMIO_BASE = 0xd000'0000;
    static constexpr std::size_t MAX_DEVICES = 10;  // GSIs 5-7 and 9-15

    struct Slot {
        std::uint64_t base;
        std::uint32_t gsi;
    };
    static Result<Slot> slot(std::size_t index);
    // " virtio_mmio.device=4K@0xd0000000:5 ..." (leading space) for the requested devices, or ""
    static Result<std::string> cmdline_fragment(const VirtioDeviceRequests& requests);
    // The DSDT's view of the same devices, in the same order.
    static Result<std::vector<x86::VirtioMmioAcpi>> acpi_descriptions(const VirtioDeviceRequests& requests);

    // Builds the requested devices in VirtioDeviceRequests order; the console writes to `output`.
    // Each disk is opened and locked here and gets `vcpus` request queues (one per vCPU).
    static Result<std::unique_ptr<VirtioDevices>> create(const VirtioDeviceRequests& requests, const VmFd& vm,
                                                         Bus& mmio_bus, EventLoop& loop, const GuestMemory& memory,
                                                         VirtioConsole::OutputSink output, std::uint32_t vcpus = 1);

    // Wires one more device into the next slot: bus window, irqfd, an ioeventfd per queue on
    // QueueNotify (datamatch = queue index) and its handler on the event loop. Before vCPUs run.
    Result<void> add(std::shared_ptr<VirtioDevice> device);
    // Opens the disk, adds its virtio-blk and puts its I/O completions on the event loop.
    Result<void> add_disk(const VirtioDiskRequest& disk, std::uint32_t queues);

    std::shared_ptr<VirtioConsole> console() const { return m_console; }

private:
    VirtioDevices(const VmFd& vm, Bus& mmio_bus, EventLoop& loop, const GuestMemory& memory)
        : m_vm(vm), m_mmio_bus(mmio_bus), m_loop(loop), m_memory(memory) {}

    struct Wired {
        std::unique_ptr<IrqFdLine> line;
        std::shared_ptr<MmioTransport> transport;
    };

    const VmFd& m_vm;
    Bus& m_mmio_bus;
    EventLoop& m_loop;
    const GuestMemory& m_memory;
    std::vector<Wired> m_devices;
    std::shared_ptr<VirtioConsole> m_console;
};

// True when the last `acpi=` word of a Linux command line is `acpi=off` (Linux acts on each in
// turn, and `acpi=force` after it turns ACPI back on): then the devices go on the command line.
bool cmdline_disables_acpi(std::string_view cmdline);

// Where terminal input goes when a virtio console exists: to hvc0 if the last `console=` on the
// kernel command line names it (Linux's last console= is /dev/console), else to the UART.
bool last_console_is_hvc0(std::string_view cmdline);

}  // namespace nimbus
