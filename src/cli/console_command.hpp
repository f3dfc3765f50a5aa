// `nimbus console NAME`: attach the terminal to a domain's console.
#pragma once

#include <CLI/CLI.hpp>

namespace nimbus::cli {

void add_console_command(CLI::App& app, int& status);

}  // namespace nimbus::cli
