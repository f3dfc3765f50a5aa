// RawImage: sparse creation, scatter/gather I/O, bounds, read-only refusal, discard and zeroing.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <fstream>
#include <numeric>
#include <vector>

#include "block/raw_image.hpp"
#include "tests/unit/block/block_test_support.hpp"

using namespace nimbus;
using nimbus::testing::allocated_bytes;
using nimbus::testing::TempDir;

namespace {

constexpr std::uint64_t MiB = 1024 * 1024;

std::vector<std::uint8_t> pattern(std::size_t size, std::uint8_t seed)
{
    std::vector<std::uint8_t> bytes(size);
    for (std::size_t i = 0; i < size; ++i)
        bytes[i] = static_cast<std::uint8_t>(seed + i * 7 + (i >> 9));
    return bytes;
}

std::unique_ptr<RawImage> create_and_open(const std::string& path, std::uint64_t size, OpenMode mode = {})
{
    EXPECT_TRUE(RawImage::create(path, size));
    auto image = RawImage::open(path, mode);
    EXPECT_TRUE(image) << image.error().message();
    return image ? std::move(*image) : nullptr;
}

bool all_zero(const std::vector<std::uint8_t>& bytes)
{
    return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t byte) { return byte == 0; });
}

}  // namespace

TEST(RawImage, CreateMakesSparseFileOfTheSize)
{
    TempDir dir;
    std::string path = dir.file("disk.img");
    auto image = create_and_open(path, 1024 * MiB);
    ASSERT_TRUE(image);
    EXPECT_EQ(image->size(), 1024 * MiB);
    EXPECT_EQ(image->format_name(), "raw");
    EXPECT_FALSE(image->read_only());
    EXPECT_EQ(allocated_bytes(path), 0u);

    auto data = pattern(4096, 1);
    ASSERT_TRUE(image->write(512 * MiB, data));
    EXPECT_GT(allocated_bytes(path), 0u);
    EXPECT_LE(allocated_bytes(path), 64 * 1024u);  // one block, not the file
}

TEST(RawImage, CreateNeverReplacesAFile)
{
    TempDir dir;
    std::string path = dir.file("precious.img");
    std::ofstream(path) << "keep me";
    auto created = RawImage::create(path, MiB);
    ASSERT_FALSE(created);
    EXPECT_EQ(created.error().errno_value, EEXIST);
    EXPECT_NE(created.error().message().find(path), std::string::npos);
    std::ifstream in(path);
    std::string text;
    std::getline(in, text);
    EXPECT_EQ(text, "keep me");
}

TEST(RawImage, FailedCreateLeavesNothingBehind)
{
    TempDir dir;
    std::string path = dir.file("huge.img");
    // The file is made, then sizing it fails: a file size limit below the image size.
    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
    auto saved_handler = ::signal(SIGXFSZ, SIG_IGN);
    rlimit small{MiB, saved.rlim_max};
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
    auto created = RawImage::create(path, 2 * MiB);
    ::setrlimit(RLIMIT_FSIZE, &saved);
    ::signal(SIGXFSZ, saved_handler);
    ASSERT_FALSE(created);
    EXPECT_EQ(created.error().errno_value, EFBIG);
    EXPECT_NE(created.error().message().find(path), std::string::npos);
    EXPECT_NE(::access(path.c_str(), F_OK), 0);

    EXPECT_FALSE(RawImage::create(dir.file("no/such/dir.img"), MiB));
    EXPECT_FALSE(RawImage::create(path, ~std::uint64_t{0}));
    EXPECT_NE(::access(path.c_str(), F_OK), 0);
}

TEST(RawImage, ScatterGatherRoundTripAtUnalignedOffsets)
{
    TempDir dir;
    auto image = create_and_open(dir.file("disk.img"), 4 * MiB);
    ASSERT_TRUE(image);
    auto data = pattern(10000, 3);
    std::vector<iovec> out{{data.data(), 1}, {data.data() + 1, 4999}, {data.data() + 5000, 5000}};
    ASSERT_TRUE(image->writev(12345, out));

    std::vector<std::uint8_t> back(10000);
    std::vector<iovec> in{{back.data(), 7000}, {back.data() + 7000, 0}, {back.data() + 7000, 3000}};
    ASSERT_TRUE(image->readv(12345, in));
    EXPECT_EQ(back, data);
}

TEST(RawImage, MoreEntriesThanIovMaxAreSplit)
{
    TempDir dir;
    auto image = create_and_open(dir.file("disk.img"), MiB);
    ASSERT_TRUE(image);
    auto data = pattern(3000, 9);
    std::vector<iovec> out;
    for (auto& byte : data)
        out.push_back({&byte, 1});
    ASSERT_TRUE(image->writev(100, out));
    std::vector<std::uint8_t> back(3000);
    ASSERT_TRUE(image->read(100, back));
    EXPECT_EQ(back, data);
}

