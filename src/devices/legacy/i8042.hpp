// I8042: just enough of the PC keyboard controller for the guest to reset the machine.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <span>

#include "devices/bus_device.hpp"
#include "devices/vm_control.hpp"

namespace nimbus {

// Registered at port 0x60 with size PORT_COUNT: offset 0 is the data port (0x60), offset 4 the
// status/command port (0x64); ports 0x61-0x63 between them read as open bus.
// No keyboard or mouse is attached and no IRQ 1/12 is raised. The reset line (command 0xfe, or
// any pulse command 0xf0-0xfe with bit 0 clear, or an output-port write with bit 0 clear) asks
// VmControl for a Reset exit; that is how Linux reboots (arch/x86/kernel/reboot.c, BOOT_KBD).
class I8042 final : public BusDevice {
public:
    static constexpr std::uint64_t PORT_COUNT = 5;
    static constexpr std::uint64_t DATA = 0;
    static constexpr std::uint64_t COMMAND = 4;  // writes: command; reads: status
    static constexpr std::uint8_t STATUS_OUTPUT_FULL = 0x01;
    static constexpr std::uint8_t STATUS_INPUT_FULL = 0x02;
    static constexpr std::uint8_t STATUS_SYSTEM = 0x04;
    static constexpr std::uint8_t STATUS_LAST_WAS_COMMAND = 0x08;

    explicit I8042(VmControl& control) : m_control(control) {}

    void read(std::uint64_t offset, std::span<std::uint8_t> data) override;
    void write(std::uint64_t offset, std::span<const std::uint8_t> data) override;

private:
    std::uint8_t read_port(std::uint64_t offset);
    // Returns true when the access pulled the CPU reset line.
    bool write_port(std::uint64_t offset, std::uint8_t value);
    bool run_command(std::uint8_t command);

    VmControl& m_control;
    std::mutex m_lock;  // guards everything below
    std::uint8_t m_status = 0;
    std::uint8_t m_output = 0;
    std::uint8_t m_command_byte = 0x41;  // translate, keyboard interrupt enabled
    std::uint8_t m_output_port = 0x03;   // reset line inactive (high), A20 enabled
    std::optional<std::uint8_t> m_pending_command;  // a command that waits for its data byte
};

}  // namespace nimbus
