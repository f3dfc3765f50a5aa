// Differential test: our xl.cfg parser, disk spec parser and rate check against xl's own libxlutil,
// on the corpus in tests/config/corpus/ and on seeded random inputs. Same acceptance, same values.
#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "config/xl_config_parser.hpp"
#include "config/xl_disk_spec_parser.hpp"
#include "config/xl_key_reader.hpp"
#include "config/xl_vif_spec_parser.hpp"
#include "config_libxlutil_shim.h"

namespace nimbus {
namespace {

const std::filesystem::path kCorpus = NIMBUS_CONFIG_CORPUS;

std::string quoted(const std::string& text)
{
    std::string out = "\"";
    for (unsigned char c : text) {
        if (c == 0)
            break;  // libxlutil's strings end at a NUL
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
            out += fmt::format("\\x{:02x}", c);
        else
            out += static_cast<char>(c);
    }
    return out + "\"";
}

std::string value_text(const XlValue& value)
{
    if (value.is_string())
        return quoted(value.text());
    std::string out = "[";
    for (std::size_t i = 0; i < value.items().size(); ++i)
        out += (i ? ", " : "") + value_text(value.items()[i]);
    return out + "]";
}

// Our parse in the shim's format, or nullopt when we reject the text.
std::optional<std::string> our_dump(const std::string& data, const std::vector<std::string>& keys, std::string& error)
{
    XlConfigFile file;
    auto parsed = XlConfigParser::parse(data, "corpus", file);
    if (!parsed) {
        error = parsed.error().message();
        return std::nullopt;
    }
    XlKeyReader reader(file);
    std::string out;
    for (const auto& key : keys) {
        const XlSetting* setting = file.find(key);
        if (setting == nullptr) {
            out += key + ": unset\n";
            continue;
        }
        out += key + ": " + value_text(setting->value) + "\n" + key + "#: ";
        auto number = reader.number(key, LONG_MIN, LONG_MAX);
        if (number)
            out += fmt::format("{}\n", **number);
        else
            out += number.error().detail.find("out of range") != std::string::npos ? "ERANGE\n" : "EINVAL\n";
    }
    return out;
}

struct XlResult final {
    int rc = 0;
    std::string dump;
};

XlResult xl_dump(const std::string& data, const std::vector<std::string>& keys)
{
    std::vector<const char*> names;
    for (const auto& key : keys)
        names.push_back(key.c_str());
    names.push_back(nullptr);
    char* dump = nullptr;
    XlResult result;
    result.rc = shim_cfg_dump(data.data(), static_cast<int>(data.size()), names.data(), &dump);
    if (dump != nullptr) {
        result.dump = dump;
        std::free(dump);
    }
    return result;
}

std::vector<std::string> keys_for(const std::string& data)
{
    std::vector<std::string> keys{"name", "memory", "vcpus", "disk", "vif", "kernel", "extra", "root", "type",
                                  "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "z", "zz"};
    XlConfigFile file;
    if (XlConfigParser::parse(data, "corpus", file))
        for (const auto& key : file.keys())
            if (std::find(keys.begin(), keys.end(), key) == keys.end())
                keys.push_back(key);
    return keys;
}

// Compares one config text; returns "" when we agree with libxlutil, else what differs.
std::string compare_config(const std::string& data)
{
    auto keys = keys_for(data);
    std::string our_error;
    auto ours = our_dump(data, keys, our_error);
    XlResult xl = xl_dump(data, keys);
    if (!ours && xl.rc == 0)
        return "xl accepts, we reject: " + our_error;
    if (ours && xl.rc != 0)
        return fmt::format("xl rejects (error {}), we accept", xl.rc);
    if (ours && *ours != xl.dump)
        return "values differ:\n--- ours\n" + *ours + "--- xl\n" + xl.dump;
    return {};
}

std::string read_file(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::filesystem::path> corpus_files(const std::string& folder)
{
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(kCorpus / folder))
        files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

TEST(LibxlutilDiff, ValidCorpusParsesAlikeInBoth)
{
    auto files = corpus_files("valid");
    ASSERT_GE(files.size(), 20u) << "corpus missing under " << kCorpus;
    for (const auto& file : files) {
        std::string data = read_file(file);
        EXPECT_EQ(compare_config(data), "") << file;
        XlConfigFile parsed;
        EXPECT_TRUE(XlConfigParser::parse(data, file.string(), parsed)) << file << " is in valid/ but we reject it";
    }
}

TEST(LibxlutilDiff, InvalidCorpusIsRejectedByBoth)
{
    auto files = corpus_files("invalid");
    ASSERT_GE(files.size(), 30u);
    for (const auto& file : files) {
        std::string data = read_file(file);
        EXPECT_EQ(compare_config(data), "") << file;
        XlConfigFile parsed;
        EXPECT_FALSE(XlConfigParser::parse(data, file.string(), parsed)) << file << " is in invalid/ but we accept it";
    }
}

std::string our_disk_dump(const std::string& spec, bool& accepted)
{
    auto disk = XlDiskSpecParser::parse(spec);
    accepted = disk.has_value();
    if (!disk)
        return disk.error().message();
    auto optional = [](const std::optional<std::string>& text) { return text ? quoted(*text) : std::string("null"); };
    return fmt::format("target={} vdev={} format={} readwrite={} cdrom={} removable={} backend={} specification={} "
                       "direct_io_safe={} script={} backend_domain={}",
                       optional(disk->target), optional(disk->vdev), static_cast<int>(disk->format), disk->readwrite ? 1 : 0,
                       disk->cdrom ? 1 : 0, disk->removable ? 1 : 0, static_cast<int>(disk->backend),
                       static_cast<int>(disk->specification), disk->direct_io_safe ? 1 : 0, optional(disk->script),
                       optional(disk->backend_domain));
}

std::string compare_disk(const std::string& spec)
{
    bool accepted = false;
    std::string ours = our_disk_dump(spec, accepted);
    // libxlutil's scanner jams and exits the process on a stray character before a newline.
    if (!accepted && ours.find("stray character before a newline") != std::string::npos)
        return {};
    if (std::getenv("NIMBUS_DIFF_TRACE") != nullptr)  // names the input when libxlutil exits the process
        fmt::print(stderr, "disk spec {}\n", quoted(spec));
    char* dump = nullptr;
    int rc = shim_disk_dump(spec.c_str(), &dump);
    std::string xl = dump != nullptr ? dump : "";
    std::free(dump);
    if (accepted && rc != 0)
        return fmt::format("xl rejects (error {}), we accept: {}", rc, ours);
    if (!accepted && rc == 0)
        return "xl accepts (" + xl + "), we reject: " + ours;
    if (accepted && ours != xl)
        return "fields differ:\n ours " + ours + "\n xl   " + xl;
    return {};
}

TEST(LibxlutilDiff, DiskSpecCorpus)
{
    std::ifstream in(kCorpus / "disk_specs.txt");
    ASSERT_TRUE(in) << kCorpus / "disk_specs.txt";
    std::string line;
    int count = 0, accepted = 0;
    while (std::getline(in, line)) {
        if (line.starts_with("# ") || line.empty())
            continue;
        if (line == "<empty>")
            line.clear();
        std::string spec;
        for (std::size_t i = 0; i < line.size(); ++i) {
            if (line[i] == '\\' && i + 1 < line.size() && (line[i + 1] == 'n' || line[i + 1] == 't')) {
                spec += line[++i] == 'n' ? '\n' : '\t';
                continue;
            }
            spec += line[i];
        }
        EXPECT_EQ(compare_disk(spec), "") << "spec '" << spec << "'";
        ++count;
        bool ok = false;
        our_disk_dump(spec, ok);
        accepted += ok ? 1 : 0;
    }
    EXPECT_GE(count, 150);
    EXPECT_GE(accepted, 50);         // the corpus exercises both outcomes
    EXPECT_GE(count - accepted, 50);
}

TEST(LibxlutilDiff, RandomConfigsFromTokens)
{
    const std::vector<std::string> pieces{"a", "b", "memory", "disk", "=", "+=", " ", "\t", "\n", ";", ",", "[", "]", "\"",
                                          "'", "\\", "\\n", "\\1", "\\101", "\\x4", "#", "#c\n", "0", "1", "0x1f", "010",
                                          "9", "x", "_", "\"str\"", "'s'", "@", "\r", "-", ".", "A"};
    std::mt19937 random(20261202);
    int accepted = 0;
    for (int round = 0; round < 20000; ++round) {
        std::string data;
        int length = 1 + static_cast<int>(random() % 12);
        for (int i = 0; i < length; ++i)
            data += pieces[random() % pieces.size()];
        std::string difference = compare_config(data);
        EXPECT_EQ(difference, "") << "config text: " << quoted(data);
        if (!difference.empty())
            break;
        XlConfigFile file;
        accepted += XlConfigParser::parse(data, "r", file) ? 1 : 0;
    }
    EXPECT_GT(accepted, 500);
}

TEST(LibxlutilDiff, RandomDiskSpecsFromTokens)
{
    const std::vector<std::string> pieces{"/a", "xvda", "hdc", "raw", "qcow2", "vhd", ",", ",", ",", "=", ":", "target=",
                                          "vdev=", "format=", "access=", "r", "w", "ro", "rw", "cdrom", "devtype=", "disk",
                                          "tap:", "aio:", "phy:", "file:", "qcow:", "iscsi:", "x:", "1", " ", "\t", "\n",
                                          "backendtype=", "phy", "script=", "discard", "no-discard", "colo-port=",
                                          "specification=", "virtio", "backend=", "-", "trusted", "empty", "qed"};
    std::mt19937 random(4171);
    int accepted = 0;
    for (int round = 0; round < 100000; ++round) {
        std::string spec;
        int length = 1 + static_cast<int>(random() % 9);
        for (int i = 0; i < length; ++i)
            spec += pieces[random() % pieces.size()];
        std::string difference = compare_disk(spec);
        EXPECT_EQ(difference, "") << "spec " << quoted(spec);
        if (!difference.empty())
            break;
        bool ok = false;
        our_disk_dump(spec, ok);
        accepted += ok ? 1 : 0;
    }
    EXPECT_GT(accepted, 1000);  // both outcomes are exercised
}

TEST(LibxlutilDiff, VifRates)
{
    for (const char* rate : {"10Mb/s", "10MB/s", "1Gb/s@20ms", "100B/s@1s", "5Kb/s@50us", "5kb/s", "10Mb", "10Mb/s@",
                             "10Mb/s@5h", "Mb/s", "10Tb/s", "0b/s", "10 Mb/s", "10Mb/s@0ms", "-1Mb/s", "10Mb/ms",
                             "99999999999999999999Gb/s", "1b/s@99999999999999s", "1b/s@1", "1b/s", "7b/s", "160b/s", "1B/s@1us",
                             "18446744073709551615B/s", "18446744073709551615Gb/s", "1B/s@4294967295us", "1B/s@4294967296us",
                             "1B/s@4294s", "1B/s@4295s", "01B/s", "0x10B/s", "1B/s@0x10ms", "1B/s@010ms", "1B/s@09ms",
                             "+1B/s", " 1B/s", "1B/s@+1s", "1B/s@ 1s", "1mb/s", "1Mb/S", "368934881474191032B/s",
                             "368934881474191033B/s", "1B/s@0s", "1B/s@00ms", "1b/s@1x", "1b/s@1m", "1b/s@1u", "1b/s@1mss", "1b/s@1sx",
                             "1b/s@1ms@2", "1B/s@4294967295", "1B/s@4294", "1B/s@4295", "1B/s@1S", "1B/s@1 ", "1bb/s", "1b/"}) {
        EXPECT_EQ(XlVifSpecParser::valid_rate(rate), shim_rate_ok(rate) != 0) << "rate '" << rate << "'";
    }
}

}  // namespace
}  // namespace nimbus
