// `nimbus list`: one info request per live monitor; xl's columns and state letters.
#include "cli/list_command.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <vector>

#include "base/log.hpp"
#include "control/client.hpp"
#include "control/registry.hpp"
#include "control/state_dir.hpp"

namespace nimbus::cli {

namespace {
// xl's six state letters: r(unning) b(locked) p(aused) s(hutdown) c(rashed) d(ying).
std::string state_letters(const std::string& state)
{
    if (state == "paused")
        return "--p---";
    if (state == "shutdown")
        return "---s--";
    if (state == "crashed")
        return "----c-";
    return "r-----";  // running, shutting-down: the vCPUs still run
}

std::vector<nlohmann::json> collect(const std::vector<std::string>& names)
{
    std::vector<nlohmann::json> domains;
    for (const std::string& name : names) {
        auto client = control::Client::connect(name);
        auto info = client ? client->call("info", nlohmann::json::object(), 3000)
                           : Result<nlohmann::json>(std::unexpected(client.error()));
        if (!info) {
            // Exited between the registry's look and ours, or still starting (no socket yet):
            // neither is an error to show.
            bool starting = ::access(control::socket_path(name).c_str(), F_OK) != 0;
            if (!starting && control::probe(control::domain_dir(name)) == control::Liveness::Live)
                log::warn("{}: {}", name, info.error().message());
            continue;
        }
        info->erase("ok");
        domains.push_back(std::move(*info));
    }
    return domains;
}

int list(const std::vector<std::string>& filter, bool long_form, bool json)
{
    std::vector<std::string> names = control::live_domains();
    if (!filter.empty()) {
        for (const std::string& wanted : filter) {
            if (std::find(names.begin(), names.end(), wanted) == names.end()) {
                log::error("domain '{}': no such domain", wanted);
                return 1;
            }
        }
        names = filter;
    }
    std::vector<nlohmann::json> domains = collect(names);
    if (json || long_form) {
        fmt::print("{}\n", nlohmann::json(domains).dump(long_form ? 4 : -1));
        return 0;
    }
    fmt::print("{:<40} {:>5} {:>5} {:>5}     {:<6}  {:>8}\n", "Name", "ID", "Mem", "VCPUs", "State", "Time(s)");
    for (const nlohmann::json& domain : domains) {
        double seconds = static_cast<double>(domain.value("cpu_time_ns", std::uint64_t{0})) / 1e9;
        fmt::print("{:<40} {:>5} {:>5} {:>5}     {:<6}  {:>8.1f}\n", domain.value("name", std::string()),
                   domain.value("id", 0u), domain.value("memory_mib", std::uint64_t{0}), domain.value("vcpus", 0u),
                   state_letters(domain.value("state", std::string())), seconds);
    }
    return 0;
}
}  // namespace

void add_list_command(CLI::App& app, int& status)
{
    struct Options {
        std::vector<std::string> names;
        bool long_form = false;
        bool json = false;
    };
    auto options = std::make_shared<Options>();
    CLI::App* command = app.add_subcommand("list", "List the running domains");
    command->add_option("names", options->names, "Only these domains");
    command->add_flag("-l,--long", options->long_form, "Everything each monitor reports, as indented JSON");
    command->add_flag("--json", options->json, "Machine-readable: one JSON array on one line");
    command->footer("Columns as xl list: Name, ID, Mem (MiB), VCPUs, State (r running, p paused, s shutdown, "
                    "c crashed), Time(s) (vCPU time used).");
    command->callback([options, &status] { status = list(options->names, options->long_form, options->json); });
}

}  // namespace nimbus::cli
