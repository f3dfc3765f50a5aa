// The MSR values a vCPU starts with for a 64-bit boot (what firmware would have left behind).
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <vector>

namespace nimbus::x86 {

std::vector<kvm_msr_entry> boot_msrs();

}  // namespace nimbus::x86
