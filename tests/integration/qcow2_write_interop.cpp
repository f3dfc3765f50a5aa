// Qcow2 write interop: images we create and write pass `qemu-img check` and `qemu-img compare`
// against the data we wrote (every create option, backing files, snapshots, compressed clusters,
// refcount table growth), and qemu-io reads what we wrote and we read what it wrote.
#include <gtest/gtest.h>

#include <random>

#include "block/qcow2/qcow2_creator.hpp"
#include "block/qcow2/qcow2_image.hpp"
#include "tests/integration/qcow2_test_support.hpp"
#include "tests/unit/block/block_test_support.hpp"

using namespace nimbus;
using namespace nimbus::testing;
using nimbus::qcow2::CreateOptions;
using nimbus::qcow2::Preallocation;
using nimbus::qcow2::Qcow2Creator;
using nimbus::qcow2::Qcow2Image;

// GCC 12 warns about members left out of designated initializers; they take their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace {

constexpr OpenMode READ_WRITE{.read_only = false};

class Qcow2WriteInterop : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (!have_program("qemu-img") || !have_program("qemu-io"))
            GTEST_SKIP() << "qemu-img/qemu-io not installed (Debian package qemu-utils)";
    }

    // Random writes, write-zeroes and discards through our engine, mirrored in `mirror`.
    void scribble(DiskImage& image, std::vector<std::uint8_t>& mirror, std::uint32_t seed, int rounds)
    {
        std::mt19937_64 generator(seed);
        const std::uint64_t size = image.size();
        for (int round = 0; round < rounds; ++round) {
            std::uint64_t offset = generator() % size;
            std::uint64_t length = std::min<std::uint64_t>(1 + generator() % (200 * 1024), size - offset);
            switch (generator() % 6) {
            case 0: {
                ASSERT_TRUE(image.write_zeroes(offset, length, generator() % 2 == 0));
                std::fill_n(mirror.begin() + static_cast<std::ptrdiff_t>(offset), length, std::uint8_t{0});
                break;
            }
            case 1: {
                // Discard may keep or drop the data; only a later write defines it, so rewrite.
                ASSERT_TRUE(image.discard(offset, length));
                auto data = random_bytes(length, static_cast<std::uint32_t>(generator()));
                ASSERT_TRUE(image.write(offset, data));
                std::copy(data.begin(), data.end(), mirror.begin() + static_cast<std::ptrdiff_t>(offset));
                break;
            }
            default: {
                auto data = random_bytes(length, static_cast<std::uint32_t>(generator()));
                auto written = image.write(offset, data);
                ASSERT_TRUE(written) << written.error().message();
                std::copy(data.begin(), data.end(), mirror.begin() + static_cast<std::ptrdiff_t>(offset));
            }
            }
            if (round % 17 == 0) {
                ASSERT_TRUE(image.flush());
            }
        }
    }

    void expect_clean_and_equal(const std::string& path, const std::vector<std::uint8_t>& mirror)
    {
        CommandResult check = run_command("qemu-img check -f qcow2 " + path);
        EXPECT_EQ(check.status, 0) << path << "\n" << check.output;
        std::string raw = dir.file("mirror.raw");
        write_whole_file(raw, mirror);
        CommandResult compare = run_command("qemu-img compare -f qcow2 -F raw " + path + " " + raw);
        EXPECT_EQ(compare.status, 0) << path << "\n" << compare.output;
    }

    void create_write_check(const std::string& name, CreateOptions options, std::uint32_t seed, int rounds = 120)
    {
        std::string path = dir.file(name);
        auto created = Qcow2Creator::create(path, options);
        ASSERT_TRUE(created) << name << ": " << created.error().message();
        ASSERT_EQ(run_command("qemu-img check -q -f qcow2 " + path).status, 0) << name << " fresh";
        std::vector<std::uint8_t> mirror(*options.size, 0);
        {
            auto image = Qcow2Image::open(path, READ_WRITE);
            ASSERT_TRUE(image) << image.error().message();
            scribble(**image, mirror, seed, rounds);
            auto back = read_all(**image);
            EXPECT_EQ(first_difference(back, mirror), -1) << name << " read back before close";
        }
        expect_clean_and_equal(path, mirror);
    }

    TempDir dir;
};

TEST_F(Qcow2WriteInterop, EveryCreateOption)
{
    std::uint32_t seed = 1;
    for (std::uint32_t version : {2u, 3u})
        for (std::uint32_t bits : {9u, 12u, 16u, 21u})
            create_write_check(fmt::format("v{}-c{}.qcow2", version, bits),
                               {.size = 6ull << 20, .version = version, .cluster_bits = bits}, seed++);
    for (std::uint32_t order : {0u, 1u, 3u, 5u, 6u})
        create_write_check(fmt::format("order{}.qcow2", order), {.size = 6ull << 20, .refcount_order = order}, seed++);
    for (auto mode : {Preallocation::Metadata, Preallocation::Falloc, Preallocation::Full})
        create_write_check(fmt::format("prealloc{}.qcow2", static_cast<int>(mode)),
                           {.size = 6ull << 20, .preallocation = mode}, seed++);
    create_write_check("lazy.qcow2", {.size = 6ull << 20, .lazy_refcounts = true}, seed++);
    create_write_check("zstd.qcow2", {.size = 6ull << 20, .compression_type = qcow2::CompressionType::Zstd}, seed++);
    create_write_check("odd-size.qcow2", {.size = (6ull << 20) + 512 * 3}, seed++);
}

