// `nimbus reboot`: KVM has no "reboot request" a guest understands, so the monitor presses the
// ACPI power button and remembers the intent: when the guest powers off it applies on_reboot
// (restart by default) instead of on_poweroff. A guest that resets by itself gets on_reboot too.
#include "cli/reboot_command.hpp"

#include "cli/domain_request.hpp"

namespace nimbus::cli {

void add_reboot_command(CLI::App& app, int& status)
{
    auto name = std::make_shared<std::string>();
    CLI::App* command = app.add_subcommand("reboot", "Shut a domain down cleanly, then apply on_reboot");
    command->add_option("name", *name, "Domain name")->required();
    command->callback([name, &status] { status = domain_request(*name, "reboot"); });
}

}  // namespace nimbus::cli
