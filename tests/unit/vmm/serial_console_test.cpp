// SerialConsole: the Ctrl-A escape and back-pressure from a full UART FIFO.
#include <gtest/gtest.h>

#include <string>

#include "vmm/serial_console.hpp"

using namespace nimbus;

namespace {
struct Fixture {
    std::string delivered;
    std::size_t room = 1000;
    bool quit = false;
    int presses = 0;
    SerialConsole console{[this](std::span<const std::uint8_t> bytes) {
                              std::size_t count = std::min(room, bytes.size());
                              delivered.append(reinterpret_cast<const char*>(bytes.data()), count);
                              room -= count;
                              return count;
                          },
                          [this] { quit = true; }, true, [this] { ++presses; }};
    void type(const std::string& text)
    {
        console.input({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
    }
};
}  // namespace

TEST(SerialConsole, PassesOrdinaryInput)
{
    Fixture f;
    f.type("ls\r");
    EXPECT_EQ(f.delivered, "ls\r");
    EXPECT_FALSE(f.quit);
}

TEST(SerialConsole, CtrlAXQuits)
{
    Fixture f;
    f.type("a\x01x");
    EXPECT_TRUE(f.quit);
    EXPECT_EQ(f.delivered, "a");
}

TEST(SerialConsole, CtrlACtrlASendsOneCtrlA)
{
    Fixture f;
    f.type("\x01\x01z");
    EXPECT_EQ(f.delivered, "\x01z");
    f.type("\x01q");
    EXPECT_EQ(f.delivered, "\x01z\x01q");
}

TEST(SerialConsole, KeepsWhatTheFifoCouldNotTake)
{
    Fixture f;
    f.room = 2;
    f.type("hello");
    EXPECT_EQ(f.delivered, "he");
    EXPECT_TRUE(f.console.has_pending());
    f.room = 10;
    f.console.flush_pending();
    EXPECT_EQ(f.delivered, "hello");
    EXPECT_FALSE(f.console.has_pending());
}

TEST(SerialConsole, EscapeOffPassesCtrlA)
{
    std::string delivered;
    bool quit = false;
    SerialConsole console(
        [&](std::span<const std::uint8_t> bytes) {
            delivered.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
            return bytes.size();
        },
        [&] { quit = true; }, false);
    std::string text = "\x01x";
    console.input({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
    EXPECT_FALSE(quit);
    EXPECT_EQ(delivered, text);
}

TEST(SerialConsole, CtrlAPPressesThePowerButtonAndPassesTheRest)
{
    Fixture f;
    f.type("a\x01pb\x01P");
    EXPECT_EQ(f.presses, 2);
    EXPECT_FALSE(f.quit);
    EXPECT_EQ(f.delivered, "ab");
}

TEST(SerialConsole, CtrlAPWithoutAPowerButtonSendsBoth)
{
    std::string delivered;
    SerialConsole console(
        [&](std::span<const std::uint8_t> bytes) {
            delivered.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
            return bytes.size();
        },
        [] {}, true);
    std::string text = "\x01p";
    console.input({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
    EXPECT_EQ(delivered, text);
}
