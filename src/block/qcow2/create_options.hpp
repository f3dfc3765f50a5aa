// CreateOptions: what `img create -f qcow2 -o ...` asks for.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "block/qcow2/layout.hpp"

namespace nimbus::qcow2 {

enum class Preallocation { Off, Metadata, Falloc, Full };

struct CreateOptions final {
    std::optional<std::uint64_t> size;  // none: the backing file's size
    std::uint32_t version = 3;          // compat=0.10 is 2, compat=1.1 is 3
    std::uint32_t cluster_bits = DEFAULT_CLUSTER_BITS;
    std::uint32_t refcount_order = DEFAULT_REFCOUNT_ORDER;
    bool lazy_refcounts = false;
    Preallocation preallocation = Preallocation::Off;
    CompressionType compression_type = CompressionType::Zlib;
    std::string backing_file;                   // as stored in the header (relative to the image)
    std::optional<std::string> backing_format;  // "raw" or "qcow2"; probed when absent
};

}  // namespace nimbus::qcow2
