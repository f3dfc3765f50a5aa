// attach_console: PTY open, stale-output flush, replay request, and the relay loop.
#include "cli/console_attach.hpp"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

#include "base/log.hpp"
#include "base/unique_fd.hpp"
#include "control/client.hpp"
#include "vmm/terminal.hpp"

namespace nimbus::cli {

namespace {
bool write_all(int fd, const char* data, std::size_t size)
{
    while (size > 0) {
        ssize_t written = ::write(fd, data, size);
        if (written < 0 && errno == EINTR)
            continue;
        if (written < 0 && errno == EAGAIN) {
            pollfd ready{fd, POLLOUT, 0};
            ::poll(&ready, 1, 100);
            continue;
        }
        if (written <= 0)
            return false;
        data += written;
        size -= static_cast<std::size_t>(written);
    }
    return true;
}

enum class Relay { Continue, Detach, EndOfInput, Gone };

// Terminal input: everything before Ctrl-] goes to the guest; Ctrl-] ends the session.
Relay relay_input(int console)
{
    char buffer[1024];
    ssize_t got = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (got < 0 && (errno == EINTR || errno == EAGAIN))
        return Relay::Continue;
    if (got <= 0)
        return Relay::EndOfInput;
    auto size = static_cast<std::size_t>(got);
    const void* key = std::memchr(buffer, DETACH_KEY, size);
    std::size_t forward = key ? static_cast<std::size_t>(static_cast<const char*>(key) - buffer) : size;
    if (!write_all(console, buffer, forward))
        return Relay::Gone;
    return key ? Relay::Detach : Relay::Continue;
}

Relay relay_output(int console)
{
    char buffer[4096];
    ssize_t got = ::read(console, buffer, sizeof buffer);
    if (got < 0 && (errno == EINTR || errno == EAGAIN))
        return Relay::Continue;
    if (got <= 0)
        return Relay::Gone;  // EIO: the monitor closed the master, the domain is gone
    return write_all(STDOUT_FILENO, buffer, static_cast<std::size_t>(got)) ? Relay::Continue : Relay::Detach;
}
}  // namespace

int attach_console(const std::string& name)
{
    auto client = control::Client::connect(name);
    if (!client) {
        log::error("{}", client.error().message());
        return 1;
    }
    auto info = client->call("info");
    if (!info) {
        log::error("{}", info.error().message());
        return 1;
    }
    std::string path = (*info).value("console", std::string());
    UniqueFd console(::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
    if (!console.valid()) {
        log::error("open console {} of domain '{}': {}", path, name, std::strerror(errno));
        return 1;
    }
    // What the PTY kept while nobody was attached is stale and partial; the replay that follows
    // gives the most recent output whole and in order (see ConsolePty).
    ::tcflush(console.get(), TCIFLUSH);
    if (auto replay = client->call("console"); !replay) {
        log::error("{}", replay.error().message());
        return 1;
    }
    bool interactive = ::isatty(STDIN_FILENO);
    if (interactive)
        log::info("connected to the console of '{}'; Ctrl-] detaches", name);
    Terminal terminal(STDIN_FILENO);
    bool input_open = true;
    for (;;) {
        pollfd fds[2] = {{console.get(), POLLIN, 0}, {STDIN_FILENO, static_cast<short>(input_open ? POLLIN : 0), 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return 1;
        }
        if (fds[0].revents != 0) {
            if (relay_output(console.get()) != Relay::Continue)
                return 0;
        }
        if (input_open && fds[1].revents != 0) {
            Relay relay = relay_input(console.get());
            if (relay == Relay::Gone || relay == Relay::Detach)
                return 0;
            // Input that ends (a pipe, /dev/null) leaves us showing the output until the domain ends.
            if (relay == Relay::EndOfInput)
                input_open = false;
        }
    }
}

}  // namespace nimbus::cli
