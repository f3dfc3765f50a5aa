// Client: connect, request/reply, wait for the monitor's exit.
#include "control/client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "control/protocol.hpp"
#include "control/registry.hpp"
#include "control/state_dir.hpp"

namespace nimbus::control {

namespace {
constexpr std::size_t MAX_REPLY_BYTES = 1 << 20;
}

Result<Client> Client::connect(const std::string& name)
{
    if (std::string problem = check_domain_name(name); !problem.empty())
        return fail("domain", "{}", problem);
    std::string path = socket_path(name);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid())
        return fail_errno("socket");
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        if (errno == ENOENT || errno == ECONNREFUSED) {
            (void)live_domains();  // tidies the folder of a monitor that died
            return fail(fmt::format("domain '{}'", name), "no such domain (see `list`)");
        }
        return fail_errno(fmt::format("connect {}", path));
    }
    return Client(name, std::move(fd));
}

Result<std::string> Client::read_line(int timeout_ms)
{
    for (;;) {
        if (std::size_t newline = m_buffer.find('\n'); newline != std::string::npos) {
            std::string line = m_buffer.substr(0, newline);
            m_buffer.erase(0, newline + 1);
            return line;
        }
        if (m_buffer.size() > MAX_REPLY_BYTES)
            return fail(fmt::format("domain '{}'", m_name), "reply longer than {} bytes", MAX_REPLY_BYTES);
        pollfd ready{m_fd.get(), POLLIN, 0};
        int count = ::poll(&ready, 1, timeout_ms);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0)
            return fail_errno("poll");
        if (count == 0)
            return fail(fmt::format("domain '{}'", m_name), "the monitor did not answer within {} ms", timeout_ms);
        char chunk[4096];
        ssize_t got = ::read(m_fd.get(), chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return fail_errno(fmt::format("read from domain '{}'", m_name));
        if (got == 0)
            return fail(fmt::format("domain '{}'", m_name), "the monitor closed the connection");
        m_buffer.append(chunk, static_cast<std::size_t>(got));
    }
}

Result<nlohmann::json> Client::call(std::string_view op, nlohmann::json arguments, int timeout_ms)
{
    std::string request = encode_request(op, std::move(arguments));
    std::string_view rest = request;
    while (!rest.empty()) {
        ssize_t sent = ::send(m_fd.get(), rest.data(), rest.size(), MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent < 0)
            return fail_errno(fmt::format("send to domain '{}'", m_name));
        rest.remove_prefix(static_cast<std::size_t>(sent));
    }
    std::string line = TRY(read_line(timeout_ms));
    auto reply = parse_reply(line);
    if (!reply)
        return fail(fmt::format("domain '{}'", m_name), "{}", reply.error().detail);
    return reply;
}

Result<void> Client::wait_for_exit()
{
    for (;;) {
        char chunk[512];
        ssize_t got = ::read(m_fd.get(), chunk, sizeof chunk);
        if (got == 0)
            return {};
        if (got < 0 && errno != EINTR)
            return fail_errno(fmt::format("wait for domain '{}'", m_name));
    }
}

}  // namespace nimbus::control
