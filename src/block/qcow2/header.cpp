// Qcow2 header: parsing with every field checked, and encoding for create and in-place updates.
#include "block/qcow2/header.hpp"

#include <algorithm>

#include "block/qcow2/big_endian.hpp"

namespace nimbus::qcow2 {

namespace {

constexpr std::size_t FEATURE_NAME_ENTRY = 48;

bool cluster_aligned(std::uint64_t offset, std::uint32_t cluster_bits)
{
    return (offset & ((1ull << cluster_bits) - 1)) == 0;
}

// A table of `bytes` bytes at `offset` must be cluster-aligned and inside the file.
Result<void> check_table(const std::string& what, std::string_view field, std::uint64_t offset, std::uint64_t bytes,
                         std::uint32_t cluster_bits, std::uint64_t file_size)
{
    if (!cluster_aligned(offset, cluster_bits))
        return fail(what, "{} {:#x} is not aligned to a cluster", field, offset);
    if (offset == 0 && bytes > 0)
        return fail(what, "{} is 0 (it would overlap the header)", field);
    if (offset > file_size || bytes > file_size - offset)
        return fail(what, "{} {:#x} with {} bytes lies beyond the end of the file ({} bytes)", field, offset, bytes,
                    file_size);
    return {};
}

// Guest-controlled: extensions are read from the untrusted header cluster; every length is bounded
// by `end`, the end of the extension area.
Result<void> parse_extensions(Header& header, std::span<const std::uint8_t> bytes, std::size_t start, std::size_t end,
                              const std::string& what)
{
    std::size_t at = start;
    while (true) {
        if (at + 8 > end)
            return fail(what, "header extension at byte {} runs past the end of the header area", at);
        std::uint32_t type = load_be32(bytes, at);
        std::uint32_t length = load_be32(bytes, at + 4);
        at += 8;
        if (type == EXT_END)
            return {};
        std::size_t padded = (static_cast<std::size_t>(length) + 7) & ~static_cast<std::size_t>(7);
        if (length > end - at || padded > end - at)
            return fail(what, "header extension {:#x} length {} runs past the end of the header area", type, length);
        auto data = bytes.subspan(at, length);
        switch (type) {
        case EXT_BACKING_FORMAT:
            header.backing_format = std::string(data.begin(), data.end());
            break;
        case EXT_FEATURE_NAMES:
            if (length % FEATURE_NAME_ENTRY != 0)
                return fail(what, "feature name table length {} is not a multiple of {}", length, FEATURE_NAME_ENTRY);
            for (std::size_t entry = 0; entry < length; entry += FEATURE_NAME_ENTRY) {
                auto name = data.subspan(entry + 2, FEATURE_NAME_ENTRY - 2);
                auto stop = std::find(name.begin(), name.end(), std::uint8_t{0});
                header.feature_names.push_back({data[entry], data[entry + 1], std::string(name.begin(), stop)});
            }
            break;
        case EXT_EXTERNAL_DATA_FILE:
            return fail(what, "external data files (header extension {:#x}) are not supported", type);
        case EXT_ENCRYPTION:
            return fail(what, "encryption (header extension {:#x}) is not supported", type);
        default:
            header.unknown_extensions.push_back({type, std::vector<std::uint8_t>(data.begin(), data.end())});
        }
        at += padded;
    }
}

std::string incompatible_names(const Header& header, std::uint64_t bits)
{
    std::string names;
    for (unsigned bit = 0; bit < 64; ++bit) {
        if ((bits & (1ull << bit)) == 0)
            continue;
        std::string name = fmt::format("bit {}", bit);
        for (const auto& feature : header.feature_names)
            if (feature.kind == 0 && feature.bit == bit && !feature.name.empty())
                name = fmt::format("{} ({})", feature.name, bit);
        names += (names.empty() ? "" : ", ") + name;
    }
    return names;
}

}  // namespace

std::uint64_t Header::l1_entries_for(std::uint64_t size, std::uint32_t cluster_bits)
{
    std::uint64_t span = 1ull << (cluster_bits + cluster_bits - 3);  // bytes one L2 table maps
    return (size + span - 1) / span;
}

Result<Header> Header::parse(std::span<const std::uint8_t> bytes, std::uint64_t file_size, const std::string& what)
{
    Header header;
    if (bytes.size() < V2_HEADER_LENGTH)
        return fail(what, "file is {} bytes, shorter than a qcow2 header", bytes.size());
    if (load_be32(bytes, 0) != MAGIC)
        return fail(what, "magic is not QFI\\xfb");
    header.version = load_be32(bytes, 4);
    if (header.version != 2 && header.version != 3)
        return fail(what, "version {} is not supported (2 or 3)", header.version);
    header.backing_file_offset = load_be64(bytes, 8);
    header.backing_file_size = load_be32(bytes, 16);
    header.cluster_bits = load_be32(bytes, 20);
    if (header.cluster_bits < MIN_CLUSTER_BITS || header.cluster_bits > MAX_CLUSTER_BITS)
        return fail(what, "cluster_bits {} is outside {}..{}", header.cluster_bits, MIN_CLUSTER_BITS, MAX_CLUSTER_BITS);
    header.size = load_be64(bytes, 24);
    if (header.size > MAX_VIRTUAL_SIZE)
        return fail(what, "size {} is larger than {}", header.size, MAX_VIRTUAL_SIZE);
    header.crypt_method = load_be32(bytes, 32);
    if (header.crypt_method != 0)
        return fail(what, "crypt_method {} (encryption) is not supported", header.crypt_method);
    header.l1_size = load_be32(bytes, 36);
    header.l1_table_offset = load_be64(bytes, 40);
    header.refcount_table_offset = load_be64(bytes, 48);
    header.refcount_table_clusters = load_be32(bytes, 56);
    header.nb_snapshots = load_be32(bytes, 60);
    header.snapshots_offset = load_be64(bytes, 64);
    const std::uint32_t bits = header.cluster_bits;
    const std::uint64_t cluster = 1ull << bits;
    if (bytes.size() < std::min<std::uint64_t>(cluster, file_size))
        return fail(what, "header cluster is truncated");

    if (header.version == 2) {
        header.refcount_order = DEFAULT_REFCOUNT_ORDER;
        header.header_length = V2_HEADER_LENGTH;
    } else {
        if (bytes.size() < V3_HEADER_LENGTH)
            return fail(what, "file is {} bytes, shorter than a version 3 header", bytes.size());
        header.incompatible_features = load_be64(bytes, 72);
        header.compatible_features = load_be64(bytes, 80);
        header.autoclear_features = load_be64(bytes, 88);
        header.refcount_order = load_be32(bytes, 96);
        header.header_length = load_be32(bytes, 100);
        if (header.header_length < V3_HEADER_LENGTH || header.header_length % 8 != 0 ||
            header.header_length > std::min<std::uint64_t>(cluster, bytes.size()))
            return fail(what, "header_length {} is not a multiple of 8 between {} and the cluster size",
                        header.header_length, V3_HEADER_LENGTH);
        if (header.refcount_order > MAX_REFCOUNT_ORDER)
            return fail(what, "refcount_order {} is larger than {}", header.refcount_order, MAX_REFCOUNT_ORDER);
        if (header.header_length > V3_HEADER_LENGTH) {
            std::uint8_t type = bytes[104];
            if (type > 1)
                return fail(what, "compression_type {} is unknown (0 zlib, 1 zstd)", type);
            header.compression_type = static_cast<CompressionType>(type);
        }
        bool flagged = (header.incompatible_features & INCOMPAT_COMPRESSION) != 0;
        if (flagged != (header.compression_type != CompressionType::Zlib))
            return fail(what, "incompatible_features bit 3 (compression type) disagrees with compression_type {}",
                        static_cast<unsigned>(header.compression_type));
    }

    // Extensions run up to the backing file name when it is in the first cluster, else to its end.
    std::uint64_t area_end = std::min<std::uint64_t>(cluster, bytes.size());
    if (header.backing_file_offset != 0) {
        if (header.backing_file_size == 0 || header.backing_file_size > MAX_BACKING_FILE_NAME)
            return fail(what, "backing_file_size {} is outside 1..{}", header.backing_file_size, MAX_BACKING_FILE_NAME);
        if (header.backing_file_offset < header.header_length || header.backing_file_size > area_end ||
            header.backing_file_offset > area_end - header.backing_file_size)
            return fail(what, "backing_file_offset {} with size {} is outside the header cluster",
                        header.backing_file_offset, header.backing_file_size);
        auto name = bytes.subspan(header.backing_file_offset, header.backing_file_size);
        header.backing_file.assign(name.begin(), name.end());
        area_end = header.backing_file_offset;
    } else if (header.backing_file_size != 0) {
        return fail(what, "backing_file_size {} without a backing_file_offset", header.backing_file_size);
    }
    TRY(parse_extensions(header, bytes, header.header_length, area_end, what));

    std::uint64_t unknown = header.incompatible_features & ~INCOMPAT_SUPPORTED;
    if (unknown != 0)
        return fail(what, "incompatible_features {} are not supported", incompatible_names(header, unknown));

    std::uint64_t needed_l1 = l1_entries_for(header.size, bits);
    if (header.l1_size < needed_l1)
        return fail(what, "l1_size {} is too small for size {} (needs {})", header.l1_size, header.size, needed_l1);
    if (std::uint64_t{header.l1_size} * 8 > MAX_L1_BYTES)
        return fail(what, "l1_size {} is larger than {} entries", header.l1_size, MAX_L1_BYTES / 8);
    TRY(check_table(what, "l1_table_offset", header.l1_table_offset, std::uint64_t{header.l1_size} * 8, bits,
                    file_size));
    if (header.refcount_table_clusters == 0)
        return fail(what, "refcount_table_clusters is 0");
    if (std::uint64_t{header.refcount_table_clusters} * cluster > MAX_REFTABLE_BYTES)
        return fail(what, "refcount_table_clusters {} is larger than {} bytes", header.refcount_table_clusters,
                    MAX_REFTABLE_BYTES);
    TRY(check_table(what, "refcount_table_offset", header.refcount_table_offset,
                    std::uint64_t{header.refcount_table_clusters} * cluster, bits, file_size));
    if (header.nb_snapshots > MAX_SNAPSHOTS)
        return fail(what, "nb_snapshots {} is larger than {}", header.nb_snapshots, MAX_SNAPSHOTS);
    if (header.nb_snapshots > 0)
        TRY(check_table(what, "snapshots_offset", header.snapshots_offset, 40, bits, file_size));
    return header;
}

Result<std::vector<std::uint8_t>> Header::encode() const
{
    const std::uint64_t cluster = cluster_size();
    std::vector<std::uint8_t> out(cluster, 0);
    std::span<std::uint8_t> bytes(out);
    std::uint32_t length = version == 2 ? V2_HEADER_LENGTH : header_length;
    std::size_t at = length;
    auto put_extension = [&](std::uint32_t type, std::span<const std::uint8_t> data) -> bool {
        std::size_t padded = (data.size() + 7) & ~std::size_t{7};
        if (at + 8 + padded + 8 > cluster)
            return false;
        store_be32(bytes, at, type);
        store_be32(bytes, at + 4, static_cast<std::uint32_t>(data.size()));
        std::copy(data.begin(), data.end(), out.begin() + static_cast<std::ptrdiff_t>(at + 8));
        at += 8 + padded;
        return true;
    };
    bool fits = true;
    if (backing_format) {
        std::vector<std::uint8_t> data(backing_format->begin(), backing_format->end());
        fits = fits && put_extension(EXT_BACKING_FORMAT, data);
    }
    if (!feature_names.empty()) {
        std::vector<std::uint8_t> data(feature_names.size() * FEATURE_NAME_ENTRY, 0);
        for (std::size_t i = 0; i < feature_names.size(); ++i) {
            data[i * FEATURE_NAME_ENTRY] = feature_names[i].kind;
            data[i * FEATURE_NAME_ENTRY + 1] = feature_names[i].bit;
            std::copy_n(feature_names[i].name.begin(), std::min<std::size_t>(feature_names[i].name.size(), 46),
                        data.begin() + static_cast<std::ptrdiff_t>(i * FEATURE_NAME_ENTRY + 2));
        }
        fits = fits && put_extension(EXT_FEATURE_NAMES, data);
    }
    for (const auto& extension : unknown_extensions)
        fits = fits && put_extension(extension.type, extension.data);
    at += 8;  // end-of-extensions marker (zeros)
    if (!fits || at + backing_file.size() > cluster)
        return fail("encode qcow2 header", "header extensions and backing file name do not fit in one cluster");
    std::uint64_t backing_offset = backing_file.empty() ? 0 : at;
    std::copy(backing_file.begin(), backing_file.end(), out.begin() + static_cast<std::ptrdiff_t>(at));

    store_be32(bytes, 0, MAGIC);
    store_be32(bytes, 4, version);
    store_be64(bytes, 8, backing_offset);
    store_be32(bytes, 16, static_cast<std::uint32_t>(backing_file.size()));
    store_be32(bytes, 20, cluster_bits);
    store_be64(bytes, 24, size);
    store_be32(bytes, 32, crypt_method);
    store_be32(bytes, 36, l1_size);
    store_be64(bytes, 40, l1_table_offset);
    store_be64(bytes, 48, refcount_table_offset);
    store_be32(bytes, 56, refcount_table_clusters);
    store_be32(bytes, 60, nb_snapshots);
    store_be64(bytes, 64, snapshots_offset);
    if (version == 3) {
        store_be64(bytes, 72, incompatible_features);
        store_be64(bytes, 80, compatible_features);
        store_be64(bytes, 88, autoclear_features);
        store_be32(bytes, 96, refcount_order);
        store_be32(bytes, 100, length);
        if (length > V3_HEADER_LENGTH)
            out[104] = static_cast<std::uint8_t>(compression_type);
    }
    return out;
}

}  // namespace nimbus::qcow2
