// `nimbus run`: boot a kernel directly, without a config file, console on the terminal.
#pragma once

#include <CLI/CLI.hpp>

namespace nimbus::cli {

// Registers the subcommand; its callback stores the process exit status in `status`.
void add_run_command(CLI::App& app, int& status);

}  // namespace nimbus::cli
