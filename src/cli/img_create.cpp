// `nimbus img create`: raw and qcow2 images with qemu-img's -o options.
#include <fcntl.h>
#include <linux/falloc.h>
#include <unistd.h>

#include <map>
#include <sstream>

#include "base/log.hpp"
#include "base/unique_fd.hpp"
#include "block/qcow2/qcow2_creator.hpp"
#include "block/raw_image.hpp"
#include "cli/img_command.hpp"
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

Result<qcow2::Preallocation> parse_preallocation(const std::string& value)
{
    if (value == "off")
        return qcow2::Preallocation::Off;
    if (value == "metadata")
        return qcow2::Preallocation::Metadata;
    if (value == "falloc")
        return qcow2::Preallocation::Falloc;
    if (value == "full")
        return qcow2::Preallocation::Full;
    return fail("option preallocation", "'{}' is not off, metadata, falloc or full", value);
}

Result<bool> parse_switch(const std::string& name, const std::string& value)
{
    if (value == "on" || value == "true")
        return true;
    if (value == "off" || value == "false")
        return false;
    return fail("option " + name, "'{}' is not on or off", value);
}

// qcow2's -o options into CreateOptions (the size and backing file come from arguments too).
Result<qcow2::CreateOptions> qcow2_options(const std::map<std::string, std::string>& options)
{
    qcow2::CreateOptions result;
    for (const auto& [name, value] : options) {
        if (name == "compat") {
            if (value != "0.10" && value != "1.1" && value != "v2" && value != "v3")
                return fail("option compat", "'{}' is not 0.10 or 1.1", value);
            result.version = value == "0.10" || value == "v2" ? 2 : 3;
        } else if (name == "cluster_size") {
            std::uint64_t size = TRY(parse_image_size(value));
            if (size < 512 || size > (2u << 20) || (size & (size - 1)) != 0)
                return fail("option cluster_size", "{} is not a power of two between 512 and 2M", value);
            result.cluster_bits = static_cast<std::uint32_t>(__builtin_ctzll(size));
        } else if (name == "refcount_bits") {
            std::uint64_t bits = TRY(parse_image_size(value));
            if (bits == 0 || bits > 64 || (bits & (bits - 1)) != 0)
                return fail("option refcount_bits", "{} is not a power of two up to 64", value);
            result.refcount_order = static_cast<std::uint32_t>(__builtin_ctzll(bits));
        } else if (name == "preallocation") {
            result.preallocation = TRY(parse_preallocation(value));
        } else if (name == "lazy_refcounts") {
            result.lazy_refcounts = TRY(parse_switch(name, value));
        } else if (name == "compression_type") {
            if (value != "zlib" && value != "zstd")
                return fail("option compression_type", "'{}' is not zlib or zstd", value);
            result.compression_type = value == "zstd" ? qcow2::CompressionType::Zstd : qcow2::CompressionType::Zlib;
        } else if (name == "backing_file") {
            result.backing_file = value;
        } else if (name == "backing_fmt") {
            result.backing_format = value;
        } else if (name == "size") {
            result.size = TRY(parse_image_size(value));
        } else {
            return fail("option " + name, "unknown for qcow2 (compat, cluster_size, refcount_bits, preallocation, "
                                          "lazy_refcounts, compression_type, backing_file, backing_fmt, size)");
        }
    }
    return result;
}

Result<std::map<std::string, std::string>> split_options(const std::vector<std::string>& lists)
{
    std::map<std::string, std::string> options;
    for (const auto& list : lists) {
        std::stringstream stream(list);
        std::string item;
        while (std::getline(stream, item, ',')) {
            auto equals = item.find('=');
            if (equals == std::string::npos)
                return fail("option '" + item + "'", "expected name=value");
            options[item.substr(0, equals)] = item.substr(equals + 1);
        }
    }
    return options;
}

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
