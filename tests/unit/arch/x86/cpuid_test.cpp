// Tests for build_cpuid: topology, hypervisor bit and KVM leaves, on synthetic and real KVM lists.
#include "arch/x86/cpuid.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>

#include "kvm/kvm.hpp"

#include <cerrno>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "base/unique_fd.hpp"

namespace nimbus::x86 {
namespace {

constexpr std::uint32_t SIGNIFICANT = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;

kvm_cpuid_entry2 entry(std::uint32_t function, std::uint32_t index, std::uint32_t flags, std::uint32_t eax,
                       std::uint32_t ebx, std::uint32_t ecx, std::uint32_t edx)
{
    kvm_cpuid_entry2 e{};
    e.function = function;
    e.index = index;
    e.flags = flags;
    e.eax = eax;
    e.ebx = ebx;
    e.ecx = ecx;
    e.edx = edx;
    return e;
}

// Vendor string registers in CPUID order EBX, EDX, ECX.
kvm_cpuid_entry2 vendor_leaf(const char (&name)[13], std::uint32_t max_leaf)
{
    std::uint32_t regs[3];
    std::memcpy(regs, name, 12);
    return entry(0, 0, 0, max_leaf, regs[0], regs[2], regs[1]);
}

// Shaped like KVM_GET_SUPPORTED_CPUID on an Intel host (Linux 6.1 arch/x86/kvm/cpuid.c).
std::vector<kvm_cpuid_entry2> intel_supported(bool with_kvm_leaves = true)
{
    std::vector<kvm_cpuid_entry2> list = {
        vendor_leaf("GenuineIntel", 0x1F),
        entry(1, 0, 0, 0x000906EA, 0x00100800 | 0x07, 0x7FFAFBFF, 0x1FABFBFF | (1u << 28)),
        entry(4, 0, SIGNIFICANT, 0x1C004121, 0x01C0003F, 0x3F, 0),  // L1d
        entry(4, 1, SIGNIFICANT, 0x1C004122, 0x01C0003F, 0x3F, 0),  // L1i
        entry(4, 2, SIGNIFICANT, 0x1C004143, 0x00C0003F, 0x3FF, 0),  // L2
        entry(4, 3, SIGNIFICANT, 0x1C03C163, 0x03C0003F, 0x2FFF, 6),  // L3
        entry(4, 4, SIGNIFICANT, 0, 0, 0, 0),                         // end of list
        entry(6, 0, 0, 0x4, 0, 0, 0),
        entry(7, 0, SIGNIFICANT, 0, 0x029C6FBF, 0x40000000, 0xBC000400),
        entry(0xA, 0, 0, 0x07300404, 0, 0, 0x603),
        entry(0xB, 0, SIGNIFICANT, 0, 0, 0, 0),
        entry(0x1F, 0, SIGNIFICANT, 0, 0, 0, 0),
        entry(0x8000'0000, 0, 0, 0x80000008, 0, 0, 0),
        entry(0x8000'0008, 0, 0, 0x3027, 0, 0, 0),
    };
    if (with_kvm_leaves) {
        // "KVMKVMKVM\0\0\0" in EBX, ECX, EDX.
        list.push_back(entry(KVM_CPUID_SIGNATURE_LEAF, 0, 0, KVM_CPUID_FEATURES_LEAF, 0x4B4D564B, 0x564B4D56, 0x4D));
        list.push_back(entry(KVM_CPUID_FEATURES_LEAF, 0, 0, 0x01007AFB, 0, 0, 0));
    }
    return list;
}

std::optional<kvm_cpuid_entry2> find(const std::vector<kvm_cpuid_entry2>& list, std::uint32_t function,
                                     std::uint32_t index = 0)
{
    for (const kvm_cpuid_entry2& e : list)
        if (e.function == function && e.index == index)
            return e;
    return std::nullopt;
}

std::size_t count(const std::vector<kvm_cpuid_entry2>& list, std::uint32_t function)
{
    std::size_t n = 0;
    for (const kvm_cpuid_entry2& e : list)
        n += e.function == function ? 1 : 0;
    return n;
}

std::string kvm_signature(const kvm_cpuid_entry2& e)
{
    char text[12];
    std::memcpy(text, &e.ebx, 4);
    std::memcpy(text + 4, &e.ecx, 4);
    std::memcpy(text + 8, &e.edx, 4);
    return std::string(text, sizeof text);
}

const std::string KVM_SIGNATURE("KVMKVMKVM\0\0\0", 12);

TEST(Cpuid, ApicIdIsIdentity)
{
    for (std::uint32_t i = 0; i < MAX_VCPU_COUNT; ++i)
        EXPECT_EQ(apic_id_for(i), i);
}

TEST(Cpuid, Leaf1DescribesEachVcpu)
{
    auto supported = intel_supported();
    for (std::uint32_t index = 0; index < 4; ++index) {
        auto leaf1 = find(build_cpuid(supported, index, 4), 1);
        ASSERT_TRUE(leaf1);
        EXPECT_EQ(leaf1->ebx >> 24, apic_id_for(index));
        EXPECT_EQ((leaf1->ebx >> 16) & 0xFF, 4u);
        EXPECT_EQ((leaf1->ebx >> 8) & 0xFF, 8u);
        EXPECT_EQ(leaf1->ebx & 0xFF, 0x07u) << "brand index kept";
        EXPECT_EQ(leaf1->eax, 0x000906EAu);
    }
}

TEST(Cpuid, HypervisorBitAlwaysSet)
{
    auto supported = intel_supported();
    supported[1].ecx &= ~(1u << 31);
    for (std::uint32_t vcpus : {1u, 2u, 8u}) {
        auto leaf1 = find(build_cpuid(supported, 0, vcpus), 1);
        ASSERT_TRUE(leaf1);
        EXPECT_NE(leaf1->ecx & (1u << 31), 0u) << vcpus << " vCPUs";
        EXPECT_EQ(leaf1->ecx & ~(1u << 31), 0x7FFAFBFFu) << "other feature bits kept";
    }
}

TEST(Cpuid, HttOnlyWithMoreThanOneVcpu)
{
    auto supported = intel_supported();
    EXPECT_EQ(find(build_cpuid(supported, 0, 1), 1)->edx & (1u << 28), 0u);
    EXPECT_NE(find(build_cpuid(supported, 0, 2), 1)->edx & (1u << 28), 0u);
    supported[1].edx &= ~(1u << 28);
    EXPECT_NE(find(build_cpuid(supported, 1, 2), 1)->edx & (1u << 28), 0u);
}

TEST(Cpuid, KvmLeavesKeepKvmFeatures)
{
    auto cpuid = build_cpuid(intel_supported(), 0, 2);
    auto signature = find(cpuid, KVM_CPUID_SIGNATURE_LEAF);
    auto features = find(cpuid, KVM_CPUID_FEATURES_LEAF);
    ASSERT_TRUE(signature && features);
    EXPECT_EQ(signature->eax, KVM_CPUID_FEATURES_LEAF);
    EXPECT_EQ(kvm_signature(*signature), KVM_SIGNATURE);
    EXPECT_EQ(features->eax, 0x01007AFBu);
    EXPECT_EQ(count(cpuid, KVM_CPUID_SIGNATURE_LEAF), 1u);
    EXPECT_EQ(count(cpuid, KVM_CPUID_FEATURES_LEAF), 1u);
}

TEST(Cpuid, KvmLeavesAddedWhenMissing)
{
    auto cpuid = build_cpuid(intel_supported(false), 0, 1);
    auto signature = find(cpuid, KVM_CPUID_SIGNATURE_LEAF);
    auto features = find(cpuid, KVM_CPUID_FEATURES_LEAF);
    ASSERT_TRUE(signature && features);
    EXPECT_EQ(signature->eax, KVM_CPUID_FEATURES_LEAF);
    EXPECT_EQ(kvm_signature(*signature), KVM_SIGNATURE);
    EXPECT_NE(features->eax & (1u << KVM_FEATURE_CLOCKSOURCE2_BIT), 0u);
}

TEST(Cpuid, ExtendedTopologyLeaves)
{
    auto supported = intel_supported();
    for (std::uint32_t function : {0xBu, 0x1Fu}) {
        auto cpuid = build_cpuid(supported, 5, 6);
        EXPECT_EQ(count(cpuid, function), 3u);
        auto smt = find(cpuid, function, 0);
        auto core = find(cpuid, function, 1);
        auto end = find(cpuid, function, 2);
        ASSERT_TRUE(smt && core && end);
        for (const auto& e : {*smt, *core, *end}) {
            EXPECT_EQ(e.flags, SIGNIFICANT);
            EXPECT_EQ(e.edx, apic_id_for(5));
            EXPECT_EQ(e.ecx & 0xFF, e.index);
        }
        EXPECT_EQ(smt->eax & 0x1F, 0u);  // one thread per core
        EXPECT_EQ(smt->ebx & 0xFFFF, 1u);
        EXPECT_EQ((smt->ecx >> 8) & 0xFF, 1u);  // SMT level
        EXPECT_EQ(core->eax & 0x1F, 3u);  // 6 cores need 3 id bits
        EXPECT_EQ(core->ebx & 0xFFFF, 6u);
        EXPECT_EQ((core->ecx >> 8) & 0xFF, 2u);  // core level
        EXPECT_EQ((end->ecx >> 8) & 0xFF, 0u);  // invalid level ends the list
        EXPECT_EQ(end->eax | end->ebx, 0u);
        // The package id (apic id >> shift) is the same for every vCPU: one package.
        EXPECT_EQ(apic_id_for(5) >> (core->eax & 0x1F), 0u);
    }
    EXPECT_EQ(find(build_cpuid(supported, 0, 1), 0xB, 1)->eax & 0x1F, 0u);
    EXPECT_EQ(find(build_cpuid(supported, 0, 254), 0xB, 1)->eax & 0x1F, 8u);
}

TEST(Cpuid, ExtendedTopologyNotInventedWhenAbsent)
{
    std::vector<kvm_cpuid_entry2> supported;
    for (const auto& e : intel_supported())
        if (e.function != 0xB && e.function != 0x1F)
            supported.push_back(e);
    auto cpuid = build_cpuid(supported, 0, 4);
    EXPECT_EQ(count(cpuid, 0xB), 0u);
    EXPECT_EQ(count(cpuid, 0x1F), 0u);
}

TEST(Cpuid, CacheLeafMatchesTopology)
{
    auto cpuid = build_cpuid(intel_supported(), 2, 4);
    for (std::uint32_t subleaf = 0; subleaf < 4; ++subleaf) {
        auto cache = find(cpuid, 4, subleaf);
        ASSERT_TRUE(cache);
        EXPECT_EQ(cache->eax >> 26, 3u) << "cores per package - 1";
        std::uint32_t level = (cache->eax >> 5) & 7;
        EXPECT_EQ((cache->eax >> 14) & 0xFFF, level >= 3 ? 3u : 0u) << "subleaf " << subleaf;
        EXPECT_EQ(cache->eax & 0x3FFF, intel_supported()[2 + subleaf].eax & 0x3FFF) << "type and level kept";
    }
    EXPECT_EQ(find(cpuid, 4, 4)->eax, 0u) << "terminator untouched";
    EXPECT_EQ(find(build_cpuid(intel_supported(), 0, 200), 4, 0)->eax >> 26, 63u) << "six-bit field saturates";
}

TEST(Cpuid, PerformanceMonitoringHidden)
{
    auto leaf_a = find(build_cpuid(intel_supported(), 0, 2), 0xA);
    ASSERT_TRUE(leaf_a);
    EXPECT_EQ(leaf_a->eax | leaf_a->ebx | leaf_a->ecx | leaf_a->edx, 0u);
}

TEST(Cpuid, OtherLeavesKeptAsKvmGaveThem)
{
    auto supported = intel_supported();
    auto cpuid = build_cpuid(supported, 1, 2);
    for (std::uint32_t function : {0x0u, 0x6u, 0x7u, 0x8000'0000u, 0x8000'0008u}) {
        auto before = find(supported, function);
        auto after = find(cpuid, function);
        ASSERT_TRUE(before && after) << std::hex << function;
        EXPECT_EQ(std::memcmp(&*before, &*after, sizeof(kvm_cpuid_entry2)), 0) << std::hex << function;
    }
}

TEST(Cpuid, AmdCoreCountAndTopology)
{
    std::vector<kvm_cpuid_entry2> supported = {
        vendor_leaf("AuthenticAMD", 0x10),
        entry(1, 0, 0, 0x00A00F11, 0x00020800, 0x7EF8320B, 0x178BFBFF),
        entry(0x8000'0000, 0, 0, 0x8000'0021, 0, 0, 0),
        entry(0x8000'0008, 0, 0, 0x3030, 0, 0x0000'400F, 0),
        entry(0x8000'001D, 0, SIGNIFICANT, 0x00004121, 0x01C0003F, 0x3F, 0),
        entry(0x8000'001D, 1, SIGNIFICANT, 0x0001C163, 0x03C0003F, 0x7FFF, 1),
        entry(0x8000'001E, 0, 0, 0, 0, 0, 0),
    };
    auto cpuid = build_cpuid(supported, 3, 5);
    auto sizes = find(cpuid, 0x8000'0008);
    ASSERT_TRUE(sizes);
    EXPECT_EQ(sizes->ecx & 0xFF, 4u) << "NC = cores - 1";
    EXPECT_EQ((sizes->ecx >> 12) & 0xF, 3u) << "ApicIdCoreIdSize";
    EXPECT_EQ(sizes->eax, 0x3030u);
    EXPECT_EQ((find(cpuid, 0x8000'001D, 0)->eax >> 14) & 0xFFF, 0u);
    EXPECT_EQ((find(cpuid, 0x8000'001D, 1)->eax >> 14) & 0xFFF, 4u);
    auto topology = find(cpuid, 0x8000'001E);
    ASSERT_TRUE(topology);
    EXPECT_EQ(topology->eax, apic_id_for(3));
    EXPECT_EQ(topology->ebx, 3u);
    EXPECT_EQ(find(cpuid, 1)->ebx >> 24, 3u);
}

TEST(Cpuid, IntelLeavesOfAmdOnlyMeaningUntouched)
{
    auto supported = intel_supported();
    supported.push_back(entry(0x8000'001E, 0, 0, 0x11, 0x22, 0x33, 0));
    auto topology = find(build_cpuid(supported, 1, 2), 0x8000'001E);
    ASSERT_TRUE(topology);
    EXPECT_EQ(topology->eax, 0x11u);
}

// On a real /dev/kvm: KVM's own list, normalised, and accepted by KVM_SET_CPUID2 on a vCPU, through
// the same wrappers the VMM uses.
TEST(Cpuid, RealKvmSupportedCpuid)
{
    auto kvm = Kvm::open();
    if (!kvm)
        GTEST_SKIP() << kvm.error().message();
    auto supported = kvm->supported_cpuid();
    ASSERT_TRUE(supported) << supported.error().message();

    constexpr std::uint32_t VCPUS = 2;
    auto cpuid = build_cpuid(*supported, 1, VCPUS);
    auto leaf1 = find(cpuid, 1);
    ASSERT_TRUE(leaf1);
    EXPECT_EQ(leaf1->ebx >> 24, apic_id_for(1));
    EXPECT_NE(leaf1->ecx & (1u << 31), 0u);
    EXPECT_NE(leaf1->edx & (1u << 28), 0u);
    auto signature = find(cpuid, KVM_CPUID_SIGNATURE_LEAF);
    ASSERT_TRUE(signature);
    EXPECT_EQ(kvm_signature(*signature), KVM_SIGNATURE);
    EXPECT_NE(find(cpuid, KVM_CPUID_FEATURES_LEAF)->eax & (1u << KVM_FEATURE_CLOCKSOURCE2_BIT), 0u);
    if (auto core = find(cpuid, 0xB, 1)) {
        EXPECT_EQ(core->edx, apic_id_for(1));
        EXPECT_EQ(core->ebx & 0xFFFF, VCPUS);
    }
    std::set<std::pair<std::uint32_t, std::uint32_t>> seen;
    for (const auto& e : cpuid)
        EXPECT_TRUE(seen.insert({e.function, e.index}).second) << "duplicate " << std::hex << e.function << "." << e.index;

    // KVM checks what it can (e.g. XSAVE sizes) when the list is set on a vCPU.
    auto vm = kvm->create_vm();
    ASSERT_TRUE(vm) << vm.error().message();
    auto run_size = kvm->vcpu_mmap_size();
    ASSERT_TRUE(run_size);
    auto vcpu = vm->create_vcpu(1, *run_size);
    ASSERT_TRUE(vcpu) << vcpu.error().message();
    auto set = vcpu->set_cpuid(cpuid);
    EXPECT_TRUE(set) << set.error().message();
}

}  // namespace
}  // namespace nimbus::x86
