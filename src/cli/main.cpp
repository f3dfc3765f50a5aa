// nimbus entry point: subcommand dispatch; installed as `xl` (argv[0]), the same commands answer as xl.
#include <CLI/CLI.hpp>

#include <string_view>

#include "base/log.hpp"
#include "cli/console_command.hpp"
#include "cli/create_command.hpp"
#include "cli/destroy_command.hpp"
#include "cli/info_command.hpp"
#include "cli/list_command.hpp"
#include "cli/pause_command.hpp"
#include "cli/reboot_command.hpp"
#include "cli/img_command.hpp"
#include "cli/run_command.hpp"
#include "cli/shutdown_command.hpp"
#include "cli/unpause_command.hpp"

int main(int argc, char** argv)
{
    nimbus::log::init_from_environment();
    std::string_view invoked = argc > 0 ? argv[0] : "nimbus";
    bool as_xl = invoked.substr(invoked.rfind('/') + 1) == "xl";
    CLI::App app{as_xl ? "xl: the nimbus toolstack under xl's name (KVM, not Xen)"
                       : "nimbus: a KVM hypervisor and xl-compatible toolstack"};
    app.name(as_xl ? "xl" : "nimbus");
    app.set_version_flag("--version", std::string("nimbus ") + NIMBUS_VERSION);
    app.require_subcommand(1);

    int status = 0;
    nimbus::cli::add_run_command(app, status);
    nimbus::cli::add_create_command(app, status);
    nimbus::cli::add_console_command(app, status);
    nimbus::cli::add_list_command(app, status);
    nimbus::cli::add_shutdown_command(app, status);
    nimbus::cli::add_reboot_command(app, status);
    nimbus::cli::add_destroy_command(app, status);
    nimbus::cli::add_pause_command(app, status);
    nimbus::cli::add_unpause_command(app, status);
    nimbus::cli::add_info_command(app, status);
    nimbus::cli::add_img_command(app, status);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        return app.exit(error);
    }
    return status;
}
