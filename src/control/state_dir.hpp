// StateDir: where monitors keep their control sockets and consoles (/run/nimbus/<name>/).
#pragma once

#include <string>
#include <string_view>

#include "base/error.hpp"

namespace nimbus::control {

// $NIMBUS_RUN_DIR if set (tests), else /run/nimbus.
std::string run_dir();
// Creates the run directory (mode 0700) if needed; refuses one that others may write into.
Result<void> ensure_run_dir();

// A domain's folder and the files in it.
std::string domain_dir(std::string_view name);
std::string socket_path(std::string_view name);   // control.sock, mode 0600
std::string console_link(std::string_view name);  // console -> /dev/pts/N
std::string lock_path(std::string_view name);     // held (flock) by the monitor while it lives
std::string log_path(std::string_view name);      // the monitor's own messages

// A name usable as a folder and a socket path: [A-Za-z0-9_.-], not starting with '.', short enough
// for sockaddr_un. Empty when valid, else the reason.
std::string check_domain_name(std::string_view name);

// Unlinks the files in `dir` (not recursively) and removes it; missing is fine.
Result<void> remove_state_folder(const std::string& dir);

}  // namespace nimbus::control
