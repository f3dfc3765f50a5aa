// Client: one connection to a domain's monitor, for the short-lived commands.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace nimbus::control {

class Client final {
public:
    // Connects to <run dir>/<name>/control.sock; "no domain named NAME" when there is none.
    static Result<Client> connect(const std::string& name);

    // Sends one request and waits (at most `timeout_ms`) for its reply.
    Result<nlohmann::json> call(std::string_view op, nlohmann::json arguments = nlohmann::json::object(),
                                int timeout_ms = 10'000);
    // Waits until the monitor closes the connection, which it does only when it exits.
    Result<void> wait_for_exit();

private:
    Client(std::string name, UniqueFd fd) : m_name(std::move(name)), m_fd(std::move(fd)) {}
    Result<std::string> read_line(int timeout_ms);

    std::string m_name;
    UniqueFd m_fd;
    std::string m_buffer;
};

}  // namespace nimbus::control
