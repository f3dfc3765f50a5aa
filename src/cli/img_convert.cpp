// `nimbus img convert`: copies a disk image into a new raw or qcow2 image, skipping zero blocks,
// optionally compressing qcow2 clusters (-c) and showing progress (-p).
#include <algorithm>

#include "base/log.hpp"
#include "block/all_zero.hpp"
#include "block/disk_image_factory.hpp"
#include "block/qcow2/qcow2_creator.hpp"
#include "block/qcow2/qcow2_image.hpp"
#include "block/raw_image.hpp"
#include "cli/img_command.hpp"
#include "cli/img_options.hpp"

namespace nimbus::cli {

namespace {

constexpr std::uint64_t RAW_CHUNK = 1 << 20;

struct ConvertArguments {
    std::string source_format;
    std::string target_format = "raw";
    std::vector<std::string> options;
    bool compress = false;
    bool progress = false;
    std::string source;
    std::string target;
};

Result<DiskFormat> format_named(const std::string& name, const std::string& path)
{
    if (name.empty())
        return probe_format(path);
    if (name == "raw")
        return DiskFormat::Raw;
    if (name == "qcow2")
        return DiskFormat::Qcow2;
    return fail("convert " + path, "format '{}' is not supported (raw or qcow2)", name);
}

Result<void> copy(DiskImage& source, DiskImage& target, qcow2::Qcow2Image* compressed, std::uint64_t chunk,
                  bool progress)
{
    std::vector<std::uint8_t> buffer(chunk);
    const std::uint64_t size = source.size();
    int shown = -1;
    for (std::uint64_t at = 0; at < size; at += chunk) {
        std::uint64_t length = std::min(chunk, size - at);
        auto piece = std::span(buffer).first(length);
        TRY(source.read(at, piece));
        if (!all_zero(piece)) {
            if (compressed != nullptr && length == chunk)
                TRY(compressed->write_compressed_cluster(at, piece));
            else
                TRY(target.write(at, piece));
        }
        int percent = static_cast<int>((at + length) * 10000 / std::max<std::uint64_t>(size, 1));
        if (progress && percent / 100 != shown / 100) {
            fmt::print("    ({}.{:02}/100%)\r", percent / 100, percent % 100);
            std::fflush(stdout);
            shown = percent;
        }
    }
    if (progress)
        fmt::print("\n");
    return target.flush();
}

Result<void> convert(const ConvertArguments& arguments)
{
    DiskFormat source_format = TRY(format_named(arguments.source_format, arguments.source));
    DiskFormat target_format = TRY(format_named(arguments.target_format, arguments.target));
    if (arguments.compress && target_format != DiskFormat::Qcow2)
        return fail("convert " + arguments.source, "-c needs -O qcow2");
    auto source = TRY(open_disk_image(arguments.source, source_format, DiskAccess::ReadOnly));
    auto options = TRY(split_options(arguments.options));
    std::uint64_t chunk = RAW_CHUNK;
    if (target_format == DiskFormat::Raw) {
        if (!options.empty())
            return fail("convert " + arguments.target, "raw targets take no -o options");
        TRY(RawImage::create(arguments.target, source->size()));
    } else {
        qcow2::CreateOptions create = TRY(qcow2_options(options));
        create.size = (source->size() + 511) / 512 * 512;
        TRY(qcow2::Qcow2Creator::create(arguments.target, create));
        chunk = 1ull << create.cluster_bits;
    }
    auto removing = [&](Result<void> result) -> Result<void> {
        if (!result)
            ::unlink(arguments.target.c_str());
        return result;
    };
    auto target = open_disk_image(arguments.target, target_format, DiskAccess::ReadWrite);
    if (!target)
        return removing(std::unexpected(target.error()));
    auto* qcow2_target = arguments.compress ? dynamic_cast<qcow2::Qcow2Image*>(target->get()) : nullptr;
    return removing(copy(*source, **target, qcow2_target, chunk, arguments.progress));
}

}  // namespace

void add_img_convert(CLI::App& img, int& status)
{
    auto arguments = std::make_shared<ConvertArguments>();
    CLI::App* command = img.add_subcommand("convert", "Copy a disk image into a new raw or qcow2 image");
    command->add_option("-f", arguments->source_format, "Source format (probed when absent)");
    command->add_option("-O", arguments->target_format, "Target format: raw (default) or qcow2");
    command->add_option("-o", arguments->options, "Target format options, as for create")->allow_extra_args(false);
    command->add_flag("-c", arguments->compress, "Compress the target's clusters (qcow2)");
    command->add_flag("-p", arguments->progress, "Show progress");
    command->add_option("source", arguments->source, "The image to read")->required();
    command->add_option("target", arguments->target, "The image to create")->required();
    command->callback([arguments, &status] {
        if (auto converted = convert(*arguments); !converted) {
            log::error("{}", converted.error().message());
            status = 1;
        }
    });
}

}  // namespace nimbus::cli
