// nimbus entry point: subcommand dispatch (argv[0] "xl" will select the xl-compatible surface).
#include <CLI/CLI.hpp>

#include "base/log.hpp"
#include "cli/img_command.hpp"
#include "cli/run_command.hpp"

int main(int argc, char** argv)
{
    nimbus::log::init_from_environment();
    CLI::App app{"nimbus: a KVM hypervisor and xl-compatible toolstack"};
    app.set_version_flag("--version", std::string("nimbus ") + NIMBUS_VERSION);
    app.require_subcommand(1);

    int status = 0;
    nimbus::cli::add_run_command(app, status);
    nimbus::cli::add_img_command(app, status);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        return app.exit(error);
    }
    return status;
}
