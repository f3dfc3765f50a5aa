// `nimbus img create|info|check` against qemu-img: the same JSON for the same image, the same exit
// statuses for leaks and corruption, and repairs that qemu-img then calls clean.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/integration/qcow2_test_support.hpp"
#include "tests/unit/block/block_test_support.hpp"

using namespace nimbus::testing;
using Json = nlohmann::json;

namespace {

constexpr std::uint64_t CLUSTER = 65536;
constexpr std::uint64_t REFCOUNT_BLOCK = 2 * CLUSTER;  // where qemu-img puts it in a fresh image

class Qcow2CliInterop : public ::testing::Test {
protected:
    void SetUp() override
    {
        const char* binary = std::getenv("NIMBUS");
        if (binary == nullptr)
            GTEST_SKIP() << "NIMBUS (the nimbus binary) is not set; run through ctest";
        nimbus = binary;
        if (!have_program("qemu-img") || !have_program("qemu-io"))
            GTEST_SKIP() << "qemu-img/qemu-io not installed (Debian package qemu-utils)";
    }

    void set_refcount(const std::string& path, std::uint64_t cluster, std::uint16_t value)
    {
        std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(static_cast<std::streamoff>(REFCOUNT_BLOCK + cluster * 2));
        char bytes[2] = {static_cast<char>(value >> 8), static_cast<char>(value & 0xff)};
        file.write(bytes, 2);
    }

    // Both tools' check of `path`: statuses must agree, and the JSON reports too.
    int compare_checks(const std::string& path)
    {
        CommandResult ours = run_command(nimbus + " img check --output=json " + path, Stderr::Discard);
        CommandResult theirs = run_command("qemu-img check --output=json " + path, Stderr::Discard);
        EXPECT_EQ(ours.status, theirs.status) << ours.output << "\n" << theirs.output;
        EXPECT_EQ(Json::parse(ours.output, nullptr, false), Json::parse(theirs.output, nullptr, false))
            << ours.output << "\n" << theirs.output;
        return ours.status;
    }

