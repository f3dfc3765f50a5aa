// `nimbus img rebase`: points a qcow2 image at another backing file. Safe mode (the default) first
// copies into the image every unallocated cluster whose contents would change; -u only rewrites
// the header, as qemu-img rebase -u.
#include <filesystem>

#include "base/log.hpp"
#include "block/disk_image_factory.hpp"
#include "block/qcow2/qcow2_image.hpp"
#include "cli/img_command.hpp"
#include "cli/img_open.hpp"
#include "cli/img_progress.hpp"

namespace nimbus::cli {

namespace {

struct RebaseArguments {
    std::string format;
    std::string backing;
    std::string backing_format;
    bool unsafe = false;
    bool progress = false;
    std::string file;
};

Result<void> copy_differences(qcow2::Qcow2Image& image, DiskImage* new_backing, bool progress_shown)
{
    const std::uint64_t cluster = image.header().cluster_size();
    const std::uint64_t size = image.size();
    std::vector<std::uint8_t> old_data(cluster);
    std::vector<std::uint8_t> new_data(cluster);
    Progress progress(progress_shown);
    for (std::uint64_t at = 0; at < size; at += cluster) {
        progress.update(at, size);
        if (TRY(image.cluster_kind(at)) != qcow2::Qcow2Image::ClusterKind::Unallocated)
            continue;
        std::uint64_t length = std::min(cluster, size - at);
        auto old_piece = std::span(old_data).first(length);
        auto new_piece = std::span(new_data).first(length);
        TRY(image.read(at, old_piece));
        std::fill(new_piece.begin(), new_piece.end(), std::uint8_t{0});
        if (new_backing != nullptr && at < new_backing->size())
            TRY(new_backing->read(at, new_piece.first(std::min(length, new_backing->size() - at))));
        if (!std::equal(old_piece.begin(), old_piece.end(), new_piece.begin()))
            TRY(image.write(at, old_piece));
    }
    progress.finish();
    return image.flush();
}

Result<void> rebase(const RebaseArguments& arguments)
{
    DiskFormat format = TRY(image_format(arguments.format, arguments.file));
    if (format != DiskFormat::Qcow2)
        return fail("rebase " + arguments.file, "only qcow2 images have a backing file");
    auto image = TRY(qcow2::Qcow2Image::open(arguments.file, OpenMode{.read_only = false}));
    std::optional<std::string> backing_format;
    std::unique_ptr<DiskImage> new_backing;
    if (!arguments.backing.empty()) {
        // A relative name is relative to the image, as it will be stored.
        std::filesystem::path path(arguments.backing);
        if (path.is_relative())
            path = std::filesystem::path(arguments.file).parent_path() / path;
        DiskFormat kind = TRY(image_format(arguments.backing_format, path.string()));
        backing_format = kind == DiskFormat::Qcow2 ? "qcow2" : "raw";
        if (!arguments.unsafe)
            new_backing = TRY(open_disk_image(path.string(), kind, DiskAccess::ReadOnly));
        else if (!std::filesystem::exists(path))
            log::warn("rebase {}: the new backing file {} does not exist", arguments.file, path.string());
    }
    if (!arguments.unsafe)
        TRY(copy_differences(*image, new_backing.get(), arguments.progress));
    return image->set_backing_file(arguments.backing, backing_format);
}

}  // namespace

void add_img_rebase(CLI::App& img, int& status)
{
    auto arguments = std::make_shared<RebaseArguments>();
    CLI::App* command = img.add_subcommand("rebase", "Change the backing file of a qcow2 image");
    command->add_option("-f", arguments->format, "Image format (probed when absent)");
    command->add_option("-b", arguments->backing, "The new backing file (\"\": none)")->required();
    command->add_option("-F", arguments->backing_format, "The new backing file's format (probed when absent)");
    command->add_flag("-u", arguments->unsafe, "Only rewrite the header, copying no data");
    command->add_flag("-p", arguments->progress, "Show progress");
    command->add_option("file", arguments->file, "The image")->required();
    command->callback([arguments, &status] {
        if (auto rebased = rebase(*arguments); !rebased) {
            log::error("{}", rebased.error().message());
            status = 1;
        }
    });
}

}  // namespace nimbus::cli
