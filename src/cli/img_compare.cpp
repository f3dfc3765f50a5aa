// `nimbus img compare`: whether two images show the same disk, with qemu-img compare's messages and
// exit statuses (0 identical, 1 different, 2 error); offsets are of the first differing sector.
#include <algorithm>
#include <cstring>
#include <optional>

#include "base/log.hpp"
#include "block/all_zero.hpp"
#include "cli/img_command.hpp"
#include "cli/img_open.hpp"
#include "cli/img_progress.hpp"

namespace nimbus::cli {

namespace {

constexpr std::uint64_t CHUNK = 1 << 20;
constexpr std::uint64_t SECTOR = 512;

struct CompareArguments {
    std::string format_a;
    std::string format_b;
    bool strict = false;
    bool quiet = false;
    bool progress = false;
    std::string a;
    std::string b;
};

// The offset of the first sector where the two differ, or nothing.
std::optional<std::uint64_t> first_difference(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b)
{
    for (std::uint64_t at = 0; at < a.size(); at += SECTOR) {
        std::uint64_t length = std::min<std::uint64_t>(SECTOR, a.size() - at);
        if (std::memcmp(a.data() + at, b.data() + at, length) != 0)
            return at;
    }
    return std::nullopt;
}

std::optional<std::uint64_t> first_nonzero(std::span<const std::uint8_t> data)
{
    if (all_zero(data))
        return std::nullopt;
    auto found = std::find_if(data.begin(), data.end(), [](std::uint8_t byte) { return byte != 0; });
    if (found == data.end())
        return std::nullopt;
    return static_cast<std::uint64_t>(found - data.begin()) / SECTOR * SECTOR;
}

// 0, 1 or 2 as qemu-img compare exits.
Result<int> compare(const CompareArguments& arguments)
{
    auto a = TRY(open_image(arguments.a, arguments.format_a, DiskAccess::ReadOnly));
    auto b = TRY(open_image(arguments.b, arguments.format_b, DiskAccess::ReadOnly));
    auto say = [&](const std::string& text) {
        if (!arguments.quiet)
            fmt::print("{}\n", text);
    };
    const std::uint64_t common = std::min(a->size(), b->size());
    const std::uint64_t total = std::max(a->size(), b->size());
    Progress progress(arguments.progress && !arguments.quiet);
    std::vector<std::uint8_t> buffer_a(CHUNK);
    std::vector<std::uint8_t> buffer_b(CHUNK);
    for (std::uint64_t at = 0; at < common; at += CHUNK) {
        std::uint64_t length = std::min(CHUNK, common - at);
        auto piece_a = std::span(buffer_a).first(length);
        auto piece_b = std::span(buffer_b).first(length);
        TRY(a->read(at, piece_a));
        TRY(b->read(at, piece_b));
        if (auto differs = first_difference(piece_a, piece_b)) {
            progress.finish();
            say(fmt::format("Content mismatch at offset {}!", at + *differs));
            return 1;
        }
        progress.update(at + length, total);
    }
    if (a->size() != b->size()) {
        if (arguments.strict) {
            progress.finish();
            say("Strict mode: Image size mismatch!");
            return 1;
        }
        progress.finish();
        say("Warning: Image size mismatch!");
        DiskImage& longer = a->size() > b->size() ? *a : *b;
        for (std::uint64_t at = common; at < total; at += CHUNK) {
            std::uint64_t length = std::min(CHUNK, total - at);
            auto piece = std::span(buffer_a).first(length);
            TRY(longer.read(at, piece));
            if (auto nonzero = first_nonzero(piece)) {
                say(fmt::format("Content mismatch at offset {}!", at + *nonzero));
                return 1;
            }
        }
    } else {
        progress.finish();
    }
    say("Images are identical.");
    return 0;
}

}  // namespace

void add_img_compare(CLI::App& img, int& status)
{
    auto arguments = std::make_shared<CompareArguments>();
    CLI::App* command = img.add_subcommand("compare", "Check whether two images hold the same disk contents");
    command->add_option("-f", arguments->format_a, "Format of the first image (probed when absent)");
    command->add_option("-F", arguments->format_b, "Format of the second image (probed when absent)");
    command->add_flag("-s", arguments->strict, "Strict: images of different sizes differ");
    command->add_flag("-q", arguments->quiet, "Print nothing; the exit status tells");
    command->add_flag("-p", arguments->progress, "Show progress");
    command->add_option("a", arguments->a, "The first image")->required();
    command->add_option("b", arguments->b, "The second image")->required();
    command->callback([arguments, &status] {
        auto compared = compare(*arguments);
        if (!compared) {
            log::error("{}", compared.error().message());
            status = 2;
            return;
        }
        status = *compared;
    });
}

}  // namespace nimbus::cli
