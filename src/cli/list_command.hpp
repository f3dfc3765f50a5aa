// `nimbus list [-l] [--json]`: the live domains, as xl lists them.
#pragma once

#include <CLI/CLI.hpp>

namespace nimbus::cli {

void add_list_command(CLI::App& app, int& status);

}  // namespace nimbus::cli
