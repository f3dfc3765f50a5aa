// I8042 tests: the reset line and the few controller commands answered.
#include "devices/legacy/i8042.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace nimbus {
namespace {

class RecordingControl final : public VmControl {
public:
    void request_exit(VmExitReason reason) override { requests.push_back(reason); }
    std::vector<VmExitReason> requests;
};

class I8042Test : public ::testing::Test {
protected:
    void out(std::uint64_t offset, std::uint8_t value) { m_device.write(offset, std::span(&value, 1)); }
    std::uint8_t in(std::uint64_t offset)
    {
        std::uint8_t value = 0;
        m_device.read(offset, std::span(&value, 1));
        return value;
    }

    RecordingControl m_control;
    I8042 m_device{m_control};
};

TEST_F(I8042Test, StatusStartsEmpty)
{
    EXPECT_EQ(in(I8042::COMMAND), 0);
}

TEST_F(I8042Test, PulseResetRequestsResetOnce)
{
    // Linux's BOOT_KBD path: wait for the input buffer to drain, then command 0xfe.
    ASSERT_EQ(in(I8042::COMMAND) & I8042::STATUS_INPUT_FULL, 0);
    out(I8042::COMMAND, 0xfe);
    ASSERT_EQ(m_control.requests.size(), 1u);
    EXPECT_EQ(m_control.requests[0], VmExitReason::Reset);
}

TEST_F(I8042Test, OtherCommandsDoNotReset)
{
    for (int command : {0x20, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xad, 0xae, 0xd0, 0xff, 0x01, 0xc0})
        out(I8042::COMMAND, static_cast<std::uint8_t>(command));
    out(I8042::DATA, 0xfe);  // a byte for the (absent) keyboard, not a controller command
    out(1, 0xfe);            // port 0x61 is not ours to interpret
    EXPECT_TRUE(m_control.requests.empty());
}

TEST_F(I8042Test, SelfTestAndCommandByte)
{
    out(I8042::COMMAND, 0xaa);
    EXPECT_EQ(in(I8042::COMMAND) & I8042::STATUS_OUTPUT_FULL, I8042::STATUS_OUTPUT_FULL);
    EXPECT_EQ(in(I8042::DATA), 0x55);
    EXPECT_EQ(in(I8042::COMMAND) & I8042::STATUS_OUTPUT_FULL, 0);

    out(I8042::COMMAND, 0x60);
    out(I8042::DATA, 0x47);
    out(I8042::COMMAND, 0x20);
    EXPECT_EQ(in(I8042::DATA), 0x47);
    EXPECT_TRUE(m_control.requests.empty());
}

TEST_F(I8042Test, OutputPortWriteWithResetBitClearResets)
{
    out(I8042::COMMAND, 0xd1);
    out(I8042::DATA, 0x03);  // reset line stays high
    EXPECT_TRUE(m_control.requests.empty());
    out(I8042::COMMAND, 0xd1);
    out(I8042::DATA, 0x02);
    ASSERT_EQ(m_control.requests.size(), 1u);
    EXPECT_EQ(m_control.requests[0], VmExitReason::Reset);
}

}  // namespace
}  // namespace nimbus
