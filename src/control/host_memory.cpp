// host_memory: /proc/meminfo parsing.
#include "control/host_memory.hpp"

#include <fstream>
#include <sstream>

namespace nimbus::control {

Result<HostMemory> read_host_memory(const std::string& path)
{
    std::ifstream file(path);
    if (!file)
        return fail_errno(fmt::format("open {}", path));
    HostMemory memory;
    bool have_total = false, have_available = false;
    std::string line;
    while (std::getline(file, line)) {
        std::istringstream fields(line);
        std::string key, unit;
        std::uint64_t kib = 0;
        if (!(fields >> key >> kib))
            continue;
        if (key == "MemTotal:") {
            memory.total_mib = kib / 1024;
            have_total = true;
        } else if (key == "MemAvailable:") {
            memory.available_mib = kib / 1024;
            have_available = true;
        }
    }
    if (!have_total || !have_available)
        return fail(path, "no MemTotal/MemAvailable lines");
    return memory;
}

}  // namespace nimbus::control
