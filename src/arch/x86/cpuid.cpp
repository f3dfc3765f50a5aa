// CPUID normalisation: topology, hypervisor bit and KVM leaves on top of KVM's supported list.
#include "arch/x86/cpuid.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>

namespace nimbus::x86 {

namespace {

constexpr std::uint32_t LEAF_VENDOR = 0x0;
constexpr std::uint32_t LEAF_FEATURES = 0x1;
constexpr std::uint32_t LEAF_CACHE_PARAMETERS = 0x4;
constexpr std::uint32_t LEAF_PERFORMANCE_MONITORING = 0xA;
constexpr std::uint32_t LEAF_EXTENDED_TOPOLOGY = 0xB;
constexpr std::uint32_t LEAF_EXTENDED_TOPOLOGY_V2 = 0x1F;
constexpr std::uint32_t LEAF_AMD_SIZE_IDENTIFIERS = 0x8000'0008;
constexpr std::uint32_t LEAF_AMD_CACHE_TOPOLOGY = 0x8000'001D;
constexpr std::uint32_t LEAF_AMD_PROCESSOR_TOPOLOGY = 0x8000'001E;

constexpr std::uint32_t LEAF1_ECX_HYPERVISOR = 1u << 31;
constexpr std::uint32_t LEAF1_EDX_HTT = 1u << 28;
constexpr std::uint32_t CLFLUSH_LINE_SIZE_QWORDS = 8;  // 64-byte lines, in units of 8 bytes

constexpr std::uint32_t TOPOLOGY_LEVEL_SMT = 1;
constexpr std::uint32_t TOPOLOGY_LEVEL_CORE = 2;

// What one vCPU sees of the machine.
struct Topology final {
    std::uint32_t vcpu_index;
    std::uint32_t vcpu_count;
    std::uint32_t apic_id;
    std::uint32_t core_id_bits;  // x2APIC id bits that number cores in the package
};

// The smallest s with 2^s >= count: the width of the core field in an APIC id.
std::uint32_t bits_for(std::uint32_t count)
{
    std::uint32_t bits = 0;
    while ((1u << bits) < count)
        ++bits;
    return bits;
}

bool is_amd(std::span<const kvm_cpuid_entry2> supported)
{
    for (const kvm_cpuid_entry2& entry : supported) {
        if (entry.function != LEAF_VENDOR)
            continue;
        std::array<char, 12> vendor{};
        std::memcpy(vendor.data(), &entry.ebx, 4);
        std::memcpy(vendor.data() + 4, &entry.edx, 4);
        std::memcpy(vendor.data() + 8, &entry.ecx, 4);
        std::string_view name(vendor.data(), vendor.size());
        return name == "AuthenticAMD" || name == "HygonGenuine";
    }
    return false;
}

kvm_cpuid_entry2 make_entry(std::uint32_t function, std::uint32_t index, std::uint32_t flags)
{
    kvm_cpuid_entry2 entry{};
    entry.function = function;
    entry.index = index;
    entry.flags = flags;
    return entry;
}

void set_leaf1(kvm_cpuid_entry2& entry, const Topology& topology)
{
    // EBX[7:0] is the brand index: keep it; the other three bytes describe this vCPU.
    std::uint32_t logical_count = std::min(topology.vcpu_count, 0xFFu);
    entry.ebx = (entry.ebx & 0xFFu) | (CLFLUSH_LINE_SIZE_QWORDS << 8) | (logical_count << 16) |
                ((topology.apic_id & 0xFFu) << 24);
    // Linux looks for kvm-clock only behind the hypervisor bit; without it the guest stalls.
    entry.ecx |= LEAF1_ECX_HYPERVISOR;
    // HTT means "EBX[23:16] is valid and above 1", not "has hyper-threads".
    if (topology.vcpu_count > 1)
        entry.edx |= LEAF1_EDX_HTT;
    else
        entry.edx &= ~LEAF1_EDX_HTT;
}

// Leaf 4 and AMD's 0x8000001D share the cache-type and sharing fields.
void set_cache_sharing(kvm_cpuid_entry2& entry, const Topology& topology, bool with_cores_per_package)
{
    std::uint32_t cache_type = entry.eax & 0x1Fu;
    if (cache_type == 0)
        return;  // the terminating "no more caches" subleaf
    std::uint32_t level = (entry.eax >> 5) & 0x7u;
    // One thread per core: L1 and L2 are private, L3 and beyond are shared by the whole package.
    std::uint32_t sharing_minus_one = level >= 3 ? std::min(topology.vcpu_count - 1, 0xFFFu) : 0;
    entry.eax = (entry.eax & 0x3FFFu) | (sharing_minus_one << 14);
    if (with_cores_per_package) {
        // Six bits: above 64 vCPUs only leaf 0xB can tell the truth, and Linux prefers it.
        std::uint32_t cores_minus_one = std::min(topology.vcpu_count - 1, 0x3Fu);
        entry.eax |= cores_minus_one << 26;
    }
}

// Subleaves 0 (SMT), 1 (core) and 2 (the first invalid level) of leaf 0xB or 0x1F.
void append_extended_topology(std::vector<kvm_cpuid_entry2>& out, std::uint32_t function, const Topology& topology)
{
    kvm_cpuid_entry2 smt = make_entry(function, 0, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
    smt.eax = 0;  // one thread per core: no APIC id bits for the thread
    smt.ebx = 1;
    smt.ecx = (TOPOLOGY_LEVEL_SMT << 8) | 0;
    smt.edx = topology.apic_id;
    out.push_back(smt);

    kvm_cpuid_entry2 core = make_entry(function, 1, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
    core.eax = topology.core_id_bits;  // shift to the package id
    core.ebx = topology.vcpu_count;    // logical processors in the package
    core.ecx = (TOPOLOGY_LEVEL_CORE << 8) | 1;
    core.edx = topology.apic_id;
    out.push_back(core);

    // Level type 0 ends the enumeration; hardware still reports the subleaf and x2APIC id.
    kvm_cpuid_entry2 end = make_entry(function, 2, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
    end.ecx = 2;
    end.edx = topology.apic_id;
    out.push_back(end);
}

void set_kvm_signature(kvm_cpuid_entry2& entry)
{
    static constexpr char SIGNATURE[12] = {'K', 'V', 'M', 'K', 'V', 'M', 'K', 'V', 'M', 0, 0, 0};
    entry.eax = KVM_CPUID_FEATURES_LEAF;  // the highest KVM leaf
    std::memcpy(&entry.ebx, SIGNATURE, 4);
    std::memcpy(&entry.ecx, SIGNATURE + 4, 4);
    std::memcpy(&entry.edx, SIGNATURE + 8, 4);
}

}  // namespace

std::vector<kvm_cpuid_entry2> build_cpuid(std::span<const kvm_cpuid_entry2> supported, std::uint32_t vcpu_index,
                                          std::uint32_t vcpu_count)
{
    Topology topology{};
    topology.vcpu_count = std::clamp(vcpu_count, 1u, MAX_VCPU_COUNT);
    topology.vcpu_index = std::min(vcpu_index, topology.vcpu_count - 1);
    topology.apic_id = apic_id_for(topology.vcpu_index);
    topology.core_id_bits = bits_for(topology.vcpu_count);
    bool amd = is_amd(supported);

    std::vector<kvm_cpuid_entry2> out;
    out.reserve(supported.size() + 8);
    bool wrote_topology_b = false;
    bool wrote_topology_1f = false;
    bool has_signature = false;
    bool has_features = false;

    for (kvm_cpuid_entry2 entry : supported) {
        switch (entry.function) {
        case LEAF_FEATURES:
            set_leaf1(entry, topology);
            break;
        case LEAF_CACHE_PARAMETERS:
            set_cache_sharing(entry, topology, true);
            break;
        case LEAF_PERFORMANCE_MONITORING:
            entry.eax = entry.ebx = entry.ecx = entry.edx = 0;
            break;
        case LEAF_EXTENDED_TOPOLOGY:
        case LEAF_EXTENDED_TOPOLOGY_V2: {
            // KVM lists these with zeroed topology (and only some subleaves): replace them all,
            // in place of the first one, so a leaf KVM does not list is not invented.
            bool& written = entry.function == LEAF_EXTENDED_TOPOLOGY ? wrote_topology_b : wrote_topology_1f;
            if (!written)
                append_extended_topology(out, entry.function, topology);
            written = true;
            continue;
        }
        case LEAF_AMD_SIZE_IDENTIFIERS:
            if (amd) {
                // ECX[15:12] ApicIdCoreIdSize, ECX[7:0] NC = cores - 1; reserved on Intel.
                entry.ecx = (entry.ecx & ~0xF0FFu) | (topology.core_id_bits << 12) |
                            std::min(topology.vcpu_count - 1, 0xFFu);
            }
            break;
        case LEAF_AMD_CACHE_TOPOLOGY:
            if (amd)
                set_cache_sharing(entry, topology, false);
            break;
        case LEAF_AMD_PROCESSOR_TOPOLOGY:
            if (amd) {
                // KVM zeroes it ("no host topology"); Linux reads core ids here when TOPOEXT is set.
                entry.eax = topology.apic_id;          // extended APIC id
                entry.ebx = topology.vcpu_index & 0xFFu;  // core id; threads per core - 1 = 0
                entry.ecx = 0;                         // node 0, one node per package
                entry.edx = 0;
            }
            break;
        case KVM_CPUID_SIGNATURE_LEAF:
            set_kvm_signature(entry);
            has_signature = true;
            break;
        case KVM_CPUID_FEATURES_LEAF:
            has_features = true;  // KVM's own paravirt feature bits, kept as given
            break;
        default:
            break;
        }
        out.push_back(entry);
    }

    if (!has_signature) {
        kvm_cpuid_entry2 entry = make_entry(KVM_CPUID_SIGNATURE_LEAF, 0, 0);
        set_kvm_signature(entry);
        out.push_back(entry);
    }
    if (!has_features) {
        // Every KVM since 2.6.35 has both kvm-clock MSR pairs; they are what the guest needs to
        // calibrate its TSC. Other paravirt features stay off because KVM did not offer them.
        kvm_cpuid_entry2 entry = make_entry(KVM_CPUID_FEATURES_LEAF, 0, 0);
        entry.eax = (1u << KVM_FEATURE_CLOCKSOURCE_BIT) | (1u << KVM_FEATURE_CLOCKSOURCE2_BIT);
        out.push_back(entry);
    }
    return out;
}

}  // namespace nimbus::x86
