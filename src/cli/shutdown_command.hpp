// `nimbus shutdown [-w] NAME`: ask the guest to power off (ACPI power button).
#pragma once

#include <CLI/CLI.hpp>

namespace nimbus::cli {

void add_shutdown_command(CLI::App& app, int& status);

}  // namespace nimbus::cli
