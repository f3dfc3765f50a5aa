// `nimbus destroy NAME`: the guest stops without warning, like pulling the plug (xl destroy).
#include "cli/destroy_command.hpp"

#include "cli/domain_request.hpp"

namespace nimbus::cli {

void add_destroy_command(CLI::App& app, int& status)
{
    auto name = std::make_shared<std::string>();
    CLI::App* command = app.add_subcommand("destroy", "Stop a domain at once (no shutdown inside the guest)");
    command->add_option("name", *name, "Domain name")->required();
    command->callback([name, &status] { status = domain_request(*name, "destroy", AfterReply::WaitForExit); });
}

}  // namespace nimbus::cli
