// host_memory: total and available memory from /proc/meminfo (create's check, info's figures).
#pragma once

#include <cstdint>
#include <string>

#include "base/error.hpp"

namespace nimbus::control {

struct HostMemory final {
    std::uint64_t total_mib = 0;
    std::uint64_t available_mib = 0;  // MemAvailable: what can be given out without swapping
};

// `path` is /proc/meminfo except in tests.
Result<HostMemory> read_host_memory(const std::string& path = "/proc/meminfo");

}  // namespace nimbus::control
