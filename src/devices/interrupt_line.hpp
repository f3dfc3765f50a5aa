// InterruptLine: how a device raises its interrupt (an irqfd in the VMM, a counter in tests).
#pragma once

namespace nimbus {

class InterruptLine {
public:
    virtual ~InterruptLine() = default;
    // Edge: one interrupt is delivered for each call.
    virtual void trigger() = 0;
};

}  // namespace nimbus
