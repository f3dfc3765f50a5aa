// Terminal: puts a TTY in raw mode for the guest console and restores it on every exit path.
#pragma once

#include <termios.h>

namespace nimbus {

class Terminal final {
public:
    // Raw mode on `fd` if it is a TTY; a no-op otherwise. Also restores the terminal from a
    // fatal-signal handler, so a crash does not leave the user's shell raw.
    explicit Terminal(int fd);
    ~Terminal();
    Terminal(const Terminal&) = delete;
    Terminal& operator=(const Terminal&) = delete;

    bool is_raw() const { return m_raw; }

private:
    int m_fd;
    bool m_raw = false;
    termios m_saved{};
};

}  // namespace nimbus
