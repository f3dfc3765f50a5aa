// attach_console: the terminal on a domain's console PTY until Ctrl-] or the domain's end.
#pragma once

#include <string>

namespace nimbus::cli {

constexpr unsigned char DETACH_KEY = 0x1d;  // Ctrl-], as in xl console and virsh console

// Returns the process exit status: 0 after a detach or when the domain is gone, 1 on errors.
int attach_console(const std::string& name);

}  // namespace nimbus::cli
