// `nimbus img map`: where each range of the virtual disk comes from, as qemu-img map prints it.
#include <nlohmann/json.hpp>

#include "base/log.hpp"
#include "cli/img_block_status.hpp"
#include "cli/img_command.hpp"
#include "cli/img_open.hpp"

namespace nimbus::cli {

namespace {

struct MapArguments {
    std::string format;
    std::string output = "human";
    std::string file;
};

// qemu-img's JSON lines: one object per extent, fields in its order.
void print_json(const std::vector<Extent>& extents)
{
    fmt::print("[");
    for (std::size_t i = 0; i < extents.size(); ++i) {
        const Extent& e = extents[i];
        fmt::print("{}{{ \"start\": {}, \"length\": {}, \"depth\": {}, \"present\": {}, \"zero\": {}, \"data\": {}",
                   i == 0 ? "" : ",\n", e.start, e.length, e.depth, e.present, e.zero, e.data);
        if (e.offset)
            fmt::print(", \"offset\": {}", *e.offset);
        fmt::print("}}");
    }
    fmt::print("]\n");
}

std::string hex(std::uint64_t value)
{
    return value == 0 ? "0" : fmt::format("{:#x}", value);
}

// Lists ranges of data (not known zeros); ranges without a host offset cannot be listed.
Result<void> print_human(const std::vector<Extent>& extents, const std::string& path)
{
    fmt::print("{:<16}{:<16}{:<16}{}\n", "Offset", "Length", "Mapped to", "File");
    for (const Extent& e : extents) {
        if (!e.data || e.zero)
            continue;
        if (!e.offset)
            return fail("map " + path, "File contains external, encrypted or compressed clusters.");
        fmt::print("{:<16}{:<16}{:<16}{}\n", hex(e.start), hex(e.length), hex(*e.offset), e.file);
    }
    return {};
}

Result<void> run_map(const MapArguments& arguments)
{
    if (arguments.output != "human" && arguments.output != "json")
        return fail("map", "--output must be human or json, not '{}'", arguments.output);
    auto image = TRY(open_image(arguments.file, arguments.format, DiskAccess::ReadOnly));
    auto extents = TRY(BlockStatus(*image).map());
    if (arguments.output == "json")
        print_json(extents);
    else
        TRY(print_human(extents, arguments.file));
    return {};
}

}  // namespace

void add_img_map(CLI::App& img, int& status)
{
    auto arguments = std::make_shared<MapArguments>();
    CLI::App* command = img.add_subcommand("map", "Show where each range of a disk image's data lives");
    command->add_option("-f", arguments->format, "Image format (probed when absent)");
    command->add_option("--output", arguments->output, "human or json");
    command->add_option("file", arguments->file, "The image")->required();
    command->callback([arguments, &status] {
        if (auto mapped = run_map(*arguments); !mapped) {
            log::error("{}", mapped.error().message());
            status = 1;
        }
    });
}

}  // namespace nimbus::cli
