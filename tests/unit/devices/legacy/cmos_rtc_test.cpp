// CmosRtc tests: clock encodings, the index port and the memory-size bytes.
#include "devices/legacy/cmos_rtc.hpp"

#include <ctime>

#include <gtest/gtest.h>

namespace nimbus {
namespace {

// Thursday 2024-02-29 13:45:07 UTC.
std::chrono::system_clock::time_point fixed_time()
{
    std::tm utc{};
    utc.tm_year = 124;
    utc.tm_mon = 1;
    utc.tm_mday = 29;
    utc.tm_hour = 13;
    utc.tm_min = 45;
    utc.tm_sec = 7;
    return std::chrono::system_clock::from_time_t(::timegm(&utc));
}

constexpr std::uint64_t GIB = 1024ull * 1024 * 1024;

class CmosRtcTest : public ::testing::Test {
protected:
    std::uint8_t get(std::uint8_t index)
    {
        out(CmosRtc::INDEX, index);
        return in(CmosRtc::DATA);
    }
    void set(std::uint8_t index, std::uint8_t value)
    {
        out(CmosRtc::INDEX, index);
        out(CmosRtc::DATA, value);
    }
    void out(std::uint64_t offset, std::uint8_t value) { m_rtc.write(offset, std::span(&value, 1)); }
    std::uint8_t in(std::uint64_t offset)
    {
        std::uint8_t value = 0;
        m_rtc.read(offset, std::span(&value, 1));
        return value;
    }

    CmosRtc m_rtc{3 * GIB, 1 * GIB, fixed_time};
};

TEST_F(CmosRtcTest, TimeInBcdByDefault)
{
    EXPECT_EQ(get(0x0b), 0x02);  // 24-hour, BCD
    EXPECT_EQ(get(0x00), 0x07);
    EXPECT_EQ(get(0x02), 0x45);
    EXPECT_EQ(get(0x04), 0x13);
    EXPECT_EQ(get(0x06), 0x05);  // Thursday; 1 = Sunday
    EXPECT_EQ(get(0x07), 0x29);
    EXPECT_EQ(get(0x08), 0x02);
    EXPECT_EQ(get(0x09), 0x24);
    EXPECT_EQ(get(0x32), 0x20);
}

TEST_F(CmosRtcTest, TimeInBinaryWhenRegisterBSaysSo)
{
    set(0x0b, 0x06);
    EXPECT_EQ(get(0x00), 7);
    EXPECT_EQ(get(0x02), 45);
    EXPECT_EQ(get(0x04), 13);
    EXPECT_EQ(get(0x07), 29);
    EXPECT_EQ(get(0x09), 24);
    EXPECT_EQ(get(0x32), 20);
}

TEST_F(CmosRtcTest, TwelveHourModeSetsThePmBit)
{
    set(0x0b, 0x00);
    EXPECT_EQ(get(0x04), 0x81);
    set(0x0b, 0x04);
    EXPECT_EQ(get(0x04), 0x81);
}

TEST_F(CmosRtcTest, StatusRegisters)
{
    EXPECT_EQ(get(0x0a), 0x26);  // UIP clear
    EXPECT_EQ(get(0x0c), 0x00);
    EXPECT_EQ(get(0x0d), 0x80);
    set(0x0a, 0xa6);
    EXPECT_EQ(get(0x0a), 0x26);  // UIP is read-only
    set(0x0d, 0x00);
    EXPECT_EQ(get(0x0d), 0x80);
}

TEST_F(CmosRtcTest, GuestCannotSetTheClock)
{
    set(0x00, 0x30);
    EXPECT_EQ(get(0x00), 0x07);
}

TEST_F(CmosRtcTest, NmiBitIsNotPartOfTheIndex)
{
    out(CmosRtc::INDEX, 0x80 | 0x02);
    EXPECT_EQ(in(CmosRtc::DATA), 0x45);
}

TEST_F(CmosRtcTest, IndexWrapsInside128Bytes)
{
    set(0x40, 0x5a);
    out(CmosRtc::INDEX, 0xc0);  // 0x40 with the NMI bit
    EXPECT_EQ(in(CmosRtc::DATA), 0x5a);
    set(0xff, 0x77);
    EXPECT_EQ(get(0x7f), 0x77);
}

TEST_F(CmosRtcTest, IndexPortIsWriteOnly)
{
    out(CmosRtc::INDEX, 0x10);
    EXPECT_EQ(in(CmosRtc::INDEX), 0xff);
}

TEST_F(CmosRtcTest, MemorySizeBytes)
{
    // (3 GiB - 16 MiB) / 64 KiB = 0xbf00; 1 GiB / 64 KiB = 0x4000.
    EXPECT_EQ(get(0x34), 0x00);
    EXPECT_EQ(get(0x35), 0xbf);
    EXPECT_EQ(get(0x5b), 0x00);
    EXPECT_EQ(get(0x5c), 0x40);
    EXPECT_EQ(get(0x5d), 0x00);
    EXPECT_EQ(get(0x15) | get(0x16) << 8, 640);
    EXPECT_EQ(get(0x30) | get(0x31) << 8, 0xfc00);  // capped
}

TEST(CmosRtcClock, DefaultClockFollowsTheHost)
{
    CmosRtc rtc;
    std::uint8_t value = 0x32;
    rtc.write(CmosRtc::INDEX, std::span(&value, 1));
    rtc.read(CmosRtc::DATA, std::span(&value, 1));
    EXPECT_EQ(value, 0x20);  // this century, in BCD
}

}  // namespace
}  // namespace nimbus
