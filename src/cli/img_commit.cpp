// `nimbus img commit`: writes a qcow2 image's own clusters into its backing file, then empties the
// image (unless -d), as qemu-img commit. The image and its backing file are never open for
// writing at the same time (image locks forbid it), so the data moves in batches.
#include "base/log.hpp"
#include "block/disk_image_factory.hpp"
#include "block/qcow2/qcow2_image.hpp"
#include "cli/img_command.hpp"
#include "cli/img_open.hpp"
#include "cli/img_progress.hpp"

namespace nimbus::cli {

namespace {

constexpr std::uint64_t BATCH_BYTES = 64ull << 20;

struct CommitArguments {
    std::string format;
    bool keep = false;
    bool progress = false;
    bool quiet = false;
    std::string file;
};

struct Piece {
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    std::vector<std::uint8_t> data;  // empty: zeros, written as such (holes, zero clusters)
};

Result<void> commit(const CommitArguments& arguments)
{
    DiskFormat format = TRY(image_format(arguments.format, arguments.file));
    if (format != DiskFormat::Qcow2)
        return fail("commit " + arguments.file, "only qcow2 images have a backing file");
    std::string backing_path;
    DiskFormat backing_format = DiskFormat::Raw;
    std::uint64_t size = 0;
    std::uint64_t cluster = 0;
    {
        auto image = TRY(qcow2::Qcow2Image::open(arguments.file, OpenMode{.read_only = true}));
        if (image->backing() == nullptr)
            return fail("commit " + arguments.file, "the image has no backing file");
        if (image->size() > image->backing()->size())
            return fail("commit " + arguments.file, "the image ({} bytes) is larger than its backing file ({} bytes)",
                        image->size(), image->backing()->size());
        backing_path = image->backing_path();
        backing_format = image->backing()->format_name() == "qcow2" ? DiskFormat::Qcow2 : DiskFormat::Raw;
        size = image->size();
        cluster = image->header().cluster_size();
    }
    Progress progress(arguments.progress && !arguments.quiet);
    for (std::uint64_t at = 0; at < size;) {
        std::vector<Piece> batch;
        std::uint64_t bytes = 0;
        {
            auto image = TRY(qcow2::Qcow2Image::open(arguments.file, OpenMode{.read_only = true}));
            for (; at < size && bytes < BATCH_BYTES; at += cluster) {
                auto kind = TRY(image->cluster_kind(at));
                if (kind == qcow2::Qcow2Image::ClusterKind::Unallocated)
                    continue;
                Piece piece{at, std::min(cluster, size - at), {}};
                if (kind != qcow2::Qcow2Image::ClusterKind::Zero) {
                    piece.data.resize(piece.length);
                    TRY(image->read(at, piece.data));
                }
                bytes += piece.length;
                batch.push_back(std::move(piece));
            }
        }
        auto backing = TRY(open_disk_image(backing_path, backing_format, DiskAccess::ReadWrite));
        for (const Piece& piece : batch) {
            if (piece.data.empty())
                TRY(backing->write_zeroes(piece.offset, piece.length, true));
            else
                TRY(backing->write(piece.offset, piece.data));
        }
        TRY(backing->flush());
        progress.update(at, size);
    }
    progress.finish();
    if (!arguments.keep) {
        auto image = TRY(qcow2::Qcow2Image::open(arguments.file, OpenMode{.read_only = false}));
        TRY(image->make_empty());
    }
    if (!arguments.quiet)
        fmt::print("Image committed.\n");
    return {};
}

}  // namespace

void add_img_commit(CLI::App& img, int& status)
{
    auto arguments = std::make_shared<CommitArguments>();
    CLI::App* command = img.add_subcommand("commit", "Write a qcow2 image's changes into its backing file");
    command->add_option("-f", arguments->format, "Image format (probed when absent)");
    command->add_flag("-d", arguments->keep, "Keep the image's data (do not empty it)");
    command->add_flag("-p", arguments->progress, "Show progress");
    command->add_flag("-q", arguments->quiet, "Print nothing on success");
    command->add_option("file", arguments->file, "The image")->required();
    command->callback([arguments, &status] {
        if (auto committed = commit(*arguments); !committed) {
            log::error("{}", committed.error().message());
            status = 1;
        }
    });
}

}  // namespace nimbus::cli
