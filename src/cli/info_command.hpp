// `nimbus info`: host facts as xl info prints them.
#pragma once

#include <CLI/CLI.hpp>

namespace nimbus::cli {

void add_info_command(CLI::App& app, int& status);

}  // namespace nimbus::cli
