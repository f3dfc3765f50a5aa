// `nimbus create [-c] [-p] [-n] guest.cfg [KEY=VALUE...]`: start a domain from an xl.cfg file.
#pragma once

#include <CLI/CLI.hpp>

namespace nimbus::cli {

void add_create_command(CLI::App& app, int& status);

}  // namespace nimbus::cli
