// Qcow2 header: the parsed, validated first cluster (fields, feature bits, header extensions).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "block/qcow2/layout.hpp"

namespace nimbus::qcow2 {

struct HeaderExtension final {
    std::uint32_t type = 0;
    std::vector<std::uint8_t> data;
};

struct FeatureName final {
    std::uint8_t kind = 0;  // 0 incompatible, 1 compatible, 2 autoclear
    std::uint8_t bit = 0;
    std::string name;
};

struct Header final {
    std::uint32_t version = 3;
    std::uint64_t backing_file_offset = 0;
    std::uint32_t backing_file_size = 0;
    std::uint32_t cluster_bits = DEFAULT_CLUSTER_BITS;
    std::uint64_t size = 0;
    std::uint32_t crypt_method = 0;
    std::uint32_t l1_size = 0;
    std::uint64_t l1_table_offset = 0;
    std::uint64_t refcount_table_offset = 0;
    std::uint32_t refcount_table_clusters = 0;
    std::uint32_t nb_snapshots = 0;
    std::uint64_t snapshots_offset = 0;
    std::uint64_t incompatible_features = 0;
    std::uint64_t compatible_features = 0;
    std::uint64_t autoclear_features = 0;
    std::uint32_t refcount_order = DEFAULT_REFCOUNT_ORDER;
    std::uint32_t header_length = V3_HEADER_LENGTH;
    CompressionType compression_type = CompressionType::Zlib;

    std::string backing_file;                    // empty: none
    std::optional<std::string> backing_format;   // from the backing format extension
    std::vector<FeatureName> feature_names;
    std::vector<HeaderExtension> unknown_extensions;  // kept and written back as they were

    std::uint64_t cluster_size() const { return 1ull << cluster_bits; }
    std::uint64_t l2_entries() const { return cluster_size() / 8; }
    std::uint32_t refcount_bits() const { return 1u << refcount_order; }
    bool dirty() const { return (incompatible_features & INCOMPAT_DIRTY) != 0; }
    bool corrupt() const { return (incompatible_features & INCOMPAT_CORRUPT) != 0; }
    bool lazy_refcounts() const { return (compatible_features & COMPAT_LAZY_REFCOUNTS) != 0; }

    // Validates every field of an untrusted first cluster (`bytes` holds at least the header
    // cluster or the whole file if shorter). Errors name the field; `what` is "qcow2 header of PATH".
    static Result<Header> parse(std::span<const std::uint8_t> bytes, std::uint64_t file_size, const std::string& what);

    // The L1 entries a disk of `size` bytes needs with `cluster_bits`.
    static std::uint64_t l1_entries_for(std::uint64_t size, std::uint32_t cluster_bits);

    // The header cluster: fields, extensions (backing format, feature names, unknown ones) and the
    // backing file name after them. Fails if they do not fit in one cluster.
    Result<std::vector<std::uint8_t>> encode() const;
};

}  // namespace nimbus::qcow2
