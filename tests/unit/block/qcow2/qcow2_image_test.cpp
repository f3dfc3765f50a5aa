// Qcow2Image without QEMU: write/read/reopen, zero clusters, and malformed tables refused per request.
#include "block/qcow2/qcow2_image.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "block/qcow2/big_endian.hpp"
#include "block/qcow2/qcow2_creator.hpp"
#include "tests/unit/block/block_test_support.hpp"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using namespace nimbus;
using namespace nimbus::qcow2;
using nimbus::testing::TempDir;

namespace {

constexpr OpenMode READ_WRITE{.read_only = false};
constexpr OpenMode READ_ONLY{.read_only = true};
constexpr std::uint64_t CLUSTER = 65536;

void patch(const std::string& path, std::uint64_t offset, std::uint64_t value)
{
    std::uint8_t bytes[8];
    store_be64(bytes, 0, value);
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(offset));
    file.write(reinterpret_cast<const char*>(bytes), 8);
}

std::uint64_t peek(const std::string& path, std::uint64_t offset)
{
    std::uint8_t bytes[8]{};
    std::ifstream file(path, std::ios::binary);
    file.seekg(static_cast<std::streamoff>(offset));
    file.read(reinterpret_cast<char*>(bytes), 8);
    return load_be64(bytes, 0);
}

class Qcow2ImageTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        path = dir.file("disk.qcow2");
        ASSERT_TRUE(Qcow2Creator::create(path, {.size = 8 * CLUSTER}));
        auto image = Qcow2Image::open(path, READ_WRITE);
        ASSERT_TRUE(image) << image.error().message();
        std::vector<std::uint8_t> data(3 * CLUSTER, 0x5e);
        ASSERT_TRUE((*image)->write(CLUSTER, data));
        l1_offset = (*image)->header().l1_table_offset;
    }

    std::uint64_t l2_offset() { return peek(path, l1_offset) & OFFSET_MASK; }

    TempDir dir;
    std::string path;
    std::uint64_t l1_offset = 0;
};

TEST_F(Qcow2ImageTest, WritesSurviveReopen)
{
    auto image = Qcow2Image::open(path, READ_ONLY);
    ASSERT_TRUE(image) << image.error().message();
    std::vector<std::uint8_t> back(5 * CLUSTER);
    ASSERT_TRUE((*image)->read(0, back));
    for (std::uint64_t i = 0; i < back.size(); ++i)
        ASSERT_EQ(back[i], i >= CLUSTER && i < 4 * CLUSTER ? 0x5e : 0) << i;
    EXPECT_FALSE((*image)->write(0, std::span<const std::uint8_t>(back).first(1)));
    EXPECT_FALSE((*image)->read(8 * CLUSTER - 1, std::span(back).first(2)));
}

TEST_F(Qcow2ImageTest, WriteZeroesMakesZeroClusters)
{
    auto image = Qcow2Image::open(path, READ_WRITE);
    ASSERT_TRUE(image);
    ASSERT_TRUE((*image)->write_zeroes(CLUSTER, CLUSTER + 100, false));
    EXPECT_EQ((*image)->cluster_kind(CLUSTER).value(), Qcow2Image::ClusterKind::Zero);
    EXPECT_EQ((*image)->cluster_kind(2 * CLUSTER).value(), Qcow2Image::ClusterKind::Data);
    std::vector<std::uint8_t> back(CLUSTER + 101);
    ASSERT_TRUE((*image)->read(CLUSTER, back));
    EXPECT_EQ(std::count(back.begin(), back.end(), 0), static_cast<long>(CLUSTER + 100));
    EXPECT_EQ(back.back(), 0x5e);
    ASSERT_TRUE((*image)->discard(3 * CLUSTER, CLUSTER));
    EXPECT_EQ((*image)->cluster_kind(3 * CLUSTER).value(), Qcow2Image::ClusterKind::Unallocated);
}

TEST_F(Qcow2ImageTest, L1EntryWithReservedBitsFailsTheRequest)
{
    patch(path, l1_offset, peek(path, l1_offset) | 1);
    auto image = Qcow2Image::open(path, READ_ONLY);
    ASSERT_TRUE(image);
    std::vector<std::uint8_t> back(512);
    auto read = (*image)->read(0, back);
    ASSERT_FALSE(read);
    EXPECT_NE(read.error().message().find("L1 entry 0"), std::string::npos) << read.error().message();
}

