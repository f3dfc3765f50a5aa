// Qcow2 read interop: images made by qemu-img and qemu-io read back through our engine exactly as
// `qemu-img convert -O raw` shows them (v2, v3, cluster sizes, backing chains, compression, zero
// clusters, snapshots).
#include <gtest/gtest.h>

#include "block/qcow2/qcow2_image.hpp"
#include "tests/integration/qcow2_test_support.hpp"
#include "tests/unit/block/block_test_support.hpp"

using namespace nimbus;
using namespace nimbus::testing;
using nimbus::qcow2::Qcow2Image;

namespace {

constexpr OpenMode READ_ONLY{.read_only = true};

class Qcow2ReadInterop : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (!have_program("qemu-img") || !have_program("qemu-io"))
            GTEST_SKIP() << "qemu-img/qemu-io not installed (Debian package qemu-utils)";
    }

    // Our reading of `path` must equal qemu-img's raw conversion of it.
    void expect_same_as_qemu(const std::string& path)
    {
        std::string raw = dir.file("expected.raw");
        std::filesystem::remove(raw);
        must_run("qemu-img convert -O raw " + path + " " + raw);
        auto image = Qcow2Image::open(path, READ_ONLY);
        ASSERT_TRUE(image) << image.error().message();
        auto ours = read_all(**image);
        auto theirs = read_whole_file(raw);
        EXPECT_EQ(first_difference(ours, theirs), -1) << path;
    }

    void io(const std::string& path, const std::string& commands)
    {
        must_run("qemu-io -f qcow2 " + commands + " " + path);
    }

    TempDir dir;
};

const char* PATTERN_WRITES =
    "-c 'write -P 0xab 0 100k' -c 'write -P 0x11 1M 4k' -c 'write -P 0x22 3000k 70k' -c 'write -P 0x33 4095k 1k'";

TEST_F(Qcow2ReadInterop, Version2And3AtSeveralClusterSizes)
{
    for (std::string compat : {"0.10", "1.1"}) {
        for (std::string cluster : {"512", "4k", "64k", "2M"}) {
            std::string path = dir.file("v" + compat + "-" + cluster + ".qcow2");
            must_run("qemu-img create -q -f qcow2 -o compat=" + compat + ",cluster_size=" + cluster + " " + path + " 4M");
            io(path, PATTERN_WRITES);
            expect_same_as_qemu(path);
        }
    }
}

TEST_F(Qcow2ReadInterop, RefcountWidths)
{
    for (std::string bits : {"1", "2", "8", "64"}) {
        std::string path = dir.file("refcount" + bits + ".qcow2");
        must_run("qemu-img create -q -f qcow2 -o refcount_bits=" + bits + " " + path + " 4M");
        io(path, PATTERN_WRITES);
        expect_same_as_qemu(path);
    }
}

TEST_F(Qcow2ReadInterop, ZeroClustersNeverFallThroughToTheBackingFile)
{
    std::string base = dir.file("base.raw");
    must_run("qemu-img create -q -f raw " + base + " 4M");
    must_run("qemu-io -f raw -c 'write -P 0x5a 0 4M' " + base);
    std::string top = dir.file("top.qcow2");
    must_run("qemu-img create -q -f qcow2 -b base.raw -F raw " + top);
    io(top, "-c 'write -z 64k 128k' -c 'write -P 0x01 512k 64k' -c 'write -z 1000k 3k'");
    auto image = Qcow2Image::open(top, READ_ONLY);
    ASSERT_TRUE(image) << image.error().message();
    EXPECT_EQ((*image)->cluster_kind(64 * 1024).value(), Qcow2Image::ClusterKind::Zero);
    std::vector<std::uint8_t> zeros(128 * 1024);
    ASSERT_TRUE((*image)->read(64 * 1024, zeros));
    EXPECT_EQ(std::count(zeros.begin(), zeros.end(), 0), static_cast<long>(zeros.size()));
    image->reset();
    expect_same_as_qemu(top);
}

TEST_F(Qcow2ReadInterop, BackingChainsOfQcow2AndRawWithRelativePaths)
{
    std::filesystem::create_directory(dir.file("sub"));
    std::string base = dir.file("sub/base.raw");
    must_run("qemu-img create -q -f raw " + base + " 3M");  // smaller than the overlays
    must_run("qemu-io -f raw -c 'write -P 0x10 0 3M' " + base);
    std::string previous = "base.raw";
    std::string previous_format = "raw";
    for (int level = 1; level <= 5; ++level) {
        std::string name = "level" + std::to_string(level) + ".qcow2";
        std::string path = dir.file("sub/" + name);
        must_run("qemu-img create -q -f qcow2 -b " + previous + " -F " + previous_format + " " + path + " 4M");
        std::string offset = std::to_string(level * 300) + "k";
        io(path, "-c 'write -P " + std::to_string(0x20 + level) + " " + offset + " 100k'");
        previous = name;
        previous_format = "qcow2";
    }
    expect_same_as_qemu(dir.file("sub/level5.qcow2"));
}

TEST_F(Qcow2ReadInterop, CompressedClustersZlibAndZstd)
{
    std::string source = dir.file("source.raw");
    must_run("qemu-img create -q -f raw " + source + " 4M");
    must_run("qemu-io -f raw -c 'write -P 0x61 0 1M' -c 'write -P 0x62 1M 7k' " + source);
    auto noise = random_bytes(512 * 1024, 7);
    {
        std::fstream file(source, std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(2 * 1024 * 1024);
        file.write(reinterpret_cast<const char*>(noise.data()), static_cast<std::streamsize>(noise.size()));
    }
    for (std::string type : {"zlib", "zstd"}) {
        for (std::string cluster : {"4k", "64k"}) {
            std::string path = dir.file(type + cluster + ".qcow2");
            must_run("qemu-img convert -c -f raw -O qcow2 -o compression_type=" + type + ",cluster_size=" + cluster +
                     " " + source + " " + path);
            auto image = Qcow2Image::open(path, READ_ONLY);
            ASSERT_TRUE(image) << image.error().message();
            EXPECT_EQ((*image)->cluster_kind(0).value(), Qcow2Image::ClusterKind::Compressed);
            image->reset();
            expect_same_as_qemu(path);
            EXPECT_EQ(first_difference(read_whole_file(source), read_whole_file(dir.file("expected.raw"))), -1);
        }
    }
}

TEST_F(Qcow2ReadInterop, ImagesWithInternalSnapshots)
{
    std::string path = dir.file("snap.qcow2");
    must_run("qemu-img create -q -f qcow2 " + path + " 4M");
    io(path, PATTERN_WRITES);
    must_run("qemu-img snapshot -c first " + path);
    io(path, "-c 'write -P 0x77 0 64k' -c 'write -z 1M 64k'");
    must_run("qemu-img snapshot -c second " + path);
    io(path, "-c 'write -P 0x78 32k 64k'");
    expect_same_as_qemu(path);
}

TEST_F(Qcow2ReadInterop, LazyRefcountsImageClosedCleanly)
{
    std::string path = dir.file("lazy.qcow2");
    must_run("qemu-img create -q -f qcow2 -o lazy_refcounts=on " + path + " 4M");
    io(path, PATTERN_WRITES);
    expect_same_as_qemu(path);
}

}  // namespace
