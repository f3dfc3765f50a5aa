// domain_request: connect, one request, optionally wait for the monitor's exit.
#include "cli/domain_request.hpp"

#include "base/log.hpp"
#include "control/client.hpp"

namespace nimbus::cli {

int domain_request(const std::string& name, std::string_view op, AfterReply after)
{
    auto client = control::Client::connect(name);
    if (!client) {
        log::error("{}", client.error().message());
        return 1;
    }
    if (auto reply = client->call(op); !reply) {
        log::error("{}: {}", op, reply.error().message());
        return 1;
    }
    if (after == AfterReply::WaitForExit) {
        if (auto waited = client->wait_for_exit(); !waited) {
            log::error("{}", waited.error().message());
            return 1;
        }
    }
    return 0;
}

}  // namespace nimbus::cli
