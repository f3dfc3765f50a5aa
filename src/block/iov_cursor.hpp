// IovCursor: a position inside a scatter/gather list, advanced as partial transfers complete.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/error.hpp"

namespace nimbus {

// The total length of a scatter/gather list; fails if it does not fit in 64 bits.
Result<std::uint64_t> iov_total_length(std::span<const iovec> buffers);

class IovCursor final {
public:
    IovCursor() = default;
    // Keeps its own copy of the list (not of the memory it points to); empty entries are dropped.
    explicit IovCursor(std::span<const iovec> buffers);
    // Takes the list itself, saving a copy.
    explicit IovCursor(std::vector<iovec>&& buffers);

    // The entries not yet transferred, the first one trimmed, at most `max_entries` of them.
    std::span<const iovec> remaining_entries(std::size_t max_entries) const;
    std::uint64_t remaining_bytes() const { return m_remaining; }
    bool done() const { return m_remaining == 0; }
    // Precondition: bytes <= remaining_bytes().
    void advance(std::uint64_t bytes);

private:
    std::vector<iovec> m_entries;
    std::size_t m_index = 0;
    std::uint64_t m_remaining = 0;
};

}  // namespace nimbus
