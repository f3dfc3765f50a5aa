// CheckResult: what `img check` found and fixed, with qemu-img's counters.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nimbus::qcow2 {

enum class RepairMode { None, Leaks, All };

struct CheckResult final {
    std::uint64_t corruptions = 0;
    std::uint64_t leaks = 0;
    std::uint64_t check_errors = 0;
    std::uint64_t corruptions_fixed = 0;
    std::uint64_t leaks_fixed = 0;
    std::uint64_t total_clusters = 0;      // guest clusters of the virtual disk
    std::uint64_t allocated_clusters = 0;  // of those, the ones with host data (active L1)
    std::uint64_t fragmented_clusters = 0;
    std::uint64_t compressed_clusters = 0;
    std::uint64_t image_end_offset = 0;
    std::vector<std::string> messages;  // one line per problem, qemu-img's wording
};

}  // namespace nimbus::qcow2
