// Terminal: raw mode and restoration.
#include "vmm/terminal.hpp"

#include <csignal>
#include <initializer_list>
#include <unistd.h>

namespace nimbus {

namespace {
// Read by the fatal-signal handler: plain globals, written before the handler is installed.
int g_fd = -1;
termios g_saved{};

void restore_and_reraise(int signal_number)
{
    if (g_fd >= 0)
        ::tcsetattr(g_fd, TCSANOW, &g_saved);
    std::signal(signal_number, SIG_DFL);
    ::raise(signal_number);
}
}  // namespace

Terminal::Terminal(int fd) : m_fd(fd)
{
    if (!::isatty(fd) || ::tcgetattr(fd, &m_saved) != 0)
        return;
    termios raw = m_saved;
    ::cfmakeraw(&raw);
    if (::tcsetattr(fd, TCSANOW, &raw) != 0)
        return;
    m_raw = true;
    g_saved = m_saved;
    g_fd = fd;
    for (int signal_number : {SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE})
        std::signal(signal_number, restore_and_reraise);
}

Terminal::~Terminal()
{
    if (!m_raw)
        return;
    ::tcsetattr(m_fd, TCSANOW, &m_saved);
    g_fd = -1;
}

}  // namespace nimbus
