// VirtioConsole tests: transmitq output, held and delivered input, emergency write, config space.
#include "devices/virtio/console/virtio_console.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "devices/virtio/virtio_constants.hpp"
#include "tests/unit/devices/virtio/fake_driver.hpp"
#include "tests/unit/support/guest_memory_fixture.hpp"

namespace nimbus {
namespace {

using namespace virtio;

constexpr std::uint64_t BUFFER = 0x40'0000;

std::span<const std::uint8_t> as_bytes(const std::string& text)
{
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

class VirtioConsoleTest : public ::testing::Test {
protected:
    void activate()
    {
        std::vector<VirtQueue> queues;
        for (test::FakeRing* ring : {&m_receive, &m_transmit}) {
            auto queue = VirtQueue::create(m_memory, ring->layout(), VirtioConsole::QUEUE_SIZE, 0);
            ASSERT_TRUE(queue);
            queues.push_back(std::move(*queue));
        }
        ASSERT_TRUE(m_console.activate({m_memory, m_interrupt, F_VERSION_1, std::move(queues)}));
    }
    std::string text_at(std::uint64_t address, std::size_t length)
    {
        std::string out(length, '\0');
        EXPECT_TRUE(m_memory.read(address, {reinterpret_cast<std::uint8_t*>(out.data()), length}));
        return out;
    }

    GuestMemory m_memory = test::make_memory(16 << 20);
    test::CountingLine m_line;
    VirtioInterrupt m_interrupt{m_line};
    test::FakeRing m_receive{m_memory, 0x10'0000, 8};
    test::FakeRing m_transmit{m_memory, 0x20'0000, 8};
    std::string m_output;
    VirtioConsole m_console{
        [this](std::span<const std::uint8_t> bytes) { m_output.append(bytes.begin(), bytes.end()); }};
};

TEST_F(VirtioConsoleTest, TransmitqGoesToTheOutput)
{
    activate();
    (void)m_memory.write(BUFFER, as_bytes("hello "));
    (void)m_memory.write(BUFFER + 0x100, as_bytes("hvc0\n"));
    m_transmit.set_descriptor(0, BUFFER, 6, DESC_F_NEXT, 1);
    m_transmit.set_descriptor(1, BUFFER + 0x100, 5, 0);
    m_transmit.make_available(0);
    m_console.queue_notified(VirtioConsole::TRANSMIT_QUEUE);
    EXPECT_EQ(m_output, "hello hvc0\n");
    ASSERT_EQ(m_transmit.used_index(), 1);
    EXPECT_EQ(m_transmit.used_element(0).length, 0u);
    EXPECT_EQ(m_line.count(), 1);
}

TEST_F(VirtioConsoleTest, WritableTransmitBuffersAreNotOutput)
{
    activate();
    (void)m_memory.write(BUFFER, as_bytes("secret"));
    m_transmit.set_descriptor(0, BUFFER, 6, DESC_F_WRITE);
    m_transmit.make_available(0);
    m_console.queue_notified(VirtioConsole::TRANSMIT_QUEUE);
    EXPECT_EQ(m_output, "");
    EXPECT_EQ(m_transmit.used_index(), 1);
}

TEST_F(VirtioConsoleTest, InputWaitsForReceiveBuffers)
{
    activate();
    EXPECT_EQ(m_console.enqueue_input(as_bytes("typed")), 5u);
    EXPECT_EQ(m_console.pending_input(), 5u);
    EXPECT_EQ(m_receive.used_index(), 0);

    m_receive.set_descriptor(0, BUFFER, 3, DESC_F_WRITE);
    m_receive.set_descriptor(1, BUFFER + 0x100, 16, DESC_F_WRITE);
    m_receive.make_available(0);
    m_receive.make_available(1);
    m_console.queue_notified(VirtioConsole::RECEIVE_QUEUE);
    ASSERT_EQ(m_receive.used_index(), 2);
    EXPECT_EQ(m_receive.used_element(0).length, 3u);
    EXPECT_EQ(m_receive.used_element(1).length, 2u);
    EXPECT_EQ(text_at(BUFFER, 3), "typ");
    EXPECT_EQ(text_at(BUFFER + 0x100, 2), "ed");
    EXPECT_EQ(m_console.pending_input(), 0u);
}

TEST_F(VirtioConsoleTest, InputIsDeliveredAtOnceWhenABufferWaits)
{
    activate();
    m_receive.set_descriptor(0, BUFFER, 16, DESC_F_WRITE);
    m_receive.make_available(0);
    m_console.queue_notified(VirtioConsole::RECEIVE_QUEUE);  // nothing to deliver: the buffer stays
    EXPECT_EQ(m_receive.used_index(), 0);
    m_console.enqueue_input(as_bytes("x"));
    ASSERT_EQ(m_receive.used_index(), 1);
    EXPECT_EQ(m_receive.used_element(0).length, 1u);
    EXPECT_EQ(m_interrupt.status(), INTERRUPT_USED_BUFFER);
}

TEST_F(VirtioConsoleTest, InputBeforeActivationIsHeldAndBounded)
{
    std::string lots(VirtioConsole::MAX_PENDING_INPUT + 100, 'a');
    EXPECT_EQ(m_console.enqueue_input(as_bytes(lots)), VirtioConsole::MAX_PENDING_INPUT);
    EXPECT_EQ(m_console.enqueue_input(as_bytes("b")), 0u);
    activate();
    m_receive.set_descriptor(0, BUFFER, 0x1000, DESC_F_WRITE);
    m_receive.make_available(0);
    m_console.queue_notified(VirtioConsole::RECEIVE_QUEUE);
    EXPECT_EQ(m_console.pending_input(), VirtioConsole::MAX_PENDING_INPUT - 0x1000);
}

TEST_F(VirtioConsoleTest, ReadableReceiveBufferGetsNothing)
{
    activate();
    m_console.enqueue_input(as_bytes("abc"));
    m_receive.set_descriptor(0, BUFFER, 16, 0);  // the driver's mistake
    m_receive.set_descriptor(1, BUFFER + 0x100, 16, DESC_F_WRITE);
    m_receive.make_available(0);
    m_receive.make_available(1);
    m_console.queue_notified(VirtioConsole::RECEIVE_QUEUE);
    ASSERT_EQ(m_receive.used_index(), 2);
    EXPECT_EQ(m_receive.used_element(0).length, 0u);
    EXPECT_EQ(text_at(BUFFER, 3), std::string(3, '\0'));
    EXPECT_EQ(text_at(BUFFER + 0x100, 3), "abc");
}

TEST_F(VirtioConsoleTest, EmergencyWriteAndConfigSpace)
{
    const std::uint32_t character = 'Z';
    m_console.write_config(VirtioConsole::CONFIG_EMERG_WR, {reinterpret_cast<const std::uint8_t*>(&character), 4});
    EXPECT_EQ(m_output, "Z");
    m_console.write_config(0, {reinterpret_cast<const std::uint8_t*>(&character), 4});  // cols/rows: read-only
    EXPECT_EQ(m_output, "Z");
    std::uint32_t ports = 0;
    m_console.read_config(VirtioConsole::CONFIG_MAX_NR_PORTS, {reinterpret_cast<std::uint8_t*>(&ports), 4});
    EXPECT_EQ(ports, 1u);
    std::uint8_t beyond[4] = {1, 1, 1, 1};
    m_console.read_config(0x200, beyond);
    EXPECT_EQ(beyond[0], 0);
    EXPECT_EQ(m_console.device_features(), VirtioConsole::F_EMERG_WRITE);
    EXPECT_EQ(m_console.device_type(), DEVICE_CONSOLE);
}

}  // namespace
}  // namespace nimbus
