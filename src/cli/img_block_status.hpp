// Block status of an image and its backing chain, in qemu-img map's terms (present, zero, data).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "block/disk_image.hpp"

namespace nimbus::cli {

struct Extent {
    std::uint64_t start = 0;
    std::uint64_t length = 0;
    unsigned depth = 0;    // how far down the backing chain the bytes come from
    bool present = false;  // allocated in some image of the chain
    bool zero = false;     // reads as zeros
    bool data = false;     // backed by data in a file
    std::optional<std::uint64_t> offset;  // where in `file` the bytes are
    std::string file;

    bool continues(const Extent& before) const;
};

// Walks the chain from `image` (a RawImage or Qcow2Image, with their backings) and reports the
// status from `offset` on: at most `max` bytes, one cluster or one file extent at a time.
class BlockStatus final {
public:
    explicit BlockStatus(DiskImage& image) : m_image(image) {}
    Result<Extent> at(std::uint64_t offset, std::uint64_t max);
    // The whole image, neighbouring extents merged as qemu-img map merges them.
    Result<std::vector<Extent>> map();

private:
    Result<Extent> at(DiskImage& image, unsigned depth, std::uint64_t offset, std::uint64_t max);

    DiskImage& m_image;
    std::optional<bool> m_prealloc;  // QEMU's "metadata preallocation" guess for the top image
    UniqueFd m_top_file;             // the top qcow2 file, for looking at holes when m_prealloc
};

}  // namespace nimbus::cli
