// XenVdev and virtio_disk_name.
#include "config/xen_vdev.hpp"

#include <gtest/gtest.h>

namespace nimbus {
namespace {

TEST(XenVdev, Forms)
{
    auto check = [](std::string_view name, std::uint32_t disk, std::uint32_t partition) {
        auto vdev = XenVdev::parse(name);
        ASSERT_TRUE(vdev) << name;
        EXPECT_EQ(vdev->disk, disk) << name;
        EXPECT_EQ(vdev->partition, partition) << name;
    };
    check("xvda", 0, 0);
    check("xvdb1", 1, 1);
    check("xvdb2", 1, 2);
    check("xvdz", 25, 0);
    check("xvdaa", 26, 0);
    check("xvdc255", 2, 255);
    check("hdd63", 3, 63);
    check("sdp15", 15, 15);
    check("d0p1", 0, 1);
    check("d3", 3, 0);
}

TEST(XenVdev, Rejected)
{
    for (std::string_view name : {"", "xvd", "xvda0", "xvda01", "xvda256", "hde", "hda64", "sdq", "sda16", "vda", "xvdA",
                                  "d", "dp1", "d1p0", "xvda1x", "/dev/xvda"}) {
        auto vdev = XenVdev::parse(name);
        EXPECT_FALSE(vdev) << name;
        if (!vdev) {
            EXPECT_NE(vdev.error().message().find("not a Xen disk name"), std::string::npos);
        }
    }
}

TEST(XenVdev, VirtioNames)
{
    EXPECT_EQ(virtio_disk_name(0), "vda");
    EXPECT_EQ(virtio_disk_name(25), "vdz");
    EXPECT_EQ(virtio_disk_name(26), "vdaa");
    EXPECT_EQ(virtio_disk_name(27), "vdab");
    EXPECT_EQ(virtio_disk_name(701), "vdzz");
    EXPECT_EQ(virtio_disk_name(702), "vdaaa");
}

}  // namespace
}  // namespace nimbus
