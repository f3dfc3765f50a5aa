// VirtioDevices tests: slots, the kernel command line fragment, and where console input goes.
#include "vmm/virtio_devices.hpp"

#include <gtest/gtest.h>

namespace nimbus {
namespace {

TEST(VirtioDevices, SlotsSkipTheRtcGsiAndStopAt15)
{
    EXPECT_EQ(VirtioDevices::slot(0)->base, 0xd000'0000u);
    EXPECT_EQ(VirtioDevices::slot(0)->gsi, 5u);
    EXPECT_EQ(VirtioDevices::slot(2)->gsi, 7u);
    EXPECT_EQ(VirtioDevices::slot(3)->gsi, 9u);
    EXPECT_EQ(VirtioDevices::slot(3)->base, 0xd000'3000u);
    EXPECT_EQ(VirtioDevices::slot(9)->gsi, 15u);
    EXPECT_FALSE(VirtioDevices::slot(10));
}

TEST(VirtioDevices, CommandLineFragment)
{
    EXPECT_EQ(*VirtioDevices::cmdline_fragment({}), "");
    EXPECT_EQ(*VirtioDevices::cmdline_fragment({.disks = {}, .rng = true, .console = true}),
              " virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0001000:6");
}

TEST(VirtioDevices, AcpiDescriptionsMatchTheSlots)
{
    EXPECT_TRUE(VirtioDevices::acpi_descriptions({})->empty());
    auto devices = *VirtioDevices::acpi_descriptions({.disks = {}, .rng = true, .console = true});
    ASSERT_EQ(devices.size(), 2u);
    EXPECT_EQ(devices[0].base, 0xd000'0000u);
    EXPECT_EQ(devices[0].size, 0x1000u);
    EXPECT_EQ(devices[0].gsi, 5u);
    EXPECT_EQ(devices[1].base, 0xd000'1000u);
    EXPECT_EQ(devices[1].gsi, 6u);
}

TEST(VirtioDevices, OnlyAFinalAcpiOffDisablesAcpi)
{
    EXPECT_TRUE(cmdline_disables_acpi("acpi=off"));
    EXPECT_TRUE(cmdline_disables_acpi("console=ttyS0 nopv acpi=off noxsave"));
    EXPECT_TRUE(cmdline_disables_acpi("acpi=force acpi=off"));
    EXPECT_FALSE(cmdline_disables_acpi("acpi=off acpi=force"));
    EXPECT_FALSE(cmdline_disables_acpi(""));
    EXPECT_FALSE(cmdline_disables_acpi("console=ttyS0 panic=-1"));
    EXPECT_FALSE(cmdline_disables_acpi("acpi=offx"));
    EXPECT_FALSE(cmdline_disables_acpi("pci=noacpi"));
    EXPECT_FALSE(cmdline_disables_acpi("xacpi=off"));
}

TEST(VirtioDevices, DisksComeFirstAndCount)
{
    VirtioDiskRequest disk;
    disk.path = "a.img";
    VirtioDeviceRequests requests{.disks = {disk, disk}, .rng = true, .console = false};
    EXPECT_EQ(*VirtioDevices::cmdline_fragment(requests),
              " virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0001000:6"
              " virtio_mmio.device=4K@0xd0002000:7");
    requests.disks.resize(VirtioDevices::MAX_DEVICES, disk);
    EXPECT_FALSE(VirtioDevices::cmdline_fragment(requests));  // 11 devices do not fit
}

TEST(VirtioDevices, LastConsoleDecidesWhereInputGoes)
{
    EXPECT_TRUE(last_console_is_hvc0("console=hvc0"));
    EXPECT_TRUE(last_console_is_hvc0("console=ttyS0 reboot=k console=hvc0,115200 panic=-1"));
    EXPECT_FALSE(last_console_is_hvc0("console=hvc0 console=ttyS0"));
    EXPECT_FALSE(last_console_is_hvc0("console=ttyS0"));
    EXPECT_FALSE(last_console_is_hvc0(""));
    EXPECT_FALSE(last_console_is_hvc0("console=hvc01"));
    EXPECT_FALSE(last_console_is_hvc0("xconsole=hvc0"));
}

}  // namespace
}  // namespace nimbus
