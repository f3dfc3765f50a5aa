// `nimbus console NAME`: Ctrl-] detaches; the guest runs on.
#include "cli/console_command.hpp"

#include "cli/console_attach.hpp"

namespace nimbus::cli {

void add_console_command(CLI::App& app, int& status)
{
    auto name = std::make_shared<std::string>();
    CLI::App* command = app.add_subcommand("console", "Attach to a domain's console (Ctrl-] detaches)");
    command->add_option("name", *name, "Domain name")->required();
    command->callback([name, &status] { status = attach_console(*name); });
}

}  // namespace nimbus::cli
