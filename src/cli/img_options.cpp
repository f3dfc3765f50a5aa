// `-o` options: parsing and validation with a message naming the option.
#include "cli/img_options.hpp"

#include <sstream>

#include "cli/img_size.hpp"

namespace nimbus::cli {

namespace {

Result<bool> parse_switch(const std::string& name, const std::string& value)
{
    if (value == "on" || value == "true")
        return true;
    if (value == "off" || value == "false")
        return false;
    return fail("option " + name, "'{}' is not on or off", value);
}

}  // namespace

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

}  // namespace nimbus::cli
