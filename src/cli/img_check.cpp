// `nimbus img check`: qemu-img check's report, exit status and JSON, with -r leaks|all repairs.
#include <nlohmann/json.hpp>

#include "base/log.hpp"
#include "block/disk_image_factory.hpp"
#include "block/qcow2/qcow2_image.hpp"
#include "cli/img_command.hpp"

namespace nimbus::cli {

namespace {

using Json = nlohmann::ordered_json;

// qemu-img check's exit statuses.
constexpr int CHECK_CLEAN = 0;
constexpr int CHECK_FAILED = 1;
constexpr int CHECK_CORRUPT = 2;
constexpr int CHECK_LEAKS = 3;
constexpr int CHECK_UNSUPPORTED = 63;

struct CheckArguments {
    std::string file;
    std::string format;
    std::string output = "human";
    std::string repair;
    bool quiet = false;
};

void print_json(const std::string& path, const qcow2::CheckResult& result)
{
    Json report;
    report["image-end-offset"] = result.image_end_offset;
    report["total-clusters"] = result.total_clusters;
    report["check-errors"] = result.check_errors;
    if (result.leaks > 0)
        report["leaks"] = result.leaks;
    if (result.corruptions > 0)
        report["corruptions"] = result.corruptions;
    if (result.leaks_fixed > 0)
        report["leaks-fixed"] = result.leaks_fixed;
    if (result.corruptions_fixed > 0)
        report["corruptions-fixed"] = result.corruptions_fixed;
    if (result.allocated_clusters > 0)
        report["allocated-clusters"] = result.allocated_clusters;
    if (result.fragmented_clusters > 0)
        report["fragmented-clusters"] = result.fragmented_clusters;
    if (result.compressed_clusters > 0)
        report["compressed-clusters"] = result.compressed_clusters;
    report["filename"] = path;
    report["format"] = "qcow2";
    fmt::print("{}\n", report.dump(4));
}

void print_human(const qcow2::CheckResult& result)
{
    for (const auto& message : result.messages)
        fmt::print(stderr, "{}\n", message);
    if (result.corruptions == 0 && result.leaks == 0 && result.check_errors == 0)
        fmt::print("No errors were found on the image.\n");
    if (result.corruptions > 0)
        fmt::print("\n{} errors were found on the image.\nData may be corrupted, or further writes to the image "
                   "may corrupt it.\n",
                   result.corruptions);
    if (result.leaks > 0)
        fmt::print("\n{} leaked clusters were found on the image.\nThis means waste of disk space, but no harm to "
                   "data.\n",
                   result.leaks);
    if (result.check_errors > 0)
        fmt::print("\n{} internal errors have occurred during the check.\n", result.check_errors);
    if (result.total_clusters > 0)
        fmt::print("{}/{} = {:.2f}% allocated, {:.2f}% fragmented, {:.2f}% compressed clusters\n",
                   result.allocated_clusters, result.total_clusters,
                   100.0 * static_cast<double>(result.allocated_clusters) / static_cast<double>(result.total_clusters),
                   result.allocated_clusters == 0 ? 0.0
                                                  : 100.0 * static_cast<double>(result.fragmented_clusters) /
                                                        static_cast<double>(result.allocated_clusters),
                   result.allocated_clusters == 0 ? 0.0
                                                  : 100.0 * static_cast<double>(result.compressed_clusters) /
                                                        static_cast<double>(result.allocated_clusters));
    fmt::print("Image end offset: {}\n", result.image_end_offset);
}

int run_check(const CheckArguments& arguments)
{
    if (arguments.output != "human" && arguments.output != "json") {
        log::error("--output must be human or json, not '{}'", arguments.output);
        return CHECK_FAILED;
    }
    qcow2::RepairMode mode = qcow2::RepairMode::None;
    if (arguments.repair == "leaks")
        mode = qcow2::RepairMode::Leaks;
    else if (arguments.repair == "all")
        mode = qcow2::RepairMode::All;
    else if (!arguments.repair.empty()) {
        log::error("-r must be leaks or all, not '{}'", arguments.repair);
        return CHECK_FAILED;
    }
    auto format = arguments.format.empty() ? probe_format(arguments.file)
                                           : Result<DiskFormat>(arguments.format == "qcow2" ? DiskFormat::Qcow2
                                                                                           : DiskFormat::Raw);
    if (!format) {
        log::error("{}", format.error().message());
        return CHECK_FAILED;
    }
    if (*format != DiskFormat::Qcow2) {
        log::error("{}: this image format does not support checks", arguments.file);
        return CHECK_UNSUPPORTED;
    }
    auto image = qcow2::Qcow2Image::open(arguments.file, OpenMode{.read_only = mode == qcow2::RepairMode::None});
    if (!image) {
        log::error("{}", image.error().message());
        return CHECK_FAILED;
    }
    auto result = (*image)->check(mode);
    if (result && mode != qcow2::RepairMode::None) {
        std::uint64_t leaks_fixed = result->leaks_fixed;
        std::uint64_t corruptions_fixed = result->corruptions_fixed;
        if (arguments.output == "human" && (leaks_fixed > 0 || corruptions_fixed > 0))
            fmt::print("The following inconsistencies were found and repaired:\n\n    {} leaked clusters\n    {} "
                       "corruptions\n\nDouble checking the fixed image now...\n",
                       leaks_fixed, corruptions_fixed);
        result = (*image)->check(qcow2::RepairMode::None);
        if (result) {
            result->leaks_fixed = leaks_fixed;
            result->corruptions_fixed = corruptions_fixed;
        }
    }
    if (!result) {
        log::error("{}", result.error().message());
        return CHECK_FAILED;
    }
    if (arguments.output == "json")
        print_json(arguments.file, *result);
    else if (!arguments.quiet)
        print_human(*result);
    if (result->check_errors > 0)
        return CHECK_FAILED;
    if (result->corruptions > 0)
        return CHECK_CORRUPT;
    return result->leaks > 0 ? CHECK_LEAKS : CHECK_CLEAN;
}

}  // namespace

void add_img_check(CLI::App& img, int& status)
{
    auto arguments = std::make_shared<CheckArguments>();
    CLI::App* check = img.add_subcommand("check", "Check a qcow2 image's metadata, and optionally repair it");
    check->add_option("-f", arguments->format, "Image format (probed when absent)");
    check->add_option("-r", arguments->repair, "Repair leaks, or all errors");
    check->add_option("--output", arguments->output, "human or json");
    check->add_flag("-q", arguments->quiet, "Quiet");
    check->add_option("file", arguments->file, "The image")->required();
    check->callback([arguments, &status] { status = run_check(*arguments); });
}

}  // namespace nimbus::cli
