// BusDevice: what the PIO and MMIO buses dispatch guest accesses to.
#pragma once

#include <cstdint>
#include <span>

namespace nimbus {

// Called on a vCPU thread, possibly several at once: implementations lock their own state.
class BusDevice {
public:
    virtual ~BusDevice() = default;
    // `offset` is relative to the base the device was registered at; `data` is 1, 2, 4 or 8 bytes.
    virtual void read(std::uint64_t offset, std::span<std::uint8_t> data) = 0;
    virtual void write(std::uint64_t offset, std::span<const std::uint8_t> data) = 0;
};

}  // namespace nimbus
