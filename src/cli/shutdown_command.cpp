// `nimbus shutdown`: presses the ACPI power button; the guest's OS decides what to do with it,
// and on_poweroff applies once it powers off. -w waits until the monitor has exited.
#include "cli/shutdown_command.hpp"

#include "cli/domain_request.hpp"

namespace nimbus::cli {

void add_shutdown_command(CLI::App& app, int& status)
{
    struct Options {
        std::string name;
        bool wait = false;
    };
    auto options = std::make_shared<Options>();
    CLI::App* command = app.add_subcommand("shutdown", "Ask a domain to power off (ACPI power button)");
    command->add_option("name", options->name, "Domain name")->required();
    command->add_flag("-w,--wait", options->wait, "Wait until the domain is gone");
    command->callback([options, &status] {
        status = domain_request(options->name, "shutdown", options->wait ? AfterReply::WaitForExit : AfterReply::Return);
    });
}

}  // namespace nimbus::cli
