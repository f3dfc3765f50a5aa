// `nimbus pause NAME`: returns once every vCPU has stopped; memory and devices stay as they are.
#include "cli/pause_command.hpp"

#include "cli/domain_request.hpp"

namespace nimbus::cli {

void add_pause_command(CLI::App& app, int& status)
{
    auto name = std::make_shared<std::string>();
    CLI::App* command = app.add_subcommand("pause", "Freeze a domain's vCPUs");
    command->add_option("name", *name, "Domain name")->required();
    command->callback([name, &status] { status = domain_request(*name, "pause"); });
}

}  // namespace nimbus::cli
