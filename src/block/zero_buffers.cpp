// Zero buffers: one static 64 KiB block of zeros, repeated.
#include "block/zero_buffers.hpp"

#include <algorithm>

namespace nimbus {

namespace {
constexpr std::size_t ZERO_BLOCK_BYTES = ZERO_BUFFERS_MAX_BYTES / ZERO_BUFFERS_MAX_ENTRIES;
// Only ever passed to pwritev/IORING_OP_WRITEV, which read it; never written.
alignas(4096) const std::uint8_t g_zero_block[ZERO_BLOCK_BYTES] = {};
}  // namespace

std::size_t fill_zero_buffers(std::span<iovec> out, std::uint64_t length)
{
    std::size_t count = 0;
    while (length > 0 && count < ZERO_BUFFERS_MAX_ENTRIES && count < out.size()) {
        std::size_t chunk = static_cast<std::size_t>(std::min<std::uint64_t>(length, ZERO_BLOCK_BYTES));
        out[count++] = iovec{const_cast<std::uint8_t*>(g_zero_block), chunk};
        length -= chunk;
    }
    return count;
}

}  // namespace nimbus
