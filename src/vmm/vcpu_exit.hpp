// Describes a vCPU exit the VMM cannot handle: which exit, the guest RIP, the instruction bytes.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace nimbus {

std::string exit_reason_name(std::uint32_t exit_reason);

// A one-line message; `instruction` holds the bytes at RIP when they could be read.
std::string describe_fatal_exit(const kvm_run& run, std::uint32_t vcpu_id, std::optional<std::uint64_t> rip,
                                std::span<const std::uint8_t> instruction);

}  // namespace nimbus