    std::string nimbus;
    TempDir dir;
};

TEST_F(Qcow2CliInterop, InfoMatchesQemuImg)
{
    std::string base = dir.file("base.raw");
    must_run(nimbus + " img create -q -f raw " + base + " 1M");
    std::string top = dir.file("top.qcow2");
    must_run(nimbus + " img create -q -f qcow2 -o cluster_size=4K,lazy_refcounts=on,refcount_bits=8 -b base.raw -F raw " +
             top + " 3M");
    must_run("qemu-io -c 'write -P 2 100k 10k' " + top);
    must_run("qemu-img snapshot -c first " + top);
    for (std::string flags : {"", " --backing-chain"}) {
        Json ours = Json::parse(must_run(nimbus + " img info --output=json" + flags + " " + top));
        Json theirs = Json::parse(must_run("qemu-img info --output=json" + flags + " " + top));
        // actual-size depends on when the file system allocates; "children" is newer QEMU's only.
        for (Json* info : {&ours, &theirs}) {
            Json& list = *info;
            for (Json& image : list.is_array() ? list : (list = Json::array({list}))) {
                image.erase("actual-size");
                image.erase("children");
            }
        }
        EXPECT_EQ(ours, theirs) << ours.dump(2) << "\n" << theirs.dump(2);
    }
}

TEST_F(Qcow2CliInterop, CreateSizesAndOptions)
{
    std::string path = dir.file("big.qcow2");
    must_run(nimbus + " img create -q -f qcow2 -o compat=0.10,cluster_size=2M " + path + " 3T");
    Json info = Json::parse(must_run("qemu-img info --output=json " + path));
    EXPECT_EQ(info["virtual-size"], 3ull << 40);
    EXPECT_EQ(info["cluster-size"], 2u << 20);
    EXPECT_EQ(info["format-specific"]["data"]["compat"], "0.10");
    EXPECT_EQ(run_command("qemu-img check -q " + path).status, 0);
    std::string full = dir.file("full.qcow2");
    must_run(nimbus + " img create -q -f qcow2 -o preallocation=full " + full + " 5M");
    EXPECT_GE(allocated_bytes(full), 5u << 20);
    EXPECT_EQ(compare_checks(full), 0);
    CommandResult bad = run_command(nimbus + " img create -q -f qcow2 " + dir.file("bad.qcow2") + " 12Q");
    EXPECT_NE(bad.status, 0);
    EXPECT_NE(bad.output.find("suffix"), std::string::npos) << bad.output;
    EXPECT_FALSE(std::filesystem::exists(dir.file("bad.qcow2")));
}

TEST_F(Qcow2CliInterop, CheckFindsAndRepairsLeaks)
{
    std::string path = dir.file("leaky.qcow2");
    must_run("qemu-img create -q -f qcow2 " + path + " 4M");
    must_run("qemu-io -c 'write -P 7 0 200k' " + path);
    EXPECT_EQ(compare_checks(path), 0);
    std::filesystem::resize_file(path, 12 * CLUSTER);
    set_refcount(path, 10, 1);  // unused clusters inside the file
    set_refcount(path, 11, 3);
    EXPECT_EQ(compare_checks(path), 3);
    must_run(nimbus + " img check -r leaks " + path);
    EXPECT_EQ(run_command("qemu-img check " + path).status, 0);
}

TEST_F(Qcow2CliInterop, CheckFindsAndRepairsCorruption)
{
    std::string path = dir.file("corrupt.qcow2");
    must_run("qemu-img create -q -f qcow2 " + path + " 4M");
    must_run("qemu-io -c 'write -P 7 0 200k' " + path);
    set_refcount(path, 5, 0);  // a data cluster (after header, refcount table and block, L1, L2)
    EXPECT_EQ(compare_checks(path), 2);
    CommandResult leaks_only = run_command(nimbus + " img check -r leaks " + path);
    EXPECT_EQ(leaks_only.status, 2) << leaks_only.output;
    must_run(nimbus + " img check -r all " + path);
    EXPECT_EQ(run_command("qemu-img check " + path).status, 0);
    must_run("qemu-io -c 'read -P 7 0 200k' " + path);
}

TEST_F(Qcow2CliInterop, SnapshotsInteroperate)
{
    std::string path = dir.file("snap.qcow2");
    must_run(nimbus + " img create -q -f qcow2 " + path + " 4M");
    must_run("qemu-io -c 'write -P 1 0 1M' " + path);
    must_run(nimbus + " img snapshot -c one " + path);
    must_run("qemu-io -c 'write -P 2 512k 1M' -c 'write -z 3M 64k' " + path);
    must_run(nimbus + " img snapshot -c two " + path);
    must_run("qemu-io -c 'write -P 3 0 64k' " + path);
    std::string listed = must_run("qemu-img snapshot -l " + path);
    EXPECT_NE(listed.find("one"), std::string::npos) << listed;
    EXPECT_NE(listed.find("two"), std::string::npos) << listed;
    EXPECT_EQ(compare_checks(path), 0);
    must_run(nimbus + " img snapshot -a one " + path);
    EXPECT_EQ(compare_checks(path), 0);
    must_run("qemu-io -c 'read -P 1 0 1M' -c 'read -P 0 1M 3M' " + path);
    must_run(nimbus + " img snapshot -d one " + path);
    EXPECT_EQ(compare_checks(path), 0);
    must_run("qemu-img snapshot -c three " + path);
    EXPECT_NE(must_run(nimbus + " img snapshot -l " + path).find("three"), std::string::npos);
    must_run(nimbus + " img snapshot -a two " + path);
    must_run("qemu-io -c 'read -P 1 0 512k' -c 'read -P 2 512k 1M' " + path);
    must_run(nimbus + " img snapshot -d 2 " + path);
    must_run(nimbus + " img snapshot -d three " + path);
    EXPECT_EQ(compare_checks(path), 0);
    EXPECT_EQ(must_run("qemu-img snapshot -l " + path), "");
    EXPECT_NE(run_command(nimbus + " img snapshot -a missing " + path).status, 0);
}

TEST_F(Qcow2CliInterop, ConvertCompressedAndBack)
{
    std::string source = dir.file("source.raw");
    must_run("qemu-img create -q -f raw " + source + " 8M");
    must_run("qemu-io -f raw -c 'write -P 0x61 0 3M' -c 'write -P 0x62 5M 100k' " + source);
    for (std::string options : {"compression_type=zlib", "compression_type=zstd,cluster_size=4k", "compat=0.10"}) {
        std::string target = dir.file("c.qcow2");
        std::filesystem::remove(target);
        must_run(nimbus + " img convert -c -p -O qcow2 -o " + options + " " + source + " " + target);
        EXPECT_EQ(compare_checks(target), 0) << options;
        Json check = Json::parse(must_run("qemu-img check --output=json " + target));
        EXPECT_GT(check.value("compressed-clusters", 0), 0) << options;
        must_run("qemu-img compare " + source + " " + target);
        std::string back = dir.file("back.raw");
        std::filesystem::remove(back);
        must_run(nimbus + " img convert -O raw " + target + " " + back);
        EXPECT_EQ(read_whole_file(back), read_whole_file(source)) << options;
    }
    std::string overlay = dir.file("overlay.qcow2");
    must_run(nimbus + " img create -q -f qcow2 -b source.raw -F raw " + overlay);
    must_run("qemu-io -c 'write -P 0x77 1M 64k' " + overlay);
    std::string flat = dir.file("flat.qcow2");
    must_run(nimbus + " img convert -O qcow2 " + overlay + " " + flat);
    must_run("qemu-img compare " + overlay + " " + flat);
    EXPECT_EQ(Json::parse(must_run("qemu-img info --output=json " + flat)).contains("backing-filename"), false);
}

TEST_F(Qcow2CliInterop, CheckOfRawIsUnsupportedLikeQemuImg)
{
    std::string path = dir.file("disk.raw");
    must_run(nimbus + " img create -q -f raw " + path + " 1M");
    EXPECT_EQ(run_command(nimbus + " img check " + path).status, run_command("qemu-img check " + path).status);
}

}  // namespace
