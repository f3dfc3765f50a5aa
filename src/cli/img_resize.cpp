// `nimbus img resize`: grows or (with --shrink, as qemu-img insists) shrinks a raw or qcow2 image.
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/log.hpp"
#include "block/qcow2/qcow2_image.hpp"
#include "block/raw_image.hpp"
#include "cli/img_command.hpp"
#include "cli/img_open.hpp"
#include "cli/img_size.hpp"

namespace nimbus::cli {

namespace {

struct ResizeArguments {
    std::string format;
    bool shrink = false;
    bool quiet = false;
    std::string file;
    std::string size;
};

Result<std::uint64_t> new_size(const std::string& text, std::uint64_t current, const std::string& path)
{
    if (text.empty())
        return fail("resize " + path, "no size given");
    char sign = text[0];
    if (sign != '+' && sign != '-')
        return parse_image_size(text);
    std::uint64_t delta = TRY(parse_image_size(text.substr(1)));
    if (sign == '-' && delta > current)
        return fail("resize " + path, "Image size cannot be negative");
    return sign == '+' ? current + delta : current - delta;
}

Result<void> resize(const ResizeArguments& arguments)
{
    auto image = TRY(open_image(arguments.file, arguments.format, DiskAccess::ReadWrite));
    std::uint64_t size = TRY(new_size(arguments.size, image->size(), arguments.file));
    if (size % 512 != 0)
        size = (size + 511) / 512 * 512;  // qemu-img rounds up to whole sectors
    if (size < image->size() && !arguments.shrink) {
        log::warn("Shrinking an image will delete all data beyond the shrunken image's end. Before performing such "
                  "an operation, make sure there is no important data there.");
        return fail("resize " + arguments.file, "Use the --shrink option to perform a shrink operation.");
    }
    if (auto* qcow2 = dynamic_cast<qcow2::Qcow2Image*>(image.get())) {
        TRY(qcow2->resize(size));
    } else if (auto* raw = dynamic_cast<RawImage*>(image.get())) {
        if (::ftruncate(raw->fd(), static_cast<off_t>(size)) != 0)
            return fail("resize " + arguments.file, "{}", std::strerror(errno));
    } else {
        return fail("resize " + arguments.file, "{} images cannot be resized", image->format_name());
    }
    if (!arguments.quiet)
        fmt::print("Image resized.\n");
    return {};
}

}  // namespace

void add_img_resize(CLI::App& img, int& status)
{
    auto arguments = std::make_shared<ResizeArguments>();
    CLI::App* command = img.add_subcommand("resize", "Grow or shrink a disk image: SIZE, +SIZE or -SIZE");
    command->add_option("-f", arguments->format, "Image format (probed when absent)");
    command->add_flag("--shrink", arguments->shrink, "Allow shrinking (data past the new end is lost)");
    command->add_flag("-q", arguments->quiet, "Print nothing on success");
    command->add_option("file", arguments->file, "The image")->required();
    command->add_option("size", arguments->size, "New size, or +/- a change");
    command->allow_extras();  // "-1G" reads as an unknown option to the parser; it is the size
    command->callback([arguments, command, &status] {
        auto extras = command->remaining();
        std::erase(extras, "--");
        if (arguments->size.empty() && extras.size() == 1) {
            arguments->size = extras[0];
        } else if (!extras.empty()) {
            log::error("resize: unexpected arguments: {}", fmt::join(extras, " "));
            status = 1;
            return;
        }
        if (auto resized = resize(*arguments); !resized) {
            log::error("{}", resized.error().message());
            status = 1;
        }
    });
}

}  // namespace nimbus::cli
