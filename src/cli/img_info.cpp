// `nimbus img info`: qemu-img info's fields, as text or JSON, optionally for the whole backing chain.
#include <sys/stat.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "base/log.hpp"
#include "block/disk_image_factory.hpp"
#include "block/qcow2/qcow2_image.hpp"
#include "block/raw_image.hpp"
#include "cli/img_command.hpp"
#include "cli/img_size.hpp"

namespace nimbus::cli {

namespace {

using Json = nlohmann::ordered_json;

struct InfoArguments {
    std::string file;
    std::string format;
    std::string output = "human";
    bool backing_chain = false;
};

std::uint64_t actual_size(const std::string& path)
{
    struct stat status {};
    return ::stat(path.c_str(), &status) == 0 ? static_cast<std::uint64_t>(status.st_blocks) * 512 : 0;
}

Json snapshot_json(const qcow2::Snapshot& snapshot)
{
    Json entry;
    if (snapshot.icount != ~0ull)  // QEMU leaves it out when the snapshot did not record it
        entry["icount"] = snapshot.icount;
    entry["vm-clock-nsec"] = snapshot.vm_clock_nsec % 1000000000;
    entry["name"] = snapshot.name;
    entry["date-sec"] = snapshot.date_sec;
    entry["date-nsec"] = snapshot.date_nsec;
    entry["vm-clock-sec"] = snapshot.vm_clock_nsec / 1000000000;
    entry["id"] = snapshot.id;
    entry["vm-state-size"] = snapshot.vm_state_size;
    return entry;
}

// One image's description with qemu-img's JSON field names; `next` gets the backing file to
// describe next (empty at the end of the chain).
Result<Json> describe(const std::string& path, const std::string& format_hint, std::string& next,
                      std::string& next_format)
{
    DiskFormat format = format_hint.empty() ? TRY(probe_format(path))
                                            : (format_hint == "qcow2" ? DiskFormat::Qcow2 : DiskFormat::Raw);
    if (!format_hint.empty() && format_hint != "raw" && format_hint != "qcow2")
        return fail("info " + path, "format '{}' is not supported (raw or qcow2)", format_hint);
    next.clear();
    Json info;
    if (format == DiskFormat::Raw) {
        auto image = TRY(RawImage::open(path, OpenMode{.read_only = true}));
        info["virtual-size"] = image->size();
        info["filename"] = path;
        info["format"] = "raw";
        info["actual-size"] = actual_size(path);
        info["dirty-flag"] = false;
        return info;
    }
    auto image = TRY(qcow2::Qcow2Image::open(path, OpenMode{.read_only = true}));
    const qcow2::Header& header = image->header();
    if (header.backing_format)
        info["backing-filename-format"] = *header.backing_format;
    auto snapshots = TRY(image->snapshots());
    if (!snapshots.empty()) {
        Json list = Json::array();
        for (const auto& snapshot : snapshots)
            list.push_back(snapshot_json(snapshot));
        info["snapshots"] = list;
    }
    info["virtual-size"] = header.size;
    info["filename"] = path;
    info["cluster-size"] = header.cluster_size();
    info["format"] = "qcow2";
    info["actual-size"] = actual_size(path);
    Json data;
    data["compat"] = header.version == 2 ? "0.10" : "1.1";
    if (header.version >= 3) {
        data["compression-type"] = header.compression_type == qcow2::CompressionType::Zstd ? "zstd" : "zlib";
        data["lazy-refcounts"] = header.lazy_refcounts();
    }
    data["refcount-bits"] = header.refcount_bits();
    if (header.version >= 3) {
        data["corrupt"] = header.corrupt();
        data["extended-l2"] = false;
    }
    info["format-specific"] = Json{{"type", "qcow2"}, {"data", data}};
    if (!header.backing_file.empty()) {
        info["full-backing-filename"] = image->backing_path();
        info["backing-filename"] = header.backing_file;
        next = image->backing_path();
        next_format = header.backing_format.value_or("");
    }
    info["dirty-flag"] = header.dirty();
    return info;
}

std::string date_text(std::uint32_t seconds)
{
    std::time_t time = seconds;
    std::tm local{};
    ::localtime_r(&time, &local);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local);
    return text;
}

void print_human(const Json& info)
{
    std::uint64_t size = info["virtual-size"];
    fmt::print("image: {}\nfile format: {}\nvirtual size: {} ({} bytes)\ndisk size: {}\n",
               info["filename"].get<std::string>(), info["format"].get<std::string>(), human_image_size(size), size,
               human_image_size(info["actual-size"].get<std::uint64_t>()));
    if (info.contains("cluster-size"))
        fmt::print("cluster_size: {}\n", info["cluster-size"].get<std::uint64_t>());
    if (info.contains("backing-filename")) {
        std::string name = info["backing-filename"];
        std::string full = info["full-backing-filename"];
        fmt::print("backing file: {}{}\n", name, name == full ? "" : " (actual path: " + full + ")");
    }
    if (info.contains("backing-filename-format"))
        fmt::print("backing file format: {}\n", info["backing-filename-format"].get<std::string>());
    if (info.contains("snapshots")) {
        fmt::print("Snapshot list:\n{:<10}{:<18}{:>7}{:>21}{:>13}{:>11}\n", "ID", "TAG", "VM SIZE", "DATE", "VM CLOCK",
                   "ICOUNT");
        for (const auto& snapshot : info["snapshots"]) {
            std::uint64_t clock = snapshot["vm-clock-sec"];
            fmt::print("{:<10}{:<18}{:>7} {:>20} {:02}:{:02}:{:02}.{:03} {:>10}\n", snapshot["id"].get<std::string>(),
                       snapshot["name"].get<std::string>(), human_image_size(snapshot["vm-state-size"]),
                       date_text(snapshot["date-sec"]), clock / 3600, clock / 60 % 60, clock % 60,
                       snapshot["vm-clock-nsec"].get<std::uint64_t>() / 1000000,
                       snapshot.contains("icount") ? std::to_string(snapshot["icount"].get<std::uint64_t>()) : "");
        }
    }
    if (info.contains("format-specific")) {
        fmt::print("Format specific information:\n");
        for (const auto& [name, value] : info["format-specific"]["data"].items()) {
            std::string key = name;
            std::replace(key.begin(), key.end(), '-', ' ');
            fmt::print("    {}: {}\n", key, value.is_string() ? value.get<std::string>() : value.dump());
        }
    }
}

int run_info(const InfoArguments& arguments)
{
    if (arguments.output != "human" && arguments.output != "json") {
        log::error("--output must be human or json, not '{}'", arguments.output);
        return 1;
    }
    Json chain = Json::array();
    std::string path = arguments.file;
    std::string format = arguments.format;
    for (unsigned depth = 0; !path.empty() && depth < qcow2::MAX_BACKING_DEPTH; ++depth) {
        std::string next;
        std::string next_format;
        auto info = describe(path, format, next, next_format);
        if (!info) {
            log::error("{}", info.error().message());
            return 1;
        }
        chain.push_back(*info);
        if (!arguments.backing_chain)
            break;
        path = next;
        format = next_format;
    }
    if (arguments.output == "json") {
        fmt::print("{}\n", arguments.backing_chain ? chain.dump(4) : chain[0].dump(4));
        return 0;
    }
    for (std::size_t i = 0; i < chain.size(); ++i) {
        if (i > 0)
            fmt::print("\n");
        print_human(chain[i]);
    }
    return 0;
}

}  // namespace

void add_img_info(CLI::App& img, int& status)
{
    auto arguments = std::make_shared<InfoArguments>();
    CLI::App* info = img.add_subcommand("info", "Describe a disk image");
    info->add_option("-f", arguments->format, "Image format (probed when absent)");
    info->add_option("--output", arguments->output, "human or json");
    info->add_flag("--backing-chain", arguments->backing_chain, "Describe every image of the backing chain");
    info->add_option("file", arguments->file, "The image")->required();
    info->callback([arguments, &status] { status = run_info(*arguments); });
}

}  // namespace nimbus::cli
