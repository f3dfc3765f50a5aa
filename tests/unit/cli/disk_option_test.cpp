// parse_disk_option: `--disk PATH[,ro][,format=raw|qcow2]`.
#include "cli/disk_option.hpp"

#include <gtest/gtest.h>

namespace nimbus::cli {
namespace {

TEST(DiskOption, PathAlone)
{
    auto disk = parse_disk_option("/images/root.img");
    ASSERT_TRUE(disk);
    EXPECT_EQ(disk->path, "/images/root.img");
    EXPECT_FALSE(disk->read_only);
    EXPECT_EQ(disk->format, DiskFormat::Raw);
}

TEST(DiskOption, ReadOnlyAndFormat)
{
    auto disk = parse_disk_option("a.qcow2,format=qcow2,ro");
    ASSERT_TRUE(disk);
    EXPECT_EQ(disk->path, "a.qcow2");
    EXPECT_TRUE(disk->read_only);
    EXPECT_EQ(disk->format, DiskFormat::Qcow2);
}

TEST(DiskOption, BadValuesNameTheValue)
{
    auto unknown = parse_disk_option("a.img,format=vmdk");
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message().find("--disk a.img,format=vmdk"), std::string::npos);
    EXPECT_NE(unknown.error().message().find("format=vmdk"), std::string::npos);
    EXPECT_FALSE(parse_disk_option(",ro"));
    EXPECT_FALSE(parse_disk_option("a.img,"));
    EXPECT_FALSE(parse_disk_option(""));
}

}  // namespace
}  // namespace nimbus::cli
