// vm_config_from_domain: what a domain config becomes for the VMM.
#include "control/vm_config_from_domain.hpp"

#include <gtest/gtest.h>

namespace nimbus::control {
namespace {

DomainConfig sample()
{
    DomainConfig domain;
    domain.name = "guest1";
    domain.memory_mib = 1024;
    domain.vcpus = 2;
    domain.kernel = "/images/vmlinux";
    domain.ramdisk = "/images/initrd.img";
    domain.cmdline = "root=/dev/vdb rw console=hvc0";
    DiskConfig root{"/images/guest1.img", DiskFormat::Raw, "xvdb1", DiskAccess::ReadWrite, false, "/dev/vdb"};
    DiskConfig swap{"/images/swap.qcow2", DiskFormat::Qcow2, "xvda", DiskAccess::ReadOnly, false, "/dev/vda"};
    DiskConfig cdrom{"/images/tools.iso", DiskFormat::Raw, "hdc", DiskAccess::ReadWrite, true, "/dev/vdc"};
    domain.disks = {root, swap, cdrom};
    return domain;
}

TEST(VmConfigFromDomain, MapsMachineAndDisksInConfigOrder)
{
    VmConfig config = vm_config_from_domain(sample());
    EXPECT_EQ(config.memory_mib, 1024u);
    EXPECT_EQ(config.vcpus, 2u);
    EXPECT_EQ(config.kernel, "/images/vmlinux");
    EXPECT_EQ(config.initrd, "/images/initrd.img");
    EXPECT_EQ(config.cmdline, "root=/dev/vdb rw console=hvc0");
    ASSERT_EQ(config.virtio.disks.size(), 3u);
    EXPECT_EQ(config.virtio.disks[0].path, "/images/guest1.img");
    EXPECT_FALSE(config.virtio.disks[0].read_only);
    EXPECT_EQ(config.virtio.disks[1].format, DiskFormat::Qcow2);
    EXPECT_TRUE(config.virtio.disks[1].read_only);
    EXPECT_TRUE(config.virtio.disks[2].read_only);  // a cdrom is never written
    EXPECT_TRUE(config.virtio.console);
}

TEST(VmConfigFromDomain, VirtioConsoleOnlyForHvc0)
{
    DomainConfig domain = sample();
    domain.cmdline = "console=ttyS0 xconsole=hvc0";
    EXPECT_FALSE(vm_config_from_domain(domain).virtio.console);
    domain.cmdline = "console=hvc0 console=ttyS0";
    EXPECT_TRUE(vm_config_from_domain(domain).virtio.console);
}

}  // namespace
}  // namespace nimbus::control
