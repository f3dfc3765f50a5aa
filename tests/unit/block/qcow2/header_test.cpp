// Qcow2 header: a valid header round-trips, and each malformed field is refused by name.
#include "block/qcow2/header.hpp"

#include <gtest/gtest.h>

#include "block/qcow2/big_endian.hpp"

using namespace nimbus::qcow2;

namespace {

constexpr std::uint64_t CLUSTER = 65536;
constexpr std::uint64_t FILE_SIZE = 4 * CLUSTER;

// A valid v3 image's first cluster: refcount table at cluster 1, L1 at cluster 3, 1 GiB disk.
std::vector<std::uint8_t> valid_header(std::uint32_t version = 3)
{
    Header header;
    header.version = version;
    header.header_length = version == 3 ? V3_HEADER_LENGTH_WITH_COMPRESSION : V2_HEADER_LENGTH;
    header.size = 1ull << 30;
    header.l1_size = 2;
    header.l1_table_offset = 3 * CLUSTER;
    header.refcount_table_offset = CLUSTER;
    header.refcount_table_clusters = 1;
    header.backing_file = "base.raw";
    header.backing_format = "raw";
    header.feature_names = {{0, 0, "dirty bit"}, {0, 4, "extended L2 entries"}};
    header.unknown_extensions = {{0x12345678, {1, 2, 3}}};
    return header.encode().value();
}

std::string parse_error(const std::vector<std::uint8_t>& bytes, std::uint64_t file_size = FILE_SIZE)
{
    auto parsed = Header::parse(bytes, file_size, "qcow2 header of t.qcow2");
    if (parsed)
        return "parsed";
    return parsed.error().message();
}

// Applies `change` to a valid header and expects the error to mention `field`.
void expect_refused(const char* field, const std::function<void(std::span<std::uint8_t>)>& change,
                    std::uint32_t version = 3)
{
    auto bytes = valid_header(version);
    change(bytes);
    std::string message = parse_error(bytes);
    EXPECT_NE(message, "parsed") << field;
    EXPECT_NE(message.find(field), std::string::npos) << "expected '" << field << "' in: " << message;
    EXPECT_NE(message.find("t.qcow2"), std::string::npos) << message;
}

TEST(Qcow2Header, ValidHeaderRoundTrips)
{
    for (std::uint32_t version : {2u, 3u}) {
        auto parsed = Header::parse(valid_header(version), FILE_SIZE, "t");
        ASSERT_TRUE(parsed) << parsed.error().message();
        EXPECT_EQ(parsed->version, version);
        EXPECT_EQ(parsed->size, 1ull << 30);
        EXPECT_EQ(parsed->cluster_size(), CLUSTER);
        EXPECT_EQ(parsed->backing_file, "base.raw");
        EXPECT_EQ(parsed->backing_format.value_or(""), "raw");
        ASSERT_EQ(parsed->feature_names.size(), 2u);
        EXPECT_EQ(parsed->feature_names[1].name, "extended L2 entries");
        ASSERT_EQ(parsed->unknown_extensions.size(), 1u);
        EXPECT_EQ(parsed->unknown_extensions[0].type, 0x12345678u);
        EXPECT_EQ(parsed->unknown_extensions[0].data, (std::vector<std::uint8_t>{1, 2, 3}));
        EXPECT_EQ(parsed->encode().value(), valid_header(version));
    }
}

TEST(Qcow2Header, FeatureBitsAreParsed)
{
    auto bytes = valid_header();
    store_be64(bytes, 72, INCOMPAT_DIRTY | INCOMPAT_CORRUPT);
    store_be64(bytes, 80, COMPAT_LAZY_REFCOUNTS | (1ull << 9));
    store_be64(bytes, 88, 1ull << 5);
    auto parsed = Header::parse(bytes, FILE_SIZE, "t");
    ASSERT_TRUE(parsed) << parsed.error().message();
    EXPECT_TRUE(parsed->dirty());
    EXPECT_TRUE(parsed->corrupt());
    EXPECT_TRUE(parsed->lazy_refcounts());
    EXPECT_EQ(parsed->autoclear_features, 1ull << 5);
}

TEST(Qcow2Header, ZstdNeedsItsIncompatibleBit)
{
    auto bytes = valid_header();
    bytes[104] = 1;
    store_be64(bytes, 72, INCOMPAT_COMPRESSION);
    auto parsed = Header::parse(bytes, FILE_SIZE, "t");
    ASSERT_TRUE(parsed) << parsed.error().message();
    EXPECT_EQ(parsed->compression_type, CompressionType::Zstd);
    store_be64(bytes, 72, 0);
    EXPECT_NE(parse_error(bytes).find("compression_type"), std::string::npos);
}

TEST(Qcow2Header, MalformedFieldsAreRefusedByName)
{
    expect_refused("magic", [](auto b) { b[3] = 0; });
    expect_refused("version", [](auto b) { store_be32(b, 4, 1); });
    expect_refused("version", [](auto b) { store_be32(b, 4, 4); });
    expect_refused("cluster_bits", [](auto b) { store_be32(b, 20, 8); });
    expect_refused("cluster_bits", [](auto b) { store_be32(b, 20, 22); });
    expect_refused("size", [](auto b) { store_be64(b, 24, ~0ull); });
    expect_refused("crypt_method", [](auto b) { store_be32(b, 32, 1); });
    expect_refused("l1_size", [](auto b) { store_be32(b, 36, 1); });
    expect_refused("l1_size", [](auto b) { store_be32(b, 36, 0x10000000); });
    expect_refused("l1_table_offset", [](auto b) { store_be64(b, 40, 3 * CLUSTER + 8); });
    expect_refused("l1_table_offset", [](auto b) { store_be64(b, 40, 0); });
    expect_refused("l1_table_offset", [](auto b) { store_be64(b, 40, 1ull << 60); });
    expect_refused("refcount_table_offset", [](auto b) { store_be64(b, 48, CLUSTER + 512); });
    expect_refused("refcount_table_offset", [](auto b) { store_be64(b, 48, 0); });
    expect_refused("refcount_table_offset", [](auto b) { store_be64(b, 48, 4 * CLUSTER); });
    expect_refused("refcount_table_clusters", [](auto b) { store_be32(b, 56, 0); });
    expect_refused("refcount_table_clusters", [](auto b) { store_be32(b, 56, 1000); });
    expect_refused("nb_snapshots", [](auto b) { store_be32(b, 60, 70000); });
    expect_refused("snapshots_offset", [](auto b) {
        store_be32(b, 60, 1);
        store_be64(b, 64, 12345);
    });
    expect_refused("snapshots_offset", [](auto b) {
        store_be32(b, 60, 1);
        store_be64(b, 64, 100 * CLUSTER);
    });
    expect_refused("incompatible_features", [](auto b) { store_be64(b, 72, INCOMPAT_EXTENDED_L2); });
    expect_refused("extended L2 entries", [](auto b) { store_be64(b, 72, INCOMPAT_EXTENDED_L2); });
    expect_refused("incompatible_features", [](auto b) { store_be64(b, 72, 1ull << 40); });
    expect_refused("refcount_order", [](auto b) { store_be32(b, 96, 7); });
    expect_refused("header_length", [](auto b) { store_be32(b, 100, 96); });
    expect_refused("header_length", [](auto b) { store_be32(b, 100, 108); });
    expect_refused("header_length", [](auto b) { store_be32(b, 100, 2 * CLUSTER); });
    expect_refused("compression_type", [](auto b) { b[104] = 2; });
    expect_refused("backing_file_size", [](auto b) { store_be32(b, 16, 2000); });
    expect_refused("backing_file_size", [](auto b) { store_be32(b, 16, 0); });
    expect_refused("backing_file_offset", [](auto b) { store_be64(b, 8, CLUSTER - 4); });
    expect_refused("backing_file_offset", [](auto b) { store_be64(b, 8, 16); });
    expect_refused("backing_file_size", [](auto b) { store_be64(b, 8, 0); });
    expect_refused("backing_file_offset", [](auto b) { store_be64(b, 8, 16); }, 2);
}

TEST(Qcow2Header, MalformedExtensionsAreRefused)
{
    // The first extension (backing format) starts right after the 112-byte header.
    expect_refused("header extension", [](auto b) { store_be32(b, 116, 0x7fffffff); });
    expect_refused("feature name table", [](auto b) {
        // Turn the backing format extension ("raw", 3 bytes) into a feature table of 3 bytes.
        store_be32(b, 112, EXT_FEATURE_NAMES);
    });
    expect_refused("external data", [](auto b) { store_be32(b, 112, EXT_EXTERNAL_DATA_FILE); });
    expect_refused("encryption", [](auto b) { store_be32(b, 112, EXT_ENCRYPTION); });
    // No end marker before the backing file name: extensions run into it.
    auto bytes = valid_header();
    auto parsed = Header::parse(bytes, FILE_SIZE, "t").value();
    std::fill(bytes.begin() + 112, bytes.begin() + static_cast<std::ptrdiff_t>(parsed.backing_file_offset), 0xee);
    EXPECT_NE(parse_error(bytes).find("header extension"), std::string::npos) << parse_error(bytes);
}

TEST(Qcow2Header, TruncatedFilesAreRefused)
{
    auto bytes = valid_header();
    EXPECT_NE(parse_error(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + 50), 50).find("shorter"),
              std::string::npos);
    EXPECT_NE(parse_error(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + 90), 90).find("version 3"),
              std::string::npos);
    EXPECT_NE(parse_error(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + 4096)).find("truncated"),
              std::string::npos);
    // A file shorter than its backing file name (found by fuzzing: the bound once underflowed).
    std::vector<std::uint8_t> tiny(bytes.begin(), bytes.begin() + 150);
    store_be32(tiny, 16, 1000);
    EXPECT_NE(parse_error(tiny, tiny.size()).find("backing_file_offset"), std::string::npos) << parse_error(tiny, 150);
}

}  // namespace
