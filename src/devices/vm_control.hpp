// VmControl: what a device may ask of the whole machine (the i8042's reset line, ACPI power-off).
#pragma once

namespace nimbus {

enum class VmExitReason { PowerOff, Reset, Crash, Error, Interrupted };

class VmControl {
public:
    virtual ~VmControl() = default;
    // Asks every vCPU to stop; safe from any thread, idempotent (the first reason wins).
    virtual void request_exit(VmExitReason reason) = 0;
};

}  // namespace nimbus
