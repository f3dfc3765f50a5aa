// `nimbus unpause NAME`: the vCPUs continue exactly where pause stopped them.
#include "cli/unpause_command.hpp"

#include "cli/domain_request.hpp"

namespace nimbus::cli {

void add_unpause_command(CLI::App& app, int& status)
{
    auto name = std::make_shared<std::string>();
    CLI::App* command = app.add_subcommand("unpause", "Resume a paused domain");
    command->add_option("name", *name, "Domain name")->required();
    command->callback([name, &status] { status = domain_request(*name, "unpause"); });
}

}  // namespace nimbus::cli
