// VmConfig: the numbers a user types are checked with a message naming the option.
#include <gtest/gtest.h>

#include "vmm/vm_config.hpp"

using namespace nimbus;

TEST(VmConfig, RejectsZeroMemoryAndBadVcpuCounts)
{
    VmConfig config;
    config.kernel = "/boot/vmlinux";
    EXPECT_EQ(validate_vm_config(config), "");
    config.memory_mib = 0;
    EXPECT_EQ(validate_vm_config(config), "--memory must be at least 1 (MiB)");
    config.memory_mib = 256;
    config.vcpus = 0;
    EXPECT_NE(validate_vm_config(config).find("--vcpus"), std::string::npos);
    config.vcpus = 255;
    EXPECT_NE(validate_vm_config(config).find("--vcpus"), std::string::npos);
    config.vcpus = 2;
    config.kernel.clear();
    EXPECT_NE(validate_vm_config(config).find("--kernel"), std::string::npos);
}
