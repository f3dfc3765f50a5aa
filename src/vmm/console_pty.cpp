// ConsolePty: PTY set-up, the output ring and replay.
#include "vmm/console_pty.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>

namespace nimbus {

Result<ConsolePty> ConsolePty::open()
{
    UniqueFd master(::posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
    if (!master.valid())
        return fail_errno("posix_openpt");
    if (::grantpt(master.get()) != 0 || ::unlockpt(master.get()) != 0)
        return fail_errno("unlockpt");
    char name[128];
    if (::ptsname_r(master.get(), name, sizeof name) != 0)
        return fail_errno("ptsname");
    UniqueFd slave(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!slave.valid())
        return fail_errno(fmt::format("open {}", name));
    // Raw: the guest's bytes reach the client unchanged (no echo, no CR/LF translation).
    termios mode{};
    if (::tcgetattr(slave.get(), &mode) != 0)
        return fail_errno("tcgetattr console pty");
    ::cfmakeraw(&mode);
    if (::tcsetattr(slave.get(), TCSANOW, &mode) != 0)
        return fail_errno("tcsetattr console pty");
    return ConsolePty(std::move(master), std::move(slave), name);
}

ConsolePty::ConsolePty(UniqueFd master, UniqueFd slave, std::string slave_path)
    : m_master(std::move(master)), m_slave(std::move(slave)), m_slave_path(std::move(slave_path))
{
    m_ring.reserve(RING_SIZE);
}

void ConsolePty::write_master(std::span<const std::uint8_t> bytes)
{
    while (!bytes.empty()) {
        ssize_t written = ::write(m_master.get(), bytes.data(), bytes.size());
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return;  // EAGAIN: nobody reads; the rest is dropped from the PTY (the ring keeps it)
        bytes = bytes.subspan(static_cast<std::size_t>(written));
    }
}

void ConsolePty::write(std::span<const std::uint8_t> bytes)
{
    std::lock_guard lock(*m_mutex);
    for (std::uint8_t byte : bytes) {
        if (m_ring.size() < RING_SIZE) {
            m_ring.push_back(byte);
        } else {
            m_ring[m_ring_start] = byte;
            m_ring_start = (m_ring_start + 1) % RING_SIZE;
        }
    }
    write_master(bytes);
}

void ConsolePty::replay()
{
    std::lock_guard lock(*m_mutex);
    write_master(std::span(m_ring).subspan(m_ring_start));
    write_master(std::span(m_ring).first(m_ring_start));
}

}  // namespace nimbus
