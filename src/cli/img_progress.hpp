// Progress: qemu-img's "-p" progress line for long work (convert, compare, commit, rebase).
#pragma once

#include <cstdint>

namespace nimbus::cli {

// qemu-img's progress line, "    (12.34/100%)\r", redrawn when the percentage changes.
class Progress final {
public:
    explicit Progress(bool enabled) : m_enabled(enabled) {}
    void update(std::uint64_t done, std::uint64_t total);
    void finish();

private:
    bool m_enabled;
    int m_shown = -1;
};

}  // namespace nimbus::cli
