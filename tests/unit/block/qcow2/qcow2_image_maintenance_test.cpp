// Qcow2Image resize, make_empty, set_backing_file and cluster_mapping without QEMU: data kept,
// our own refcount check clean afterwards, and refusals that change nothing.
#include <gtest/gtest.h>

#include "block/qcow2/qcow2_creator.hpp"
#include "block/qcow2/qcow2_image.hpp"
#include "tests/unit/block/block_test_support.hpp"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using namespace nimbus;
using namespace nimbus::qcow2;
using nimbus::testing::TempDir;

namespace {

constexpr OpenMode READ_WRITE{.read_only = false};
constexpr std::uint64_t CLUSTER = 512;

void expect_clean(Qcow2Image& image)
{
    auto result = image.check(RepairMode::None);
    ASSERT_TRUE(result) << result.error().message();
    EXPECT_EQ(result->corruptions, 0u);
    EXPECT_EQ(result->leaks, 0u);
}

TEST(Qcow2ImageMaintenance, GrowingMovesTheL1TableAndKeepsData)
{
    TempDir dir;
    std::string path = dir.file("grow.qcow2");
    ASSERT_TRUE(Qcow2Creator::create(path, {.size = 1 << 20, .cluster_bits = 9}));
    std::vector<std::uint8_t> data(4096, 0xab);
    {
        auto image = Qcow2Image::open(path, READ_WRITE);
        ASSERT_TRUE(image);
        ASSERT_TRUE((*image)->write(300 * CLUSTER, data));
        std::uint64_t old_l1 = (*image)->header().l1_table_offset;
        ASSERT_TRUE((*image)->resize(64 << 20)) << "grow past one L1 cluster";
        EXPECT_NE((*image)->header().l1_table_offset, old_l1);
        ASSERT_TRUE((*image)->write((64 << 20) - 4096, data));
        expect_clean(**image);
    }
    auto image = Qcow2Image::open(path, READ_WRITE);
    ASSERT_TRUE(image);
    EXPECT_EQ((*image)->size(), 64u << 20);
    std::vector<std::uint8_t> back(4096);
    ASSERT_TRUE((*image)->read(300 * CLUSTER, back));
    EXPECT_EQ(back, data);
    ASSERT_TRUE((*image)->read((64 << 20) - 4096, back));
    EXPECT_EQ(back, data);
    auto mapping = (*image)->cluster_mapping(300 * CLUSTER);
    ASSERT_TRUE(mapping);
    EXPECT_EQ(mapping->kind, Qcow2Image::ClusterKind::Data);
    EXPECT_NE(mapping->host_offset, 0u);
}

TEST(Qcow2ImageMaintenance, ShrinkingFreesClustersAndRefusesSnapshots)
{
    TempDir dir;
    std::string path = dir.file("shrink.qcow2");
    ASSERT_TRUE(Qcow2Creator::create(path, {.size = 8 << 20, .cluster_bits = 9}));
    auto image = Qcow2Image::open(path, READ_WRITE);
    ASSERT_TRUE(image);
    std::vector<std::uint8_t> data(1 << 20, 0x11);
    ASSERT_TRUE((*image)->write(0, data));
    ASSERT_TRUE((*image)->write(7 << 20, data));
    ASSERT_TRUE((*image)->resize(1 << 20));
    EXPECT_EQ((*image)->size(), 1u << 20);
    expect_clean(**image);
    ASSERT_TRUE((*image)->create_snapshot("s"));
    EXPECT_FALSE((*image)->resize(512 << 10));
    EXPECT_EQ((*image)->size(), 1u << 20);
    EXPECT_FALSE((*image)->resize((1 << 20) + 1)) << "not a multiple of 512";
}

TEST(Qcow2ImageMaintenance, MakeEmptyAndChangeBacking)
{
    TempDir dir;
    std::string base = dir.file("base.qcow2");
    std::string top = dir.file("top.qcow2");
    ASSERT_TRUE(Qcow2Creator::create(base, {.size = 4 * 65536}));
    ASSERT_TRUE(Qcow2Creator::create(top, {.size = 4 * 65536, .backing_file = "base.qcow2"}));
    {
        auto image = Qcow2Image::open(top, READ_WRITE);
        ASSERT_TRUE(image);
        std::vector<std::uint8_t> data(65536, 7);
        ASSERT_TRUE((*image)->write(65536, data));
        ASSERT_TRUE((*image)->make_empty());
        EXPECT_EQ(*(*image)->cluster_kind(65536), Qcow2Image::ClusterKind::Unallocated);
        expect_clean(**image);
        ASSERT_TRUE((*image)->set_backing_file("other.raw", std::string("raw")));
    }
    auto image = Qcow2Image::open(top, OpenMode{.read_only = true});
    EXPECT_FALSE(image) << "other.raw does not exist, so the reopened chain cannot open";
    ASSERT_TRUE(image.error().message().find("other.raw") != std::string::npos) << image.error().message();
}

}  // namespace
