// IovCursor: trimming a scatter/gather list after a short transfer.
#include "block/iov_cursor.hpp"

#include <algorithm>
#include <limits>

namespace nimbus {

Result<std::uint64_t> iov_total_length(std::span<const iovec> buffers)
{
    std::uint64_t total = 0;
    for (const iovec& buffer : buffers) {
        if (buffer.iov_len > std::numeric_limits<std::uint64_t>::max() - total)
            return fail("scatter/gather list", "total length overflows 64 bits");
        total += buffer.iov_len;
    }
    return total;
}

IovCursor::IovCursor(std::span<const iovec> buffers)
{
    m_entries.reserve(buffers.size());
    for (const iovec& buffer : buffers) {
        if (buffer.iov_len == 0)
            continue;
        m_entries.push_back(buffer);
        m_remaining += buffer.iov_len;
    }
}

IovCursor::IovCursor(std::vector<iovec>&& buffers) : m_entries(std::move(buffers))
{
    std::erase_if(m_entries, [](const iovec& entry) { return entry.iov_len == 0; });
    for (const iovec& entry : m_entries)
        m_remaining += entry.iov_len;
}

std::span<const iovec> IovCursor::remaining_entries(std::size_t max_entries) const
{
    std::size_t count = std::min(max_entries, m_entries.size() - m_index);
    return {m_entries.data() + m_index, count};
}

void IovCursor::advance(std::uint64_t bytes)
{
    m_remaining -= bytes;
    while (bytes > 0) {
        iovec& entry = m_entries[m_index];
        if (bytes < entry.iov_len) {
            entry.iov_base = static_cast<std::uint8_t*>(entry.iov_base) + bytes;
            entry.iov_len -= bytes;
            return;
        }
        bytes -= entry.iov_len;
        ++m_index;
    }
}

}  // namespace nimbus
