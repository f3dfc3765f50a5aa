// `nimbus img create`: raw and qcow2 images with qemu-img's -o options.
#include <fcntl.h>
#include <linux/falloc.h>
#include <unistd.h>


#include "base/log.hpp"
#include "base/unique_fd.hpp"
#include "block/qcow2/qcow2_creator.hpp"
#include "block/raw_image.hpp"
#include "cli/img_command.hpp"
#include "cli/img_options.hpp"
#include "cli/img_size.hpp"

namespace nimbus::cli {

namespace {

struct CreateArguments {
    std::string format = "raw";
    std::vector<std::string> options;
    std::string backing_file;
    std::string backing_format;
    std::string file;
    std::string size;
    bool quiet = false;
};

Result<void> create_raw(const CreateArguments& arguments, const std::map<std::string, std::string>& options)
{
    qcow2::Preallocation preallocation = qcow2::Preallocation::Off;
    for (const auto& [name, value] : options) {
        if (name == "preallocation")
            preallocation = TRY(parse_preallocation(value));
        else if (name != "size")
            return fail("option " + name, "unknown for raw (preallocation, size)");
    }
    if (preallocation == qcow2::Preallocation::Metadata)
        return fail("option preallocation", "metadata preallocation needs qcow2");
    if (!arguments.backing_file.empty())
        return fail("create " + arguments.file, "raw images have no backing file");
    std::string size_text = arguments.size.empty() && options.contains("size") ? options.at("size") : arguments.size;
    if (size_text.empty())
        return fail("create " + arguments.file, "a size is needed");
    std::uint64_t size = TRY(parse_image_size(size_text));
    TRY(RawImage::create(arguments.file, size));
    if (preallocation == qcow2::Preallocation::Off || size == 0)
        return {};
    UniqueFd fd(::open(arguments.file.c_str(), O_WRONLY | O_CLOEXEC));
    int mode = preallocation == qcow2::Preallocation::Falloc ? 0 : FALLOC_FL_ZERO_RANGE;
    if (!fd.valid() || ::fallocate(fd.get(), mode, 0, static_cast<off_t>(size)) < 0) {
        auto error = fail_errno("preallocate " + arguments.file);
        ::unlink(arguments.file.c_str());
        return error;
    }
    return {};
}

Result<void> create_image(const CreateArguments& arguments)
{
    auto options = TRY(split_options(arguments.options));
    if (arguments.format == "raw")
        return create_raw(arguments, options);
    if (arguments.format != "qcow2")
        return fail("create " + arguments.file, "format '{}' is not supported (raw or qcow2)", arguments.format);
    qcow2::CreateOptions create = TRY(qcow2_options(options));
    if (!arguments.backing_file.empty())
        create.backing_file = arguments.backing_file;
    if (!arguments.backing_format.empty())
        create.backing_format = arguments.backing_format;
    if (!arguments.size.empty())
        create.size = TRY(parse_image_size(arguments.size));
    if (!create.backing_file.empty() && !create.backing_format)
        return fail("create " + arguments.file, "a backing file needs its format too (-F raw or -F qcow2)");
    return qcow2::Qcow2Creator::create(arguments.file, create);
}

}  // namespace

void add_img_create(CLI::App& img, int& status)
{
    auto arguments = std::make_shared<CreateArguments>();
    CLI::App* create = img.add_subcommand("create", "Create a disk image (raw or qcow2)");
    create->add_option("-f", arguments->format, "Image format: raw or qcow2");
    create->add_option("-o", arguments->options,
                       "Format options: cluster_size, preallocation, lazy_refcounts, compat, refcount_bits, "
                       "compression_type")
        ->allow_extra_args(false);
    create->add_option("-b", arguments->backing_file, "Backing file (qcow2; relative to the new image)");
    create->add_option("-F", arguments->backing_format, "Backing file format: raw or qcow2");
    create->add_flag("-q", arguments->quiet, "Quiet");
    create->add_option("file", arguments->file, "The image to create")->required();
    create->add_option("size", arguments->size, "Virtual size with an optional K, M, G or T suffix");
    create->callback([arguments, &status] {
        if (!arguments->quiet)
            fmt::print("Formatting '{}', fmt={}{}\n", arguments->file, arguments->format,
                       arguments->size.empty() ? "" : " size=" + arguments->size);
        if (auto created = create_image(*arguments); !created) {
            log::error("{}", created.error().message());
            status = 1;
        }
    });
}

}  // namespace nimbus::cli
