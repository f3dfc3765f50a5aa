// AcpiSleepControl: HW-reduced ACPI's sleep control/status registers; S5 ends the VM (power-off).
#pragma once

#include "devices/bus_device.hpp"
#include "devices/vm_control.hpp"

namespace nimbus {

// Registered at the FADT's SLEEP_CONTROL_REG port with PORT_COUNT bytes (control, then status).
class AcpiSleepControl final : public BusDevice {
public:
    static constexpr std::uint64_t PORT_COUNT = 2;

    explicit AcpiSleepControl(VmControl& control) : m_control(control) {}

    void read(std::uint64_t offset, std::span<std::uint8_t> data) override;
    void write(std::uint64_t offset, std::span<const std::uint8_t> data) override;

private:
    VmControl& m_control;
};

}  // namespace nimbus
