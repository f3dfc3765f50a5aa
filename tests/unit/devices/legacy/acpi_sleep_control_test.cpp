// AcpiSleepControl: SLP_TYP=5 with SLP_EN powers off; anything else is ignored.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "devices/legacy/acpi_sleep_control.hpp"

using namespace nimbus;

namespace {
struct RecordingControl final : VmControl {
    void request_exit(VmExitReason reason) override { reasons.push_back(reason); }
    std::vector<VmExitReason> reasons;
};

void write_byte(AcpiSleepControl& device, std::uint64_t offset, std::uint8_t value)
{
    std::array<std::uint8_t, 1> data{value};
    device.write(offset, data);
}
}  // namespace

TEST(AcpiSleepControl, SoftOffWithSleepEnablePowersOff)
{
    RecordingControl control;
    AcpiSleepControl device(control);
    write_byte(device, 0, (5 << 2) | (1 << 5));
    ASSERT_EQ(control.reasons.size(), 1u);
    EXPECT_EQ(control.reasons[0], VmExitReason::PowerOff);
}

TEST(AcpiSleepControl, OtherWritesDoNothing)
{
    RecordingControl control;
    AcpiSleepControl device(control);
    write_byte(device, 0, 5 << 2);               // SLP_EN clear
    write_byte(device, 0, (3 << 2) | (1 << 5));  // S3: not supported
    write_byte(device, 1, 0xff);                 // status register
    EXPECT_TRUE(control.reasons.empty());
    std::array<std::uint8_t, 1> status{0xaa};
    device.read(1, status);
    EXPECT_EQ(status[0], 0);
}
