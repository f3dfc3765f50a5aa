// `nimbus pause NAME`: freeze every vCPU of a domain.
#pragma once

#include <CLI/CLI.hpp>

namespace nimbus::cli {

void add_pause_command(CLI::App& app, int& status);

}  // namespace nimbus::cli
