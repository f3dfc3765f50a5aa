// CPUID for one vCPU: KVM's supported list normalised to our topology and with the KVM leaves.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <linux/kvm.h>

namespace nimbus::x86 {

// xAPIC ids are 8 bits, 0xFF is the broadcast id and the IO APIC takes the id after the last
// vCPU (see mptable.hpp), so 254 vCPUs is the most one xAPIC-addressed machine can describe.
inline constexpr std::uint32_t MAX_VCPU_COUNT = 254;

// KVM's paravirtual leaves (Documentation/virt/kvm/x86/cpuid.rst).
inline constexpr std::uint32_t KVM_CPUID_SIGNATURE_LEAF = 0x4000'0000;
inline constexpr std::uint32_t KVM_CPUID_FEATURES_LEAF = 0x4000'0001;
inline constexpr std::uint32_t KVM_FEATURE_CLOCKSOURCE_BIT = 0;
inline constexpr std::uint32_t KVM_FEATURE_CLOCKSOURCE2_BIT = 3;

// The local APIC id of vCPU `vcpu_index`. CPUID, the MP table and the MADT all ask this one
// function, so the ids the guest reads from CPUID match the ids the firmware tables announce.
constexpr std::uint32_t apic_id_for(std::uint32_t vcpu_index)
{
    return vcpu_index;
}

// Precondition: 1 <= vcpu_count <= MAX_VCPU_COUNT and vcpu_index < vcpu_count (the caller
// validates the VM configuration; out-of-range values are clamped, not diagnosed, here).
//
// `supported` is KVM_GET_SUPPORTED_CPUID's list. The result is what to KVM_SET_CPUID2 on vCPU
// `vcpu_index` of a machine with `vcpu_count` vCPUs, each one core of one thread in one package:
//  - leaf 1: initial APIC id, logical processor count, CLFLUSH size, hypervisor bit, HTT;
//  - leaf 4 / 0x8000001D: cache sharing and cores per package from vcpu_count;
//  - leaves 0xB / 0x1F (when KVM lists them): SMT and core levels, EDX = x2APIC id;
//  - leaf 0xA: zeroed, so the guest does not use a virtual PMU we neither configure nor migrate;
//  - AMD 0x80000008 ECX and 0x8000001E: core count and ids;
//  - 0x40000000/1: KVM signature and paravirt features (added when KVM's list lacks them).
// Every other entry stays as KVM gave it.
std::vector<kvm_cpuid_entry2> build_cpuid(std::span<const kvm_cpuid_entry2> supported, std::uint32_t vcpu_index,
                                          std::uint32_t vcpu_count);

}  // namespace nimbus::x86
