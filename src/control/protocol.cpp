// Protocol: request parsing, reply encoding, line splitting.
#include "control/protocol.hpp"

namespace nimbus::control {

Result<Request> parse_request(std::string_view line)
{
    if (line.size() > MAX_REQUEST_BYTES)
        return fail("control request", "request longer than {} bytes", MAX_REQUEST_BYTES);
    nlohmann::json parsed = nlohmann::json::parse(line, nullptr, false);
    if (parsed.is_discarded())
        return fail("control request", "not valid JSON");
    if (!parsed.is_object())
        return fail("control request", "not a JSON object");
    auto op = parsed.find("op");
    if (op == parsed.end() || !op->is_string() || op->get_ref<const std::string&>().empty())
        return fail("control request", "no \"op\" string");
    return Request{op->get<std::string>(), std::move(parsed)};
}

std::string encode_request(std::string_view op, nlohmann::json arguments)
{
    arguments["op"] = op;
    return arguments.dump() + "\n";
}

std::string ok_reply(nlohmann::json fields)
{
    fields["ok"] = true;
    return fields.dump() + "\n";
}

std::string error_reply(std::string_view message)
{
    // Replacement instead of an exception: the message may quote bytes a client sent.
    return nlohmann::json{{"ok", false}, {"error", message}}.dump(-1, ' ', false,
                                                                   nlohmann::json::error_handler_t::replace) +
           "\n";
}

Result<nlohmann::json> parse_reply(std::string_view line)
{
    nlohmann::json parsed = nlohmann::json::parse(line, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("ok") || !parsed["ok"].is_boolean())
        return fail("control reply", "malformed reply from the monitor");
    if (!parsed["ok"].get<bool>()) {
        std::string message = parsed.value("error", std::string("request refused"));
        return std::unexpected(make_error("", message));
    }
    return parsed;
}

void LineReader::feed(std::string_view bytes)
{
    while (!bytes.empty()) {
        std::size_t newline = bytes.find('\n');
        std::string_view piece = bytes.substr(0, newline);
        if (m_skipping) {
            if (newline != std::string_view::npos)
                m_skipping = false;
        } else if (m_buffer.size() + piece.size() > m_limit) {
            // Reported at once, so a client that never sends the newline still gets its error.
            m_buffer.clear();
            m_complete.push_back(std::nullopt);
            m_skipping = newline == std::string_view::npos;
        } else {
            m_buffer.append(piece);
            if (newline != std::string_view::npos) {
                m_complete.push_back(std::move(m_buffer));
                m_buffer.clear();
            }
        }
        bytes = newline == std::string_view::npos ? std::string_view{} : bytes.substr(newline + 1);
    }
}

std::optional<LineReader::Line> LineReader::next()
{
    if (m_complete.empty())
        return std::nullopt;
    auto entry = std::move(m_complete.front());
    m_complete.pop_front();
    if (!entry)
        return Line{{}, true};
    return Line{std::move(*entry), false};
}

}  // namespace nimbus::control
