// Protocol: the monitor's control requests and replies, one JSON object per line.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/error.hpp"

namespace nimbus::control {

// Request: {"op": "<name>", ...arguments}. Reply: {"ok": true, ...} or {"ok": false, "error": "..."}.
// Every request gets exactly one reply line; a connection may carry many requests. Ops:
//   info      -> name, id, memory_mib, vcpus, state, cpu_time_ns, pid, console
//   pause, unpause, shutdown, reboot, destroy
//   console   -> the monitor replays its recent console output into the PTY
constexpr std::size_t MAX_REQUEST_BYTES = 4096;  // a request line longer than this is refused

struct Request final {
    std::string op;
    nlohmann::json arguments;  // the whole object, op included
};

// Parses one request line (without its newline). Errors say what is wrong in one line.
Result<Request> parse_request(std::string_view line);

std::string encode_request(std::string_view op, nlohmann::json arguments = nlohmann::json::object());
std::string ok_reply(nlohmann::json fields = nlohmann::json::object());
std::string error_reply(std::string_view message);

// A reply line to JSON; a reply with "ok": false becomes an error carrying its message.
Result<nlohmann::json> parse_reply(std::string_view line);

// Splits a byte stream into lines of at most `limit` bytes. An oversized line is reported once
// as such (its bytes are skipped up to the next newline), so one bad request cannot make the
// reader buffer without bound or lose track of the next request.
class LineReader final {
public:
    explicit LineReader(std::size_t limit = MAX_REQUEST_BYTES) : m_limit(limit) {}

    struct Line {
        std::string text;
        bool oversized = false;
    };
    void feed(std::string_view bytes);
    // The next complete line, if any.
    std::optional<Line> next();

private:
    std::size_t m_limit;
    std::string m_buffer;
    bool m_skipping = false;  // inside an oversized line, waiting for its newline
    std::deque<std::optional<std::string>> m_complete;  // nullopt: an oversized line
};

}  // namespace nimbus::control
