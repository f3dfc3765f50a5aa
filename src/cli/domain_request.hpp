// domain_request: the shared body of the one-request commands (pause, destroy, shutdown, ...).
#pragma once

#include <string>
#include <string_view>

namespace nimbus::cli {

enum class AfterReply { Return, WaitForExit };

// Sends `op` to the domain's monitor; with WaitForExit, returns once the monitor has exited
// (its state folder is gone by then). Prints a one-line error and returns 1 on failure.
int domain_request(const std::string& name, std::string_view op, AfterReply after = AfterReply::Return);

}  // namespace nimbus::cli
