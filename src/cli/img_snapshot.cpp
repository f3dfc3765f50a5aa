// `nimbus img snapshot`: create, list, apply and delete internal snapshots of a qcow2 image.
#include <ctime>

#include "base/log.hpp"
#include "block/qcow2/qcow2_image.hpp"
#include "cli/img_command.hpp"
#include "cli/img_size.hpp"

namespace nimbus::cli {

namespace {

struct SnapshotArguments {
    std::string create;
    std::string apply;
    std::string remove;
    bool list = false;
    std::string file;
};

void print_list(const std::vector<qcow2::Snapshot>& snapshots)
{
    fmt::print("Snapshot list:\n{:<10}{:<18}{:>7}{:>21}{:>13}{:>11}\n", "ID", "TAG", "VM SIZE", "DATE", "VM CLOCK",
               "ICOUNT");
    for (const auto& snapshot : snapshots) {
        std::time_t time = snapshot.date_sec;
        std::tm local{};
        ::localtime_r(&time, &local);
        char date[32];
        std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &local);
        std::uint64_t seconds = snapshot.vm_clock_nsec / 1000000000;
        fmt::print("{:<10}{:<18}{:>7} {:>20} {:02}:{:02}:{:02}.{:03} {:>10}\n", snapshot.id, snapshot.name,
                   human_image_size(snapshot.vm_state_size), date, seconds / 3600, seconds / 60 % 60, seconds % 60,
                   snapshot.vm_clock_nsec % 1000000000 / 1000000, snapshot.icount == ~0ull ? std::string() : std::to_string(snapshot.icount));
    }
}

int run_snapshot(const SnapshotArguments& arguments)
{
    int actions = !arguments.create.empty() + !arguments.apply.empty() + !arguments.remove.empty() + arguments.list;
    if (actions != 1) {
        log::error("snapshot needs exactly one of -c, -a, -d or -l");
        return 1;
    }
    auto image = qcow2::Qcow2Image::open(arguments.file, OpenMode{.read_only = arguments.list});
    if (!image) {
        log::error("{}", image.error().message());
        return 1;
    }
    Result<void> done;
    if (arguments.list) {
        auto snapshots = (*image)->snapshots();
        if (snapshots && !snapshots->empty())
            print_list(*snapshots);
        done = snapshots ? Result<void>{} : std::unexpected(snapshots.error());
    } else if (!arguments.create.empty()) {
        done = (*image)->create_snapshot(arguments.create);
    } else if (!arguments.apply.empty()) {
        done = (*image)->apply_snapshot(arguments.apply);
    } else {
        done = (*image)->delete_snapshot(arguments.remove);
    }
    if (!done) {
        log::error("{}", done.error().message());
        return 1;
    }
    return 0;
}

}  // namespace

void add_img_snapshot(CLI::App& img, int& status)
{
    auto arguments = std::make_shared<SnapshotArguments>();
    CLI::App* snapshot = img.add_subcommand("snapshot", "Create, list, apply or delete internal snapshots (qcow2)");
    snapshot->add_option("-c", arguments->create, "Create a snapshot with this name");
    snapshot->add_option("-a", arguments->apply, "Revert the disk to this snapshot (id or name)");
    snapshot->add_option("-d", arguments->remove, "Delete this snapshot (id or name)");
    snapshot->add_flag("-l", arguments->list, "List the snapshots");
    snapshot->add_option("file", arguments->file, "The qcow2 image")->required();
    snapshot->callback([arguments, &status] { status = run_snapshot(*arguments); });
}

}  // namespace nimbus::cli
