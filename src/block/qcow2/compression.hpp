// Compressed clusters: zlib raw deflate and zstd, as qcow2 stores them.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/error.hpp"
#include "block/qcow2/layout.hpp"

namespace nimbus::qcow2 {

// Fills `out` (one cluster) from `in`, which may carry trailing padding. Fails on malformed data
// or when the data does not fill the whole cluster.
Result<void> decompress_cluster(CompressionType type, std::span<const std::uint8_t> in, std::span<std::uint8_t> out);
// The compressed form of one cluster, or an empty vector when it would not be smaller.
Result<std::vector<std::uint8_t>> compress_cluster(CompressionType type, std::span<const std::uint8_t> in);

}  // namespace nimbus::qcow2
