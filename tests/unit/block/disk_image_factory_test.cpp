// Disk image factory: qcow2 magic probing and opening raw images by configured format.
#include <gtest/gtest.h>

#include <fstream>

#include "block/disk_image_factory.hpp"
#include "block/raw_image.hpp"
#include "tests/unit/block/block_test_support.hpp"

using namespace nimbus;
using nimbus::testing::TempDir;

namespace {
void write_file(const std::string& path, const std::string& bytes)
{
    std::ofstream(path, std::ios::binary) << bytes;
}
}  // namespace

TEST(ProbeFormat, RecognisesQcow2Magic)
{
    TempDir dir;
    write_file(dir.file("a.qcow2"), std::string("QFI\xfb\0\0\0\3", 8));
    write_file(dir.file("b.img"), std::string(512, '\0'));
    write_file(dir.file("short"), "QF");
    write_file(dir.file("empty"), "");
    write_file(dir.file("almost"), "QFI\xfa");
    EXPECT_EQ(probe_format(dir.file("a.qcow2")).value(), DiskFormat::Qcow2);
    EXPECT_EQ(probe_format(dir.file("b.img")).value(), DiskFormat::Raw);
    EXPECT_EQ(probe_format(dir.file("short")).value(), DiskFormat::Raw);
    EXPECT_EQ(probe_format(dir.file("empty")).value(), DiskFormat::Raw);
    EXPECT_EQ(probe_format(dir.file("almost")).value(), DiskFormat::Raw);
    auto missing = probe_format(dir.file("missing"));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().errno_value, ENOENT);
}

TEST(OpenDiskImage, OpensRawWithTheConfiguredAccess)
{
    TempDir dir;
    std::string path = dir.file("disk.img");
    ASSERT_TRUE(RawImage::create(path, 65536));
    {
        auto image = open_disk_image(path, DiskFormat::Raw, DiskAccess::ReadOnly);
        ASSERT_TRUE(image);
        EXPECT_EQ((*image)->format_name(), "raw");
        EXPECT_EQ((*image)->size(), 65536u);
        EXPECT_TRUE((*image)->read_only());
    }
    auto image = open_disk_image(path, DiskFormat::Raw, DiskAccess::ReadWrite);
    ASSERT_TRUE(image);
    EXPECT_FALSE((*image)->read_only());
    // Locked like any raw open.
    EXPECT_FALSE(open_disk_image(path, DiskFormat::Raw, DiskAccess::ReadWrite));
}

TEST(OpenDiskImage, Qcow2FileOpenedAsRawStillOpens)
{
    TempDir dir;
    std::string path = dir.file("disk.qcow2");
    write_file(path, std::string("QFI\xfb", 4) + std::string(508, '\0'));
    auto image = open_disk_image(path, DiskFormat::Raw, DiskAccess::ReadOnly);  // with a warning
    ASSERT_TRUE(image);
    EXPECT_EQ((*image)->size(), 512u);
}
