// Fatal exit messages: which exit, the RIP and the instruction bytes.
#include <gtest/gtest.h>

#include <array>

#include "vmm/vcpu_exit.hpp"

using namespace nimbus;

TEST(VcpuExit, EmulationFailureNamesSuberrorRipAndBytes)
{
    kvm_run run{};
    run.exit_reason = KVM_EXIT_INTERNAL_ERROR;
    run.internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
    std::array<std::uint8_t, 3> bytes{0xf3, 0x0f, 0xb8};
    std::string text = describe_fatal_exit(run, 1, 0xffffffff81000000ull, bytes);
    EXPECT_EQ(text, "vCPU 1 stopped: KVM_EXIT_INTERNAL_ERROR (suberror 1: instruction emulation failed) at RIP "
                    "0xffffffff81000000, instruction bytes f3 0f b8");
}

TEST(VcpuExit, FailEntryAndUnknownExits)
{
    kvm_run run{};
    run.exit_reason = KVM_EXIT_FAIL_ENTRY;
    run.fail_entry.hardware_entry_failure_reason = 0x21;
    EXPECT_EQ(describe_fatal_exit(run, 0, std::nullopt, {}),
              "vCPU 0 stopped: KVM_EXIT_FAIL_ENTRY (hardware entry failure reason 0x21)");
    EXPECT_EQ(exit_reason_name(999), "exit reason 999");
}
