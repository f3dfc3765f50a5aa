// Qcow2 on-disk constants (QEMU docs/interop/qcow2.txt): magic, feature bits, table entry fields.
#pragma once

#include <cstdint>

namespace nimbus::qcow2 {

inline constexpr std::uint32_t MAGIC = 0x514649fb;  // "QFI\xfb"
inline constexpr std::uint32_t MIN_CLUSTER_BITS = 9;
inline constexpr std::uint32_t MAX_CLUSTER_BITS = 21;
inline constexpr std::uint32_t DEFAULT_CLUSTER_BITS = 16;
inline constexpr std::uint32_t MAX_REFCOUNT_ORDER = 6;
inline constexpr std::uint32_t DEFAULT_REFCOUNT_ORDER = 4;
inline constexpr std::uint32_t V2_HEADER_LENGTH = 72;
inline constexpr std::uint32_t V3_HEADER_LENGTH = 104;
inline constexpr std::uint32_t V3_HEADER_LENGTH_WITH_COMPRESSION = 112;
inline constexpr std::uint32_t MAX_BACKING_FILE_NAME = 1023;
inline constexpr std::uint64_t MAX_L1_BYTES = 32ull << 20;        // QEMU's QCOW_MAX_L1_SIZE
inline constexpr std::uint64_t MAX_REFTABLE_BYTES = 8ull << 20;   // QEMU's QCOW_MAX_REFTABLE_SIZE
inline constexpr std::uint32_t MAX_SNAPSHOTS = 65536;
inline constexpr std::uint64_t MAX_VIRTUAL_SIZE = 1ull << 61;      // keeps every offset computation in range

// Incompatible feature bits.
inline constexpr std::uint64_t INCOMPAT_DIRTY = 1ull << 0;
inline constexpr std::uint64_t INCOMPAT_CORRUPT = 1ull << 1;
inline constexpr std::uint64_t INCOMPAT_EXTERNAL_DATA = 1ull << 2;
inline constexpr std::uint64_t INCOMPAT_COMPRESSION = 1ull << 3;
inline constexpr std::uint64_t INCOMPAT_EXTENDED_L2 = 1ull << 4;
inline constexpr std::uint64_t INCOMPAT_SUPPORTED = INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_COMPRESSION;
// Compatible feature bits.
inline constexpr std::uint64_t COMPAT_LAZY_REFCOUNTS = 1ull << 0;

// Header extension types.
inline constexpr std::uint32_t EXT_END = 0;
inline constexpr std::uint32_t EXT_BACKING_FORMAT = 0xe2792aca;
inline constexpr std::uint32_t EXT_FEATURE_NAMES = 0x6803f857;
inline constexpr std::uint32_t EXT_EXTERNAL_DATA_FILE = 0x44415441;
inline constexpr std::uint32_t EXT_ENCRYPTION = 0x0537be77;

// Byte offsets of header fields that are rewritten in place.
inline constexpr std::uint64_t HEADER_INCOMPAT_OFFSET = 72;
inline constexpr std::uint64_t HEADER_REFCOUNT_TABLE_OFFSET = 48;
inline constexpr std::uint64_t HEADER_L1_SIZE_OFFSET = 36;
inline constexpr std::uint64_t HEADER_SNAPSHOTS_OFFSET = 60;

// L1 and L2 entries.
inline constexpr std::uint64_t ENTRY_COPIED = 1ull << 63;
inline constexpr std::uint64_t L2_COMPRESSED = 1ull << 62;
inline constexpr std::uint64_t L2_ZERO = 1ull << 0;
inline constexpr std::uint64_t OFFSET_MASK = 0x00fffffffffffe00ull;  // bits 9-55
inline constexpr std::uint64_t L1_RESERVED_MASK = 0x7f000000000001ffull;
inline constexpr std::uint64_t L2_STANDARD_RESERVED_MASK = 0x3f000000000001feull;
inline constexpr std::uint64_t REFTABLE_RESERVED_MASK = 0x1ffull;

enum class CompressionType : std::uint8_t { Zlib = 0, Zstd = 1 };

}  // namespace nimbus::qcow2
