// `nimbus unpause NAME`: let a paused domain's vCPUs run again.
#pragma once

#include <CLI/CLI.hpp>

namespace nimbus::cli {

void add_unpause_command(CLI::App& app, int& status);

}  // namespace nimbus::cli
