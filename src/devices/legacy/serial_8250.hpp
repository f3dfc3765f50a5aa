// Serial8250: a 16550A UART register model for the guest console (COM1: port 0x3f8, IRQ 4).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <span>

#include "devices/bus_device.hpp"
#include "devices/interrupt_line.hpp"

namespace nimbus {

// Transmission is synchronous: every THR write reaches the output sink at once, so LSR always
// shows THRE|TEMT and a THR-empty interrupt follows each write.
//
// Interrupts: the line is triggered (one edge) whenever an interrupt source becomes pending that
// was not pending and enabled before, while MCR.OUT2 is set. That is the rising edge of the
// 8250's INTR output seen through the OUT2 gate of a PC, plus an edge per newly arising source,
// so a driver that serves one source per interrupt still sees every one.
class Serial8250 final : public BusDevice {
public:
    using OutputSink = std::function<void(std::span<const std::uint8_t>)>;
    using InputDrained = std::function<void()>;

    static constexpr std::uint64_t PORT_COUNT = 8;
    static constexpr std::size_t INPUT_CAPACITY = 4096;

    // `output` is called on the vCPU thread that wrote THR, with the device lock NOT held; two
    // vCPUs writing THR at the same moment may have their bytes delivered in either order.
    Serial8250(InterruptLine& interrupt, OutputSink output);

    void read(std::uint64_t offset, std::span<std::uint8_t> data) override;
    void write(std::uint64_t offset, std::span<const std::uint8_t> data) override;

    // Safe from any thread (the console reader). Queues host input for the guest and returns how
    // many bytes were taken: none once the FIFO holds INPUT_CAPACITY bytes. In loopback mode the
    // receiver is cut off from the line, so the bytes are taken and dropped, as on real hardware.
    std::size_t enqueue_input(std::span<const std::uint8_t> bytes);
    // Room left in the input FIFO.
    std::size_t input_space();
    // `callback` runs (on a vCPU thread, lock not held) when the guest empties the input FIFO
    // after enqueue_input() turned bytes away, so the reader can resume. Set before vCPUs run.
    void set_input_drained_callback(InputDrained callback);

private:
    // What one access must do once the lock is released.
    struct Effects {
        std::array<std::uint8_t, 8> output{};
        std::size_t output_size = 0;
        bool trigger = false;
        bool drained = false;
    };

    std::uint8_t read_register(std::uint64_t offset, Effects& effects);
    void write_register(std::uint64_t offset, std::uint8_t value, Effects& effects);
    void write_mcr(std::uint8_t value);
    void clear_input(Effects& effects);
    std::uint8_t pending_sources() const;
    std::uint8_t modem_lines() const;
    // Recomputes the OUT2-gated sources; sets effects.trigger if any source newly asserted.
    void update_interrupt(Effects& effects);
    void finish(const Effects& effects);

    InterruptLine& m_interrupt;
    OutputSink m_output;
    InputDrained m_input_drained;

    std::mutex m_lock;  // guards everything below
    std::deque<std::uint8_t> m_input;
    bool m_input_refused = false;  // enqueue_input() turned bytes away since the FIFO last emptied
    std::uint8_t m_ier = 0;
    std::uint8_t m_lcr = 0;
    std::uint8_t m_mcr = 0;
    std::uint8_t m_scr = 0;
    std::uint8_t m_dll = 0x0c;  // 9600 baud
    std::uint8_t m_dlm = 0;
    std::uint8_t m_msr_delta = 0;
    bool m_fifo_enabled = false;
    bool m_thr_empty_pending = false;
    bool m_overrun = false;
    std::uint8_t m_asserted = 0;  // sources pending and enabled, as of the last access
};

}  // namespace nimbus