TEST_F(Qcow2WriteInterop, InfoMatchesWhatWasAsked)
{
    std::string path = dir.file("info.qcow2");
    ASSERT_TRUE(Qcow2Creator::create(path, {.size = 1ull << 30, .version = 2, .cluster_bits = 12}));
    std::string info = must_run("qemu-img info --output=json " + path);
    EXPECT_NE(info.find("\"virtual-size\": 1073741824"), std::string::npos) << info;
    EXPECT_NE(info.find("\"cluster-size\": 4096"), std::string::npos) << info;
    EXPECT_NE(info.find("\"compat\": \"0.10\""), std::string::npos) << info;
}

TEST_F(Qcow2WriteInterop, RefcountTableGrowsWithSmallClusters)
{
    create_write_check("growth.qcow2", {.size = 40ull << 20, .cluster_bits = 9, .refcount_order = 6}, 99, 200);
    create_write_check("growth16.qcow2", {.size = 16ull << 20, .cluster_bits = 9}, 98, 300);
    std::string info = must_run("qemu-img info --output=json " + dir.file("growth.qcow2"));
    EXPECT_NE(info.find("\"cluster-size\": 512"), std::string::npos);
}

TEST_F(Qcow2WriteInterop, OverlayCopiesPartialClustersFromTheBackingFile)
{
    for (std::string base_format : {"raw", "qcow2"}) {
        std::string base = dir.file("base." + base_format);
        must_run("qemu-img create -q -f " + base_format + " " + base + " 5M");
        must_run("qemu-io -f " + base_format + " -c 'write -P 0x3c 0 5M' " + base);
        std::string path = dir.file("overlay-" + base_format + ".qcow2");
        for (std::uint32_t version : {2u, 3u}) {
            std::filesystem::remove(path);
            ASSERT_TRUE(Qcow2Creator::create(path, {.size = 6ull << 20, .version = version,
                                                    .backing_file = "base." + base_format}));
            std::vector<std::uint8_t> mirror(6ull << 20, 0);
            std::fill_n(mirror.begin(), 5ull << 20, std::uint8_t{0x3c});
            {
                auto image = Qcow2Image::open(path, READ_WRITE);
                ASSERT_TRUE(image) << image.error().message();
                scribble(**image, mirror, version * 7, 80);
            }
            expect_clean_and_equal(path, mirror);
        }
    }
}

TEST_F(Qcow2WriteInterop, WritesBesideSnapshotsKeepThemIntact)
{
    std::string path = dir.file("snap.qcow2");
    must_run("qemu-img create -q -f qcow2 " + path + " 4M");
    must_run("qemu-io -f qcow2 -c 'write -P 0x41 0 4M' " + path);
    must_run("qemu-img snapshot -c first " + path);
    std::vector<std::uint8_t> mirror(4ull << 20, 0x41);
    {
        auto image = Qcow2Image::open(path, READ_WRITE);
        ASSERT_TRUE(image) << image.error().message();
        scribble(**image, mirror, 5, 60);
    }
    expect_clean_and_equal(path, mirror);
    must_run("qemu-img snapshot -a first " + path);
    std::vector<std::uint8_t> original(4ull << 20, 0x41);
    expect_clean_and_equal(path, original);
}

TEST_F(Qcow2WriteInterop, OverwritingCompressedClusters)
{
    std::string source = dir.file("source.raw");
    must_run("qemu-img create -q -f raw " + source + " 4M");
    must_run("qemu-io -f raw -c 'write -P 0x61 0 4M' " + source);
    for (std::string type : {"zlib", "zstd"}) {
        std::string path = dir.file(type + ".qcow2");
        must_run("qemu-img convert -c -O qcow2 -o compression_type=" + type + " " + source + " " + path);
        std::vector<std::uint8_t> mirror(4ull << 20, 0x61);
        {
            auto image = Qcow2Image::open(path, READ_WRITE);
            ASSERT_TRUE(image) << image.error().message();
            scribble(**image, mirror, 11, 60);
        }
        expect_clean_and_equal(path, mirror);
    }
}

TEST_F(Qcow2WriteInterop, QemuIoReadsOursAndWeReadQemuIos)
{
    std::string path = dir.file("both.qcow2");
    ASSERT_TRUE(Qcow2Creator::create(path, {.size = 4ull << 20}));
    {
        auto image = Qcow2Image::open(path, READ_WRITE);
        ASSERT_TRUE(image);
        std::vector<std::uint8_t> data(300 * 1024, 0xc7);
        ASSERT_TRUE((*image)->write(12345 * 2, data));
    }
    must_run("qemu-io -f qcow2 -c 'read -P 0xc7 24690 300k' -c 'write -P 0x99 1M 65k' " + path);
    auto image = Qcow2Image::open(path, READ_WRITE);
    ASSERT_TRUE(image);
    std::vector<std::uint8_t> back(65 * 1024);
    ASSERT_TRUE((*image)->read(1 << 20, back));
    EXPECT_EQ(std::count(back.begin(), back.end(), 0x99), static_cast<long>(back.size()));
}

TEST_F(Qcow2WriteInterop, CreateRefusesBadOptionsAndLeavesNothing)
{
    std::string path = dir.file("bad.qcow2");
    EXPECT_FALSE(Qcow2Creator::create(path, {.size = 1000}));
    EXPECT_FALSE(Qcow2Creator::create(path, {.size = 1 << 20, .version = 2, .lazy_refcounts = true}));
    EXPECT_FALSE(Qcow2Creator::create(path, {.size = 1 << 20, .cluster_bits = 22}));
    EXPECT_FALSE(Qcow2Creator::create(path, {.size = 1 << 20, .backing_file = "missing.raw"}));
    EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
