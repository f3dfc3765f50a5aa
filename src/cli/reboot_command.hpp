// `nimbus reboot NAME`: a clean shutdown inside the guest, then on_reboot.
#pragma once

#include <CLI/CLI.hpp>

namespace nimbus::cli {

void add_reboot_command(CLI::App& app, int& status);

}  // namespace nimbus::cli
