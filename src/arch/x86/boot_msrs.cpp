// Boot MSRs: syscall MSRs cleared, fast strings on, MTRRs default write-back.
#include "arch/x86/boot_msrs.hpp"

namespace nimbus::x86 {

namespace {
constexpr std::uint32_t MSR_IA32_SYSENTER_CS = 0x174;
constexpr std::uint32_t MSR_IA32_SYSENTER_ESP = 0x175;
constexpr std::uint32_t MSR_IA32_SYSENTER_EIP = 0x176;
constexpr std::uint32_t MSR_STAR = 0xc0000081;
constexpr std::uint32_t MSR_LSTAR = 0xc0000082;
constexpr std::uint32_t MSR_CSTAR = 0xc0000083;
constexpr std::uint32_t MSR_SYSCALL_MASK = 0xc0000084;
constexpr std::uint32_t MSR_KERNEL_GS_BASE = 0xc0000102;
constexpr std::uint32_t MSR_IA32_TSC = 0x10;
constexpr std::uint32_t MSR_IA32_MISC_ENABLE = 0x1a0;
constexpr std::uint64_t MISC_ENABLE_FAST_STRING = 1;
constexpr std::uint32_t MSR_MTRR_DEF_TYPE = 0x2ff;
// MTRRs enabled (bit 11), default type write-back (6): without it Linux maps all RAM uncached.
constexpr std::uint64_t MTRR_ENABLE_WRITE_BACK = (1u << 11) | 6;

kvm_msr_entry entry(std::uint32_t index, std::uint64_t value)
{
    kvm_msr_entry msr{};
    msr.index = index;
    msr.data = value;
    return msr;
}
}  // namespace

std::vector<kvm_msr_entry> boot_msrs()
{
    return {
        entry(MSR_IA32_SYSENTER_CS, 0),   entry(MSR_IA32_SYSENTER_ESP, 0), entry(MSR_IA32_SYSENTER_EIP, 0),
        entry(MSR_STAR, 0),               entry(MSR_LSTAR, 0),             entry(MSR_CSTAR, 0),
        entry(MSR_SYSCALL_MASK, 0),       entry(MSR_KERNEL_GS_BASE, 0),    entry(MSR_IA32_TSC, 0),
        entry(MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING), entry(MSR_MTRR_DEF_TYPE, MTRR_ENABLE_WRITE_BACK),
    };
}

}  // namespace nimbus::x86
