// `nimbus img measure`: the file size a new image needs (qemu-img measure's "required" and
// "fully allocated" numbers, by QEMU's formulas so the answers are the same).
#include <algorithm>

#include "base/log.hpp"
#include "block/qcow2/qcow2_image.hpp"
#include "cli/img_block_status.hpp"
#include "cli/img_command.hpp"
#include "cli/img_open.hpp"
#include "cli/img_options.hpp"
#include "cli/img_size.hpp"

namespace nimbus::cli {

namespace {

struct MeasureArguments {
    std::string format;
    std::string target_format = "raw";
    std::vector<std::string> options;
    std::string size;
    std::string output = "human";
    std::string file;
};

struct Measurement {
    std::uint64_t required = 0;
    std::uint64_t fully_allocated = 0;
    std::optional<std::uint64_t> bitmaps;
};

std::uint64_t round_up(std::uint64_t value, std::uint64_t to)
{
    return (value + to - 1) / to * to;
}

std::uint64_t divide_up(std::uint64_t value, std::uint64_t by)
{
    return (value + by - 1) / by;
}

// Refcount table and block clusters for `clusters` clusters in use, counting themselves.
std::uint64_t refcount_metadata_size(std::uint64_t clusters, std::uint64_t cluster_size, std::uint32_t refcount_order)
{
    const std::uint64_t blocks_per_table_cluster = cluster_size / 8;
    const std::uint64_t refcounts_per_block = cluster_size * 8 / (1u << refcount_order);
    std::uint64_t table = 0;
    std::uint64_t blocks = 0;
    std::uint64_t total = 0;
    std::uint64_t last = 0;
    do {
        last = total;
        blocks = divide_up(clusters + table + blocks, refcounts_per_block);
        table = divide_up(blocks, blocks_per_table_cluster);
        total = clusters + blocks + table;
    } while (total != last);
    return (blocks + table) * cluster_size;
}

// Header, L2 and L1 tables, refcount structures and every data cluster of a `size`-byte disk.
std::uint64_t fully_allocated_size(std::uint64_t size, std::uint64_t cluster_size, std::uint32_t refcount_order)
{
    const std::uint64_t aligned = round_up(size, cluster_size);
    std::uint64_t meta = cluster_size;
    std::uint64_t l2_entries = round_up(aligned / cluster_size, cluster_size / 8);
    meta += l2_entries * 8;
    std::uint64_t l1_entries = round_up(l2_entries * 8 / cluster_size, cluster_size / 8);
    meta += l1_entries * 8;
    meta += refcount_metadata_size((meta + aligned) / cluster_size, cluster_size, refcount_order);
    return meta + aligned;
}

// Bytes of data clusters a copy of `image` needs: allocated data, each run rounded out to clusters
// the way QEMU counts it.
Result<std::uint64_t> data_required(DiskImage& image, std::uint64_t cluster_size)
{
    std::uint64_t required = 0;
    BlockStatus status(image);
    const std::uint64_t size = image.size();
    for (std::uint64_t offset = 0; offset < size;) {
        Extent extent = TRY(status.at(offset, size - offset));
        std::uint64_t length = extent.length;
        if (!extent.zero && extent.data && extent.present) {
            length = round_up(offset + length, cluster_size) - offset;
            required += offset % cluster_size + length;
        }
        offset += length;
    }
    return required;
}

Result<Measurement> measure(const MeasureArguments& arguments)
{
    if (arguments.output != "human" && arguments.output != "json")
        return fail("measure", "--output must be human or json, not '{}'", arguments.output);
    if (arguments.size.empty() == arguments.file.empty())
        return fail("measure", "give either --size SIZE or a FILE, not both");
    if (arguments.target_format != "raw" && arguments.target_format != "qcow2")
        return fail("measure", "output format '{}' is not supported (raw or qcow2)", arguments.target_format);
    std::unique_ptr<DiskImage> image;
    std::uint64_t size = 0;
    if (!arguments.file.empty()) {
        image = TRY(open_image(arguments.file, arguments.format, DiskAccess::ReadOnly));
        size = round_up(image->size(), 512);
    } else {
        size = round_up(TRY(parse_image_size(arguments.size)), 512);
    }
    auto options = TRY(split_options(arguments.options));
    Measurement result;
    if (arguments.target_format == "raw") {
        if (!options.empty())
            return fail("measure", "raw targets take no -o options");
        result.required = size;
        result.fully_allocated = size;
        return result;
    }
    qcow2::CreateOptions create = TRY(qcow2_options(options));
    const std::uint64_t cluster_size = 1ull << create.cluster_bits;
    size = round_up(size, cluster_size);  // QEMU measures whole clusters
    if (divide_up(size / cluster_size, cluster_size / 8) * 8 > qcow2::MAX_L1_BYTES)
        return fail("measure", "The image size is too large (try using a larger cluster size)");
    // A new image needs no data clusters unless it is preallocated with data.
    bool preallocated = create.preallocation == qcow2::Preallocation::Falloc ||
                        create.preallocation == qcow2::Preallocation::Full;
    std::uint64_t required = image ? TRY(data_required(*image, cluster_size)) : (preallocated ? size : 0);
    result.fully_allocated = fully_allocated_size(size, cluster_size, create.refcount_order);
    result.required = result.fully_allocated - size + required;
    if (create.version >= 3 && image && image->format_name() == "qcow2")
        result.bitmaps = 0;  // we keep no persistent dirty bitmaps
    return result;
}

}  // namespace

void add_img_measure(CLI::App& img, int& status)
{
    auto arguments = std::make_shared<MeasureArguments>();
    CLI::App* command = img.add_subcommand("measure", "Compute the file size a new image needs");
    command->add_option("-f", arguments->format, "Source format (probed when absent)");
    command->add_option("-O", arguments->target_format, "Target format: raw (default) or qcow2");
    command->add_option("-o", arguments->options, "Target format options, as for create")->allow_extra_args(false);
    command->add_option("--size", arguments->size, "Virtual size of a new image (instead of FILE)");
    command->add_option("--output", arguments->output, "human or json");
    command->add_option("file", arguments->file, "The image to copy");
    command->callback([arguments, &status] {
        auto measured = measure(*arguments);
        if (!measured) {
            log::error("{}", measured.error().message());
            status = 1;
            return;
        }
        if (arguments->output == "json") {
            fmt::print("{{\n");
            if (measured->bitmaps)
                fmt::print("    \"bitmaps\": {},\n", *measured->bitmaps);
            fmt::print("    \"required\": {},\n    \"fully-allocated\": {}\n}}\n", measured->required,
                       measured->fully_allocated);
            return;
        }
        fmt::print("required size: {}\nfully allocated size: {}\n", measured->required, measured->fully_allocated);
        if (measured->bitmaps)
            fmt::print("bitmaps size: {}\n", *measured->bitmaps);
    });
}

}  // namespace nimbus::cli
