// Serial8250: registers, loopback, FIFOs and interrupt edges.
#include "devices/legacy/serial_8250.hpp"

#include <algorithm>

#include "devices/legacy/uart_registers.hpp"

namespace nimbus {

using namespace uart;

namespace {

// Interrupt sources as bits, so newly asserted ones show up in a mask.
constexpr std::uint8_t SOURCE_LINE_STATUS = 0x01;
constexpr std::uint8_t SOURCE_RX_DATA = 0x02;
constexpr std::uint8_t SOURCE_THR_EMPTY = 0x04;
constexpr std::uint8_t SOURCE_MODEM_STATUS = 0x08;

// The IIR identity of the highest-priority source in `sources`.
std::uint8_t identify(std::uint8_t sources)
{
    if (sources & SOURCE_LINE_STATUS)
        return IIR_LINE_STATUS;
    if (sources & SOURCE_RX_DATA)
        return IIR_RX_DATA;
    if (sources & SOURCE_THR_EMPTY)
        return IIR_THR_EMPTY;
    if (sources & SOURCE_MODEM_STATUS)
        return IIR_MODEM_STATUS;
    return IIR_NONE;
}

}  // namespace

Serial8250::Serial8250(InterruptLine& interrupt, OutputSink output)
    : m_interrupt(interrupt), m_output(std::move(output))
{
}

void Serial8250::read(std::uint64_t offset, std::span<std::uint8_t> data)
{
    Effects effects;
    {
        std::lock_guard guard(m_lock);
        // A wider access reads consecutive registers, as an 8-bit ISA device answers it.
        for (std::size_t i = 0; i < data.size(); ++i) {
            data[i] = read_register(offset + i, effects);
            update_interrupt(effects);
        }
    }
    finish(effects);
}

void Serial8250::write(std::uint64_t offset, std::span<const std::uint8_t> data)
{
    Effects effects;
    {
        std::lock_guard guard(m_lock);
        // Guest-controlled: at most effects.output.size() bytes, one per register.
        const std::size_t length = std::min(data.size(), effects.output.size());
        for (std::size_t i = 0; i < length; ++i) {
            write_register(offset + i, data[i], effects);
            update_interrupt(effects);
        }
    }
    finish(effects);
}

std::size_t Serial8250::enqueue_input(std::span<const std::uint8_t> bytes)
{
    Effects effects;
    std::size_t taken = 0;
    {
        std::lock_guard guard(m_lock);
        if (m_mcr & MCR_LOOP)
            return bytes.size();
        taken = std::min(bytes.size(), INPUT_CAPACITY - m_input.size());
        m_input.insert(m_input.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(taken));
        if (taken < bytes.size())
            m_input_refused = true;
        update_interrupt(effects);
    }
    finish(effects);
    return taken;
}

std::size_t Serial8250::input_space()
{
    std::lock_guard guard(m_lock);
    return INPUT_CAPACITY - m_input.size();
}

void Serial8250::set_input_drained_callback(InputDrained callback)
{
    std::lock_guard guard(m_lock);
    m_input_drained = std::move(callback);
}

std::uint8_t Serial8250::read_register(std::uint64_t offset, Effects& effects)
{
    const bool dlab = (m_lcr & LCR_DLAB) != 0;
    switch (offset) {
    case RBR: {
        if (dlab)
            return m_dll;
        if (m_input.empty())
            return 0;
        const std::uint8_t byte = m_input.front();
        m_input.pop_front();
        if (m_input.empty() && m_input_refused) {
            m_input_refused = false;
            effects.drained = true;
        }
        return byte;
    }
    case IER:
        return dlab ? m_dlm : m_ier;
    case IIR: {
        const std::uint8_t sources = pending_sources();
        const std::uint8_t identity = identify(sources);
        // Reading IIR acknowledges a THR-empty interrupt only when it is the one reported.
        if (identity == IIR_THR_EMPTY)
            m_thr_empty_pending = false;
        return static_cast<std::uint8_t>(identity | (m_fifo_enabled ? IIR_FIFO_ENABLED : 0));
    }
    case LCR:
        return m_lcr;
    case MCR:
        return m_mcr;
    case LSR: {
        std::uint8_t lsr = LSR_THR_EMPTY | LSR_TX_EMPTY;
        if (!m_input.empty())
            lsr |= LSR_DATA_READY;
        if (m_overrun)
            lsr |= LSR_OVERRUN;
        m_overrun = false;
        return lsr;
    }
    case MSR: {
        const std::uint8_t msr = static_cast<std::uint8_t>(modem_lines() | m_msr_delta);
        m_msr_delta = 0;
        return msr;
    }
    case SCR:
        return m_scr;
    default:
        return 0xff;  // past the last register: open bus
    }
}

void Serial8250::write_register(std::uint64_t offset, std::uint8_t value, Effects& effects)
{
    const bool dlab = (m_lcr & LCR_DLAB) != 0;
    switch (offset) {
    case THR:
        if (dlab) {
            m_dll = value;
        } else if (m_mcr & MCR_LOOP) {
            // Loopback: the transmitter feeds the receiver; a full FIFO overruns.
            if (m_input.size() < INPUT_CAPACITY)
                m_input.push_back(value);
            else
                m_overrun = true;
            m_thr_empty_pending = true;
        } else {
            effects.output[effects.output_size++] = value;
            // Sent at once: THR is empty again, which is a new THR-empty interrupt.
            m_thr_empty_pending = true;
        }
        break;
    case IER:
        if (dlab) {
            m_dlm = value;
        } else {
            const std::uint8_t ier = value & IER_MASK;
            // Enabling ETBEI while THR is empty (always, here) raises THR-empty anew; Linux's
            // startup THRE test and its tty writes rely on it.
            if ((ier & IER_ETBEI) && !(m_ier & IER_ETBEI))
                m_thr_empty_pending = true;
            else if (!(ier & IER_ETBEI))
                m_thr_empty_pending = false;
            m_ier = ier;
        }
        break;
    case FCR: {
        const bool enable = (value & FCR_ENABLE_FIFO) != 0;
        // Switching FIFO mode clears both FIFOs, as on a 16550A.
        if (enable != m_fifo_enabled || (value & FCR_CLEAR_RX))
            clear_input(effects);
        m_fifo_enabled = enable;
        break;
    }
    case LCR:
        m_lcr = value;
        break;
    case MCR:
        write_mcr(value);
        break;
    case SCR:
        m_scr = value;
        break;
    default:
        break;  // LSR and MSR are read-only here
    }
}

void Serial8250::write_mcr(std::uint8_t value)
{
    const std::uint8_t before = modem_lines();
    m_mcr = value & MCR_MASK;
    const std::uint8_t after = modem_lines();
    const std::uint8_t changed = before ^ after;
    // Delta bits: any change of CTS, DSR, DCD; RI only on its trailing edge.
    m_msr_delta |= static_cast<std::uint8_t>(((changed & ~MSR_RI) >> 4) | ((before & ~after & MSR_RI) >> 4));
}

void Serial8250::clear_input(Effects& effects)
{
    m_input.clear();
    if (m_input_refused) {
        m_input_refused = false;
        effects.drained = true;
    }
}

std::uint8_t Serial8250::pending_sources() const
{
    std::uint8_t sources = 0;
    if ((m_ier & IER_ELSI) && m_overrun)
        sources |= SOURCE_LINE_STATUS;
    if ((m_ier & IER_ERBFI) && !m_input.empty())
        sources |= SOURCE_RX_DATA;
    if ((m_ier & IER_ETBEI) && m_thr_empty_pending)
        sources |= SOURCE_THR_EMPTY;
    if ((m_ier & IER_EDSSI) && m_msr_delta != 0)
        sources |= SOURCE_MODEM_STATUS;
    return sources;
}

std::uint8_t Serial8250::modem_lines() const
{
    // Outside loopback nothing is attached that drops the lines: carrier, DSR and CTS are up.
    if (!(m_mcr & MCR_LOOP))
        return MSR_DCD | MSR_DSR | MSR_CTS;
    // Loopback wires DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD.
    std::uint8_t lines = 0;
    if (m_mcr & MCR_DTR)
        lines |= MSR_DSR;
    if (m_mcr & MCR_RTS)
        lines |= MSR_CTS;
    if (m_mcr & MCR_OUT1)
        lines |= MSR_RI;
    if (m_mcr & MCR_OUT2)
        lines |= MSR_DCD;
    return lines;
}

void Serial8250::update_interrupt(Effects& effects)
{
    // On a PC the 8250's INTR pin reaches the PIC only while OUT2 is set.
    const std::uint8_t asserted = (m_mcr & MCR_OUT2) ? pending_sources() : 0;
    if (asserted & ~m_asserted)
        effects.trigger = true;
    m_asserted = asserted;
}

void Serial8250::finish(const Effects& effects)
{
    // Lock released: the sink may block on the host terminal and the callback may re-enter us.
    if (effects.output_size > 0 && m_output)
        m_output(std::span<const std::uint8_t>(effects.output.data(), effects.output_size));
    if (effects.drained && m_input_drained)
        m_input_drained();
    if (effects.trigger)
        m_interrupt.trigger();
}

}  // namespace nimbus
