// Host quirks: the emulated-KVM command line only where /sys/module/kvm_pvm exists.
#include <gtest/gtest.h>

#include <filesystem>

#include "kvm/host_quirks.hpp"

using namespace nimbus;

TEST(HostQuirks, DetectsKvmPvmModule)
{
    auto root = std::filesystem::temp_directory_path() / ("nimbus-quirks-" + std::to_string(::getpid()));
    std::filesystem::create_directories(root / "module");
    EXPECT_FALSE(detect_host_quirks(root.string()).emulated_kvm);
    std::filesystem::create_directories(root / "module" / "kvm_pvm");
    EXPECT_TRUE(detect_host_quirks(root.string()).emulated_kvm);
    std::filesystem::remove_all(root);
}

TEST(HostQuirks, NormalHostGetsNothingAdded)
{
    EXPECT_EQ(guest_cmdline_additions(HostQuirks{false}), "");
    std::string extra = guest_cmdline_additions(HostQuirks{true});
    EXPECT_NE(extra.find("nopv"), std::string::npos);
    EXPECT_NE(extra.find("noxsave"), std::string::npos);
    EXPECT_NE(extra.find("acpi=off"), std::string::npos);
    EXPECT_NE(extra.find("clearcpuid="), std::string::npos);
    EXPECT_NE(extra.find("popcnt"), std::string::npos);
}
