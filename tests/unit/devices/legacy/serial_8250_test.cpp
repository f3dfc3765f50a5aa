// Serial8250 tests: registers, interrupts, loopback, the Linux 16550A probe and concurrency.
#include "devices/legacy/serial_8250.hpp"

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "devices/legacy/uart_registers.hpp"

namespace nimbus {
namespace {

using namespace uart;

class CountingLine final : public InterruptLine {
public:
    void trigger() override { ++m_count; }
    int count() const { return m_count.load(); }

private:
    std::atomic<int> m_count{0};
};

class Serial8250Test : public ::testing::Test {
protected:
    Serial8250Test()
        : m_serial(m_line, [this](std::span<const std::uint8_t> bytes) {
              std::lock_guard guard(m_sink_lock);
              m_sent.insert(m_sent.end(), bytes.begin(), bytes.end());
          })
    {
    }

    void out(std::uint64_t offset, std::uint8_t value) { m_serial.write(offset, std::span(&value, 1)); }
    std::uint8_t in(std::uint64_t offset)
    {
        std::uint8_t value = 0;
        m_serial.read(offset, std::span(&value, 1));
        return value;
    }
    std::size_t enqueue(std::string_view text)
    {
        return m_serial.enqueue_input(
            std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    }
    std::string sent()
    {
        std::lock_guard guard(m_sink_lock);
        return std::string(m_sent.begin(), m_sent.end());
    }

    CountingLine m_line;
    std::mutex m_sink_lock;
    std::vector<std::uint8_t> m_sent;
    Serial8250 m_serial;
};

TEST_F(Serial8250Test, ThrWritesReachTheSink)
{
    out(THR, 'h');
    out(THR, 'i');
    EXPECT_EQ(sent(), "hi");
    EXPECT_EQ(m_line.count(), 0);  // no interrupt enabled
}

TEST_F(Serial8250Test, LineStatusAlwaysShowsTransmitterEmpty)
{
    EXPECT_EQ(in(LSR), LSR_THR_EMPTY | LSR_TX_EMPTY);
    out(THR, 'x');
    EXPECT_EQ(in(LSR), LSR_THR_EMPTY | LSR_TX_EMPTY);
    enqueue("a");
    EXPECT_EQ(in(LSR), LSR_THR_EMPTY | LSR_TX_EMPTY | LSR_DATA_READY);
}

TEST_F(Serial8250Test, DlabSwitchesToTheDivisorLatches)
{
    out(IER, IER_ERBFI);
    out(LCR, LCR_DLAB | 0x03);
    out(DLL, 0x01);
    out(DLM, 0x02);
    EXPECT_EQ(in(DLL), 0x01);
    EXPECT_EQ(in(DLM), 0x02);
    EXPECT_EQ(sent(), "");  // a DLL write is not a transmission
    out(LCR, 0x03);
    EXPECT_EQ(in(IER), IER_ERBFI);
    out(THR, 'z');
    EXPECT_EQ(sent(), "z");
    out(LCR, LCR_DLAB);
    EXPECT_EQ(in(DLL), 0x01);
    EXPECT_EQ(in(DLM), 0x02);
}

TEST_F(Serial8250Test, ScratchAndLineControlHoldTheirValues)
{
    out(SCR, 0xa5);
    out(LCR, 0x1b);
    EXPECT_EQ(in(SCR), 0xa5);
    EXPECT_EQ(in(LCR), 0x1b);
    out(IER, 0xff);
    EXPECT_EQ(in(IER), IER_MASK);  // the upper bits do not exist on a 16550A
}

TEST_F(Serial8250Test, IirReportsNoInterruptByDefault)
{
    EXPECT_EQ(in(IIR), IIR_NONE);
}

TEST_F(Serial8250Test, IirReportsTheHighestPrioritySource)
{
    out(MCR, MCR_OUT2);
    out(IER, IER_ERBFI | IER_ETBEI);
    enqueue("ab");
    EXPECT_EQ(in(IIR), IIR_RX_DATA);
    EXPECT_EQ(in(IIR), IIR_RX_DATA);  // reading IIR does not acknowledge received data
    EXPECT_EQ(in(RBR), 'a');
    EXPECT_EQ(in(RBR), 'b');
    EXPECT_EQ(in(IIR), IIR_THR_EMPTY);  // acknowledged by this read
    EXPECT_EQ(in(IIR), IIR_NONE);
}

TEST_F(Serial8250Test, LineStatusOutranksReceivedData)
{
    out(MCR, MCR_LOOP);
    out(IER, IER_ERBFI | IER_ELSI);
    for (std::size_t i = 0; i <= Serial8250::INPUT_CAPACITY; ++i)
        out(THR, 'x');  // the last one overruns the FIFO
    EXPECT_EQ(in(IIR), IIR_LINE_STATUS);
    EXPECT_EQ(in(LSR) & LSR_OVERRUN, LSR_OVERRUN);
    EXPECT_EQ(in(LSR) & LSR_OVERRUN, 0);  // cleared by the read
    EXPECT_EQ(in(IIR), IIR_RX_DATA);
}

TEST_F(Serial8250Test, ThrEmptyInterruptFollowsEachWrite)
{
    out(MCR, MCR_OUT2);
    out(IER, IER_ETBEI);
    EXPECT_EQ(m_line.count(), 1);  // enabling ETBEI with THR empty
    EXPECT_EQ(in(IIR), IIR_THR_EMPTY);
    EXPECT_EQ(in(IIR), IIR_NONE);  // the IIR read cleared it
    out(THR, 'a');
    EXPECT_EQ(m_line.count(), 2);
    out(THR, 'b');  // still pending from 'a': no new edge
    EXPECT_EQ(m_line.count(), 2);
    EXPECT_EQ(in(IIR), IIR_THR_EMPTY);
    EXPECT_EQ(in(IIR), IIR_NONE);
    out(THR, 'c');
    EXPECT_EQ(m_line.count(), 3);
    EXPECT_EQ(sent(), "abc");
}

TEST_F(Serial8250Test, ReenablingEtbeiRaisesThrEmptyAgain)
{
    out(MCR, MCR_OUT2);
    out(IER, IER_ETBEI);
    EXPECT_EQ(in(IIR), IIR_THR_EMPTY);
    out(IER, IER_ETBEI);  // unchanged: nothing new
    EXPECT_EQ(in(IIR), IIR_NONE);
    out(IER, 0);
    out(IER, IER_ETBEI);
    EXPECT_EQ(in(IIR), IIR_THR_EMPTY);
    EXPECT_EQ(m_line.count(), 2);
}

TEST_F(Serial8250Test, ReceivedDataInterruptsWhenInputArrives)
{
    out(MCR, MCR_OUT2);
    out(IER, IER_ERBFI);
    EXPECT_EQ(m_line.count(), 0);
    EXPECT_EQ(enqueue("hi"), 2u);
    EXPECT_EQ(m_line.count(), 1);
    enqueue("!");  // data was already pending
    EXPECT_EQ(m_line.count(), 1);
    EXPECT_EQ(in(RBR), 'h');
    EXPECT_EQ(in(RBR), 'i');
    EXPECT_EQ(in(RBR), '!');
    EXPECT_EQ(in(LSR) & LSR_DATA_READY, 0);
    EXPECT_EQ(in(IIR), IIR_NONE);
    enqueue("x");
    EXPECT_EQ(m_line.count(), 2);
}

TEST_F(Serial8250Test, NewSourceWhileAnotherIsPendingTriggersAgain)
{
    out(MCR, MCR_OUT2);
    out(IER, IER_ERBFI | IER_ETBEI);
    EXPECT_EQ(m_line.count(), 1);  // THR empty
    enqueue("a");
    EXPECT_EQ(m_line.count(), 2);  // received data is a new source
}

TEST_F(Serial8250Test, NoInterruptWhileOut2IsClear)
{
    out(IER, IER_ERBFI | IER_ETBEI);
    enqueue("a");
    out(THR, 'b');
    EXPECT_EQ(m_line.count(), 0);
    EXPECT_EQ(in(IIR), IIR_RX_DATA);  // pending all the same
    out(MCR, MCR_OUT2);
    EXPECT_EQ(m_line.count(), 1);  // the gate opens on a pending interrupt
}

TEST_F(Serial8250Test, InputFifoIsBounded)
{
    const std::string big(Serial8250::INPUT_CAPACITY + 100, 'q');
    EXPECT_EQ(enqueue(big), Serial8250::INPUT_CAPACITY);
    EXPECT_EQ(enqueue("more"), 0u);
    EXPECT_EQ(m_serial.input_space(), 0u);
    EXPECT_EQ(in(RBR), 'q');
    EXPECT_EQ(m_serial.input_space(), 1u);
    EXPECT_EQ(enqueue("rs"), 1u);
}

TEST_F(Serial8250Test, DrainedCallbackRunsAfterInputWasTurnedAway)
{
    int drained = 0;
    m_serial.set_input_drained_callback([&drained] { ++drained; });
    enqueue("ab");
    in(RBR);
    in(RBR);
    EXPECT_EQ(drained, 0);  // nothing was refused
    enqueue(std::string(Serial8250::INPUT_CAPACITY + 1, 'x'));
    for (std::size_t i = 0; i < Serial8250::INPUT_CAPACITY; ++i)
        in(RBR);
    EXPECT_EQ(drained, 1);
}

TEST_F(Serial8250Test, FifoControlClearsReceivedData)
{
    out(FCR, FCR_ENABLE_FIFO);
    enqueue("abc");
    out(FCR, FCR_ENABLE_FIFO | FCR_CLEAR_RX);
    EXPECT_EQ(in(LSR) & LSR_DATA_READY, 0);
    EXPECT_EQ(in(IIR), IIR_FIFO_ENABLED | IIR_NONE);
    out(FCR, 0);
    EXPECT_EQ(in(IIR), IIR_NONE);
}

TEST_F(Serial8250Test, LoopbackReturnsTransmittedBytes)
{
    out(MCR, MCR_LOOP);
    out(THR, 'x');
    out(THR, 'y');
    EXPECT_EQ(sent(), "");
    EXPECT_EQ(in(LSR) & LSR_DATA_READY, LSR_DATA_READY);
    EXPECT_EQ(in(RBR), 'x');
    EXPECT_EQ(in(RBR), 'y');
    EXPECT_EQ(enqueue("host"), 4u);  // taken but dropped: the receiver is off the line
    EXPECT_EQ(in(LSR) & LSR_DATA_READY, 0);
    out(MCR, 0);
    out(THR, 'z');
    EXPECT_EQ(sent(), "z");
}

TEST_F(Serial8250Test, ModemStatusMirrorsModemControlInLoopback)
{
    EXPECT_EQ(in(MSR) & 0xf0, MSR_DCD | MSR_DSR | MSR_CTS);
    out(MCR, MCR_LOOP | MCR_OUT2 | MCR_RTS);
    EXPECT_EQ(in(MSR) & 0xf0, MSR_DCD | MSR_CTS);
    out(MCR, MCR_LOOP | MCR_OUT1 | MCR_DTR);
    EXPECT_EQ(in(MSR) & 0xf0, MSR_RI | MSR_DSR);
    out(MCR, MCR_LOOP);
    // Delta bits: DSR changed, RI had its trailing edge.
    EXPECT_EQ(in(MSR), MSR_DDSR | MSR_TERI);
    EXPECT_EQ(in(MSR), 0);
}

TEST_F(Serial8250Test, ModemStatusInterruptIsLowestPriority)
{
    out(MCR, MCR_OUT2 | MCR_LOOP);
    in(MSR);
    out(IER, IER_EDSSI | IER_ETBEI);
    in(IIR);  // takes the THR-empty interrupt
    out(MCR, MCR_OUT2 | MCR_LOOP | MCR_RTS);
    EXPECT_EQ(in(IIR), IIR_MODEM_STATUS);
    in(MSR);
    EXPECT_EQ(in(IIR), IIR_NONE);
}

TEST_F(Serial8250Test, WideAccessesTouchConsecutiveRegisters)
{
    const std::uint8_t values[2] = {0x03, MCR_OUT2};
    m_serial.write(LCR, values);
    std::uint8_t back[2] = {};
    m_serial.read(LCR, back);
    EXPECT_EQ(back[0], 0x03);
    EXPECT_EQ(back[1], MCR_OUT2);
    std::uint8_t past_end[2] = {};
    m_serial.read(SCR, past_end);
    EXPECT_EQ(past_end[1], 0xff);
}

// The register dance of autoconfig() and autoconfig_16550a() in Linux's
// drivers/tty/serial/8250/8250_port.c, and of the THRE tests in serial8250_do_startup().
TEST_F(Serial8250Test, LinuxDetectsA16550AWithWorkingThre)
{
    // IER existence test.
    const std::uint8_t saved_ier = in(IER);
    out(IER, 0);
    const std::uint8_t scratch2 = in(IER) & 0x0f;
    out(IER, 0x0f);
    const std::uint8_t scratch3 = in(IER) & 0x0f;
    out(IER, saved_ier);
    EXPECT_EQ(scratch2, 0);
    EXPECT_EQ(scratch3, 0x0f);

    // Loopback test.
    const std::uint8_t save_mcr = in(MCR);
    const std::uint8_t save_lcr = in(LCR);
    out(MCR, MCR_LOOP | 0x0a);
    const std::uint8_t status1 = in(MSR) & 0xf0;
    out(MCR, save_mcr);
    EXPECT_EQ(status1, 0x90);

    // FIFO test: IIR bits 7:6 == 3 means 16550A.
    out(LCR, 0xbf);
    out(2, 0);  // EFR, which a 16550A takes as FCR
    out(LCR, 0);
    out(FCR, FCR_ENABLE_FIFO);
    EXPECT_EQ(in(IIR) >> 6, 3);

    // autoconfig_16550a(): no EFR behind LCR 0x80 or 0xbf (IIR must not read 0 there).
    out(LCR, 0x80);
    EXPECT_NE(in(2), 0);
    out(LCR, 0xbf);
    EXPECT_NE(in(2), 0);
    // Not a National SuperIO: offset 2 under LCR 0xe0 does not track MCR.LOOP.
    out(LCR, 0);
    const std::uint8_t mcr = in(MCR);
    out(LCR, 0xe0);
    std::uint8_t excr1 = in(2);
    EXPECT_EQ((excr1 ^ mcr) & MCR_LOOP, 0);
    out(LCR, 0);
    out(MCR, mcr ^ MCR_LOOP);
    out(LCR, 0xe0);
    excr1 = in(2);
    out(LCR, 0);
    out(MCR, mcr);
    EXPECT_EQ((excr1 ^ mcr) & MCR_LOOP, 0);
    // Not a TI16750: no 64-byte FIFO bit.
    out(FCR, FCR_ENABLE_FIFO | 0x20);
    EXPECT_EQ(in(IIR) & 0xe0, 0xc0);
    out(FCR, FCR_ENABLE_FIFO);
    out(LCR, 0x80);
    out(FCR, FCR_ENABLE_FIFO | 0x20);
    EXPECT_EQ(in(IIR) & 0xe0, 0xc0);
    out(FCR, FCR_ENABLE_FIFO);
    out(LCR, 0);
    // Not an XScale: IER bit 6 (UUE) does not stick.
    const std::uint8_t ier_save = in(IER);
    out(IER, ier_save | 0x40);
    EXPECT_EQ(in(IER) & 0x40, 0);
    out(IER, ier_save);
    out(LCR, save_lcr);
    out(MCR, save_mcr);

    // serial8250_do_startup(): clear FIFOs and interrupt registers; LSR is not 0xff.
    out(FCR, FCR_ENABLE_FIFO | FCR_CLEAR_RX | FCR_CLEAR_TX);
    out(FCR, 0);
    in(LSR);
    in(RBR);
    in(IIR);
    in(MSR);
    EXPECT_NE(in(LSR), 0xff);
    // THRE re-assertion test: both reads must show an interrupt, or Linux sets UART_BUG_THRE.
    out(IER, IER_ETBEI);
    const std::uint8_t iir1 = in(IIR);
    out(IER, 0);
    out(IER, IER_ETBEI);
    const std::uint8_t iir = in(IIR);
    out(IER, 0);
    EXPECT_EQ(iir1 & IIR_NONE, 0);
    EXPECT_EQ(iir & IIR_NONE, 0);
    // Then OUT2 on, and the TX-interrupt test (UART_BUG_TXEN if TEMT and no interrupt).
    out(LCR, 0x03);
    out(MCR, MCR_OUT2 | MCR_DTR | MCR_RTS);
    const int before = m_line.count();
    out(IER, IER_ETBEI);
    EXPECT_EQ(in(LSR) & LSR_TX_EMPTY, LSR_TX_EMPTY);
    EXPECT_EQ(in(IIR) & IIR_NONE, 0);
    out(IER, 0);
    EXPECT_EQ(m_line.count(), before + 1);
}

TEST_F(Serial8250Test, ThreadsHammeringInputAndRegistersAgree)
{
    out(MCR, MCR_OUT2);
    out(IER, IER_ERBFI | IER_ETBEI);
    std::atomic<std::size_t> accepted{0};
    std::atomic<std::size_t> received{0};
    std::atomic<bool> producing{true};
    std::vector<std::thread> threads;
    for (int p = 0; p < 3; ++p) {
        threads.emplace_back([&] {
            for (int i = 0; i < 2000; ++i)
                accepted += enqueue("0123456789");
        });
    }
    for (int c = 0; c < 2; ++c) {
        threads.emplace_back([&] {
            while (producing.load() || (in(LSR) & LSR_DATA_READY)) {
                in(IIR);
                while (in(LSR) & LSR_DATA_READY) {
                    // Another reader may take the byte between LSR and RBR; count real ones.
                    if (in(RBR) != 0)
                        ++received;
                }
                out(THR, '.');
            }
        });
    }
    for (int p = 0; p < 3; ++p)
        threads[static_cast<std::size_t>(p)].join();
    producing = false;
    for (std::size_t c = 3; c < threads.size(); ++c)
        threads[c].join();
    EXPECT_EQ(received.load(), accepted.load());
    EXPECT_GT(accepted.load(), 0u);
    EXPECT_GT(m_line.count(), 0);
}

}  // namespace
}  // namespace nimbus