TEST(RawImage, RequestsCrossingTheEndFail)
{
    TempDir dir;
    auto image = create_and_open(dir.file("disk.img"), MiB);
    ASSERT_TRUE(image);
    std::vector<std::uint8_t> buffer(200);
    auto read = image->read(MiB - 100, buffer);
    ASSERT_FALSE(read);
    EXPECT_NE(read.error().message().find("cross the end of the image (1048576 bytes)"), std::string::npos)
        << read.error().message();
    EXPECT_FALSE(image->write(~std::uint64_t{0} - 10, buffer));  // offset + length overflows
    EXPECT_FALSE(image->discard(MiB, 1));
    EXPECT_FALSE(image->write_zeroes(0, MiB + 1, false));
    EXPECT_TRUE(image->read(MiB - 200, buffer));                   // ends exactly at the end
    EXPECT_TRUE(image->read(MiB, std::span<std::uint8_t>{}));      // empty, at the end
}

TEST(RawImage, ReadOnlyImageRefusesWrites)
{
    TempDir dir;
    std::string path = dir.file("disk.img");
    ASSERT_TRUE(RawImage::create(path, MiB));
    auto image = RawImage::open(path, OpenMode{.read_only = true});
    ASSERT_TRUE(image);
    EXPECT_TRUE((*image)->read_only());
    std::vector<std::uint8_t> buffer(512);
    EXPECT_TRUE((*image)->read(0, buffer));
    auto written = (*image)->write(0, buffer);
    ASSERT_FALSE(written);
    EXPECT_NE(written.error().message().find("read-only"), std::string::npos);
    EXPECT_FALSE((*image)->discard(0, 512));
    EXPECT_FALSE((*image)->write_zeroes(0, 512, true));
    EXPECT_TRUE((*image)->flush());
}

TEST(RawImage, OpenErrorsNameTheFile)
{
    TempDir dir;
    auto missing = RawImage::open(dir.file("missing.img"), {});
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().errno_value, ENOENT);
    EXPECT_NE(missing.error().message().find("missing.img"), std::string::npos);

    auto directory = RawImage::open("/tmp", OpenMode{.read_only = true});
    ASSERT_FALSE(directory);
    EXPECT_NE(directory.error().message().find("not a regular file or a block device"), std::string::npos);
}

// Discard and write-zeroes on ext4 (/tmp: punch hole and zero range) and tmpfs (punch hole only,
// so write-zeroes without unmap falls back to writing zeros).
class RawImageZeroing : public ::testing::TestWithParam<const char*> {};

TEST_P(RawImageZeroing, DiscardDeallocatesAndWriteZeroesReadsZero)
{
    TempDir dir(GetParam());
    std::string path = dir.file("disk.img");
    auto image = create_and_open(path, 8 * MiB);
    ASSERT_TRUE(image);
    auto data = pattern(8 * MiB, 5);
    ASSERT_TRUE(image->write(0, data));
    ASSERT_TRUE(image->flush());
    std::uint64_t full = allocated_bytes(path);
    EXPECT_GE(full, 8 * MiB);

    ASSERT_TRUE(image->discard(MiB, 2 * MiB));
    EXPECT_LE(allocated_bytes(path), full - 2 * MiB);
    std::vector<std::uint8_t> back(2 * MiB);
    ASSERT_TRUE(image->read(MiB, back));
    EXPECT_TRUE(all_zero(back));  // both file systems punch holes

    // Unaligned, more than one fallback chunk, and with neighbours that must survive.
    const std::uint64_t start = 4 * MiB + 3, length = 2 * MiB + 1000;
    ASSERT_TRUE(image->write_zeroes(start, length, false));
    std::vector<std::uint8_t> zeroed(length);
    ASSERT_TRUE(image->read(start, zeroed));
    EXPECT_TRUE(all_zero(zeroed));
    std::vector<std::uint8_t> edges(2);
    ASSERT_TRUE(image->read(start - 1, {edges.data(), 1}));
    ASSERT_TRUE(image->read(start + length, {edges.data() + 1, 1}));
    EXPECT_EQ(edges[0], data[start - 1]);
    EXPECT_EQ(edges[1], data[start + length]);

    std::uint64_t before_unmap = allocated_bytes(path);
    ASSERT_TRUE(image->write_zeroes(7 * MiB, MiB, true));
    EXPECT_LE(allocated_bytes(path), before_unmap - MiB);
    std::vector<std::uint8_t> tail(MiB);
    ASSERT_TRUE(image->read(7 * MiB, tail));
    EXPECT_TRUE(all_zero(tail));
}

std::string file_system_name(const ::testing::TestParamInfo<const char*>& param)
{
    return std::string(param.param) == "/tmp" ? "tmp" : "dev_shm";
}

INSTANTIATE_TEST_SUITE_P(FileSystems, RawImageZeroing, ::testing::Values("/tmp", "/dev/shm"), file_system_name);