TEST_F(Qcow2ImageTest, UnalignedL2EntryFailsTheRequest)
{
    std::uint64_t entry_at = l2_offset() + 8;
    patch(path, entry_at, peek(path, entry_at) + 512);
    auto image = Qcow2Image::open(path, READ_ONLY);
    ASSERT_TRUE(image);
    std::vector<std::uint8_t> back(512);
    auto read = (*image)->read(CLUSTER, back);
    ASSERT_FALSE(read);
    EXPECT_NE(read.error().message().find("L2 entry"), std::string::npos) << read.error().message();
    EXPECT_TRUE((*image)->read(2 * CLUSTER, back));  // the rest of the disk stays readable
}

TEST_F(Qcow2ImageTest, GarbageCompressedClusterFailsTheRequest)
{
    std::uint64_t entry_at = l2_offset() + 8;
    patch(path, entry_at, L2_COMPRESSED | (std::uint64_t{3} << 54) | 0x3000);
    auto image = Qcow2Image::open(path, READ_ONLY);
    ASSERT_TRUE(image);
    std::vector<std::uint8_t> back(512);
    auto read = (*image)->read(CLUSTER, back);
    ASSERT_FALSE(read);
    EXPECT_NE(read.error().message().find("compressed"), std::string::npos) << read.error().message();
}

TEST_F(Qcow2ImageTest, BadRefcountTableEntryRefusesWritersOnly)
{
    auto header = Qcow2Image::open(path, READ_ONLY).value()->header();
    patch(path, header.refcount_table_offset, peek(path, header.refcount_table_offset) | 3);
    auto writer = Qcow2Image::open(path, READ_WRITE);
    ASSERT_FALSE(writer);
    EXPECT_NE(writer.error().message().find("refcount table entry 0"), std::string::npos) << writer.error().message();
    patch(path, header.refcount_table_offset, 1ull << 40);  // aligned, but far past the end of the file
    writer = Qcow2Image::open(path, READ_WRITE);
    ASSERT_FALSE(writer);
    EXPECT_NE(writer.error().message().find("past the end"), std::string::npos) << writer.error().message();
    auto reader = Qcow2Image::open(path, READ_ONLY);
    ASSERT_TRUE(reader);
    std::vector<std::uint8_t> back(CLUSTER);
    ASSERT_TRUE((*reader)->read(CLUSTER, back));
    EXPECT_EQ(back[0], 0x5e);
}

TEST_F(Qcow2ImageTest, CorruptImageOpensOnlyReadOnly)
{
    patch(path, HEADER_INCOMPAT_OFFSET, INCOMPAT_CORRUPT);
    auto image = Qcow2Image::open(path, READ_WRITE);
    ASSERT_FALSE(image);
    EXPECT_NE(image.error().message().find("corrupt"), std::string::npos);
    EXPECT_TRUE(Qcow2Image::open(path, READ_ONLY));
}

TEST_F(Qcow2ImageTest, BackingFileLoopIsRefused)
{
    std::string a = dir.file("a.qcow2");
    std::string b = dir.file("b.qcow2");
    ASSERT_TRUE(Qcow2Creator::create(a, {.size = CLUSTER}));
    ASSERT_TRUE(Qcow2Creator::create(b, {.size = CLUSTER, .backing_file = "a.qcow2"}));
    std::filesystem::remove(a);
    std::filesystem::copy_file(b, a);  // a's backing file is now a.qcow2 itself
    auto image = Qcow2Image::open(a, READ_ONLY);
    ASSERT_FALSE(image);
    EXPECT_NE(image.error().message().find("deeper than"), std::string::npos) << image.error().message();
}

TEST_F(Qcow2ImageTest, ConcurrentRequestsFromSeveralThreads)
{
    std::string many = dir.file("many.qcow2");
    ASSERT_TRUE(Qcow2Creator::create(many, {.size = 64 * CLUSTER, .cluster_bits = 12}));
    auto image = Qcow2Image::open(many, READ_WRITE);
    ASSERT_TRUE(image);
    constexpr int THREADS = 4;
    constexpr std::uint64_t SLICE = 16 * CLUSTER;
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < THREADS; ++t) {
        threads.emplace_back([&, t] {
            std::vector<std::uint8_t> data(3000, static_cast<std::uint8_t>(t + 1));
            std::vector<std::uint8_t> back(3000);
            for (std::uint64_t at = t * SLICE; at + data.size() <= (t + 1) * SLICE; at += 7001) {
                if (!(*image)->write(at, data) || !(*image)->read(at, back) || back != data)
                    ++failures;
                if (at % 5 == 0 && !(*image)->flush())
                    ++failures;
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(failures.load(), 0);
    auto check = (*image)->check(RepairMode::None);
    ASSERT_TRUE(check);
    EXPECT_EQ(check->corruptions, 0u);
    EXPECT_EQ(check->leaks, 0u);
}

}  // namespace
