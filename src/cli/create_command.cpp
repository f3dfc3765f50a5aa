// `nimbus create`: parse, validate against the host, start the monitor, optionally attach.
#include "cli/create_command.hpp"

#include <fmt/format.h>

#include "base/log.hpp"
#include "cli/console_attach.hpp"
#include "config/domain_config_json.hpp"
#include "config/domain_config_loader.hpp"
#include "control/domain_creator.hpp"

namespace nimbus::cli {

namespace {
struct CreateOptions {
    std::string config_path;
    std::vector<std::string> overrides;
    bool attach = false;
    bool paused = false;
    bool dry_run = false;
};

int create(const CreateOptions& options)
{
    // What xl says first; like xl, create reports what it decided on stderr at the default level.
    fmt::print(stderr, "Parsing config from {}\n", options.config_path);
    auto loaded = load_domain_config(options.config_path, options.overrides);
    if (!loaded) {
        log::error("{}", loaded.error().message());
        return 1;
    }
    for (const std::string& warning : loaded->warnings)
        log::warn("{}", warning);
    for (const std::string& notice : loaded->notices)
        fmt::print(stderr, "nimbus: {}\n", notice);
    if (options.dry_run) {
        fmt::print("{}\n", domain_config_to_json(loaded->config).dump(4));
        return 0;
    }
    if (!loaded->config.vifs.empty())
        log::warn("vif: {} network interface(s) configured but nimbus has no virtio-net yet: the guest gets none",
                  loaded->config.vifs.size());
    auto created = control::create_domain(loaded->config,
                                          options.paused ? control::StartState::Paused : control::StartState::Running);
    if (!created) {
        log::error("{}", created.error().message());
        return 1;
    }
    if (!created->cmdline_additions.empty())
        log::warn("this host's KVM emulates instructions (kvm_pvm): added to the guest command line: {}",
                  created->cmdline_additions);
    log::info("domain '{}' created (id {}{})", loaded->config.name, created->id, options.paused ? ", paused" : "");
    return options.attach ? attach_console(loaded->config.name) : 0;
}
}  // namespace

void add_create_command(CLI::App& app, int& status)
{
    auto options = std::make_shared<CreateOptions>();
    CLI::App* command = app.add_subcommand("create", "Create a domain from an xl.cfg file");
    command->add_option("config", options->config_path, "Domain config file (xl.cfg syntax)")
        ->required()
        ->check(CLI::ExistingFile);
    command->add_option("overrides", options->overrides, "KEY=VALUE settings applied after the file, as in xl");
    command->add_flag("-c", options->attach, "Attach to the console once created (Ctrl-] detaches)");
    command->add_flag("-p", options->paused, "Leave the domain paused (unpause starts it)");
    command->add_flag("-n,--dry-run", options->dry_run, "Print the resolved config as JSON and create nothing");
    command->footer("The domain runs under its own monitor process, which outlives this command; state lives "
                    "under /run/nimbus (NIMBUS_RUN_DIR).");
    command->callback([options, &status] { status = create(*options); });
}

}  // namespace nimbus::cli
