// `nimbus destroy NAME`: stop the guest at once and wait for its monitor to exit.
#pragma once

#include <CLI/CLI.hpp>

namespace nimbus::cli {

void add_destroy_command(CLI::App& app, int& status);

}  // namespace nimbus::cli
