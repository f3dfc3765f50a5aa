// build_kernel_cmdline: xl's composition, root= rewriting, the console argument.
#include "config/kernel_cmdline.hpp"

#include <gtest/gtest.h>

namespace nimbus {
namespace {

std::vector<DiskConfig> two_disks()
{
    std::vector<DiskConfig> disks(2);
    disks[0].vdev = "xvdb1";
    disks[0].target = "/root.img";
    disks[0].guest_device = "/dev/vda";
    disks[1].vdev = "xvdb2";
    disks[1].target = "/swap.img";
    disks[1].guest_device = "/dev/vdb";
    return disks;
}

std::string build(KernelCmdlineInputs inputs, std::vector<std::string>* warnings_out = nullptr)
{
    std::vector<std::string> notices, warnings;
    std::string line = build_kernel_cmdline(inputs, two_disks(), notices, warnings);
    if (warnings_out)
        *warnings_out = warnings;
    return line;
}

TEST(KernelCmdline, AsXlBuildsIt)
{
    EXPECT_EQ(build({std::nullopt, "/dev/xvdb1 rw", "xencons=tty"}), "root=/dev/vda rw xencons=tty console=ttyS0");
    EXPECT_EQ(build({std::nullopt, "/dev/sda1", std::nullopt}), "root=/dev/sda1 console=ttyS0");
    EXPECT_EQ(build({std::nullopt, std::nullopt, "quiet"}), "quiet console=ttyS0");
    EXPECT_EQ(build({std::nullopt, std::nullopt, std::nullopt}), "console=ttyS0");
    EXPECT_EQ(build({"root=/dev/xvdb2 console=hvc0", std::nullopt, std::nullopt}), "root=/dev/vdb console=hvc0");
    EXPECT_EQ(build({"a  b\troot=/dev/xvdb1", std::nullopt, std::nullopt}), "a  b\troot=/dev/vda console=ttyS0");
}

TEST(KernelCmdline, WarningsAndNotices)
{
    std::vector<std::string> warnings;
    build({"x", "/dev/xvda", std::nullopt}, &warnings);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("root= and extra= are ignored"), std::string::npos);
    build({std::nullopt, "/dev/xvdc", std::nullopt}, &warnings);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0], "root=/dev/xvdc names no disk= vdev: left as written");
    std::vector<std::string> notices;
    build_kernel_cmdline({std::nullopt, "/dev/xvdb1", std::nullopt}, two_disks(), notices, warnings);
    ASSERT_EQ(notices.size(), 2u);
    EXPECT_EQ(notices[0], "root=/dev/xvdb1 is disk '/root.img', which the guest sees as /dev/vda: root=/dev/vda");
}

}  // namespace
}  // namespace nimbus
