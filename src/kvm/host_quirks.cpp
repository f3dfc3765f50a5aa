// Host quirks: detection and the Linux command line that gets a kernel through boot under the emulator.
#include "kvm/host_quirks.hpp"

#include <filesystem>

namespace nimbus {

HostQuirks detect_host_quirks(const std::string& sysfs_root)
{
    std::error_code ignored;
    return HostQuirks{std::filesystem::exists(sysfs_root + "/module/kvm_pvm", ignored)};
}

std::string guest_cmdline_additions(const HostQuirks& quirks)
{
    if (!quirks.emulated_kvm)
        return {};
    // The emulator cannot execute these instructions in guest supervisor mode, and masking them in
    // KVM_SET_CPUID2 is not honoured for every bit; the command line is what works (HOST-NOTES.md).
    // `nopv` stops Linux 6.1 spinning in kvm_hypercall2. Without paravirt there is no kvm-clock, so
    // Linux must calibrate its TSC against the PIT, which HW-reduced ACPI switches off: `acpi=off`
    // makes it take the MP table and the legacy PIC/PIT instead.
    return "nopv acpi=off noxsave clearcpuid=smap,smep,pku,cx16,popcnt,bmi1,bmi2,avx,avx2,movbe,rdrand,rdseed,"
           "fsgsbase,erms,fsrm,xsaveopt,xsavec,xsaves,avx512f,adx,sha_ni,clflushopt,clwb,rdpid,umip,pcid,"
           "invpcid,la57,sse4_2,sse4_1,ssse3,aes,pclmulqdq,f16c,fma,abm,sse4a,misalignsse,3dnowprefetch,"
           "mwaitx,rdtscp";
}

}  // namespace nimbus
