// Progress: "    (12.34/100%)\r" on stdout, redrawn when the whole percentage changes.
#include "cli/img_progress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

namespace nimbus::cli {

void Progress::update(std::uint64_t done, std::uint64_t total)
{
    if (!m_enabled)
        return;
    int percent = static_cast<int>(done * 10000 / std::max<std::uint64_t>(total, 1));
    if (m_shown >= 0 && percent / 100 == m_shown / 100)
        return;
    fmt::print("    ({}.{:02}/100%)\r", percent / 100, percent % 100);
    std::fflush(stdout);
    m_shown = percent;
}

void Progress::finish()
{
    if (m_enabled) {
        update(1, 1);
        fmt::print("\n");
    }
}

}  // namespace nimbus::cli
