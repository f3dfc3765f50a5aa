// Qcow2Image I/O: cluster-by-cluster reads (data, zero, compressed, backing) and writes
// (in place, or into a new cluster with copy-on-write of what the old mapping showed).
#include <algorithm>
#include <cstring>

#include "block/iov_cursor.hpp"
#include "block/qcow2/compression.hpp"
#include "block/qcow2/layout.hpp"
#include "block/qcow2/qcow2_image.hpp"
#include "block/request_range.hpp"

namespace nimbus::qcow2 {

namespace {

struct CompressedExtent {
    std::uint64_t offset;  // first byte of the compressed data
    std::uint64_t length;  // bytes from `offset` to the end of its last 512-byte sector
};

CompressedExtent compressed_extent(std::uint64_t entry, std::uint32_t cluster_bits)
{
    const std::uint32_t shift = 62 - (cluster_bits - 8);
    std::uint64_t offset = entry & ((1ull << shift) - 1);
    std::uint64_t sectors = ((entry >> shift) & ((1ull << (cluster_bits - 8)) - 1)) + 1;
    return {offset, sectors * 512 - (offset & 511)};
}

void scatter(std::span<const iovec> buffers, std::span<const std::uint8_t> data)
{
    std::size_t at = 0;
    for (const auto& buffer : buffers) {
        if (buffer.iov_len == 0)
            continue;
        std::memcpy(buffer.iov_base, data.data() + at, buffer.iov_len);
        at += buffer.iov_len;
    }
}

std::vector<std::uint8_t> gather(std::span<const iovec> buffers, std::uint64_t length)
{
    std::vector<std::uint8_t> data(length);
    std::size_t at = 0;
    for (const auto& buffer : buffers) {
        if (buffer.iov_len == 0)
            continue;
        std::memcpy(data.data() + at, buffer.iov_base, buffer.iov_len);
        at += buffer.iov_len;
    }
    return data;
}

}  // namespace

// Guest-controlled: L2 entries come from the image file.
Result<std::uint64_t> Qcow2Image::data_offset(std::uint64_t entry) const
{
    std::uint64_t reserved = L2_STANDARD_RESERVED_MASK | (m_header.version == 2 ? L2_ZERO : 0);
    std::uint64_t offset = entry & OFFSET_MASK;
    if ((entry & reserved) != 0 || (offset & (m_header.cluster_size() - 1)) != 0)
        return fail(m_file.path(), "L2 entry {:#x} has reserved bits or an unaligned offset", entry);
    return offset;
}

Result<void> Qcow2Image::read_compressed(std::uint64_t entry, std::span<std::uint8_t> cluster_out)
{
    if (entry == m_decompressed_entry && !m_decompressed.empty()) {
        std::copy(m_decompressed.begin(), m_decompressed.end(), cluster_out.begin());
        return {};
    }
    auto extent = compressed_extent(entry, m_header.cluster_bits);
    if (extent.offset < m_header.cluster_size() || extent.offset > MAX_VIRTUAL_SIZE)
        return fail(m_file.path(), "compressed L2 entry {:#x} points outside the image", entry);
    std::vector<std::uint8_t> packed(extent.length);
    TRY(m_file.read_at(extent.offset, packed, true));
    if (auto done = decompress_cluster(m_header.compression_type, packed, cluster_out); !done)
        return fail(m_file.path(), "compressed cluster at {:#x}: {}", extent.offset, done.error().detail);
    m_decompressed.assign(cluster_out.begin(), cluster_out.end());
    m_decompressed_entry = entry;
    return {};
}

Result<void> Qcow2Image::read_unallocated(std::uint64_t guest_offset, std::span<std::uint8_t> out)
{
    std::fill(out.begin(), out.end(), std::uint8_t{0});
    if (!m_backing || guest_offset >= m_backing->size())
        return {};
    std::uint64_t inside = std::min<std::uint64_t>(out.size(), m_backing->size() - guest_offset);
    return m_backing->read(guest_offset, out.first(inside));
}

Result<void> Qcow2Image::read_cluster(std::uint64_t guest_cluster, std::uint64_t within, std::span<std::uint8_t> out)
{
    std::uint64_t entry = TRY(m_map.entry(guest_cluster));
    if ((entry & L2_COMPRESSED) != 0) {
        std::vector<std::uint8_t> cluster(m_header.cluster_size());
        TRY(read_compressed(entry, cluster));
        std::copy_n(cluster.begin() + static_cast<std::ptrdiff_t>(within), out.size(), out.begin());
        return {};
    }
    std::uint64_t offset = TRY(data_offset(entry));
    // A zero cluster reads as zeros and never falls through to the backing file.
    if (m_header.version >= 3 && (entry & L2_ZERO) != 0) {
        std::fill(out.begin(), out.end(), std::uint8_t{0});
        return {};
    }
    if (offset == 0)
        return read_unallocated((guest_cluster << m_header.cluster_bits) + within, out);
    return m_file.read_at(offset + within, out, true);
}

Result<void> Qcow2Image::readv(std::uint64_t offset, std::span<const iovec> buffers)
{
    std::uint64_t length = TRY(iov_total_length(buffers));
    TRY(check_request_range("read " + m_file.path(), offset, length, m_header.size));
    // One buffer (the common case) is read into directly; several go through a bounce buffer.
    std::vector<std::uint8_t> bounce;
    std::span<std::uint8_t> data;
    if (buffers.size() == 1) {
        data = {static_cast<std::uint8_t*>(buffers[0].iov_base), length};
    } else {
        bounce.resize(length);
        data = bounce;
    }
    {
        std::lock_guard lock(m_mutex);
        std::uint64_t done = 0;
        while (done < length) {
            std::uint64_t at = offset + done;
            std::uint64_t within = at & (m_header.cluster_size() - 1);
            std::uint64_t chunk = std::min(length - done, m_header.cluster_size() - within);
            TRY(read_cluster(at >> m_header.cluster_bits, within, data.subspan(done, chunk)));
            done += chunk;
        }
    }
    if (!bounce.empty())
        scatter(buffers, bounce);
    return {};
}

Result<void> Qcow2Image::release_entry(std::uint64_t entry)
{
    if ((entry & L2_COMPRESSED) != 0) {
        auto extent = compressed_extent(entry, m_header.cluster_bits);
        std::uint64_t first = (extent.offset & ~std::uint64_t{511}) >> m_header.cluster_bits;
        std::uint64_t last = (extent.offset + extent.length - 1) >> m_header.cluster_bits;
        for (std::uint64_t cluster = first; cluster <= last; ++cluster)
            m_allocator->free_later(cluster << m_header.cluster_bits);
        return {};
    }
    if (std::uint64_t offset = TRY(data_offset(entry)); offset != 0)
        m_allocator->free_later(offset);
    return {};
}

Result<void> Qcow2Image::write_cluster(std::uint64_t guest_cluster, std::uint64_t within,
                                       std::span<const std::uint8_t> data)
{
    const std::uint64_t cluster_size = m_header.cluster_size();
    std::uint64_t entry = TRY(m_map.entry(guest_cluster));
    if ((entry & L2_COMPRESSED) == 0) {
        std::uint64_t offset = TRY(data_offset(entry));
        bool zero = m_header.version >= 3 && (entry & L2_ZERO) != 0;
        if (offset != 0 && (offset >= m_allocator->end_offset() || m_allocator->is_protected(offset)))
            return fail(m_file.path(), "L2 entry {:#x} points at image metadata or past the end of the image",
                        entry);
        bool owned = offset != 0 && ((entry & ENTRY_COPIED) != 0 ||
                                     TRY(m_refcounts.get(offset >> m_header.cluster_bits)) == 1);
        if (owned && !zero) {
            TRY(m_file.write_at(offset + within, data));
            if ((entry & ENTRY_COPIED) == 0)
                TRY(m_map.set_entry(guest_cluster, offset | ENTRY_COPIED, *m_allocator));
            return {};
        }
        if (owned) {  // a preallocated zero cluster: fill it and drop the zero flag
            std::vector<std::uint8_t> full(cluster_size, 0);
            std::copy(data.begin(), data.end(), full.begin() + static_cast<std::ptrdiff_t>(within));
            TRY(m_file.write_at(offset, full));
            return m_map.set_entry(guest_cluster, offset | ENTRY_COPIED, *m_allocator);
        }
    }
    // A whole cluster is written as it is; a part is merged into the old contents (copy-on-write).
    std::vector<std::uint8_t> full;
    if (data.size() != cluster_size) {
        full.resize(cluster_size);
        TRY(read_cluster(guest_cluster, 0, full));
        std::copy(data.begin(), data.end(), full.begin() + static_cast<std::ptrdiff_t>(within));
    }
    std::uint64_t fresh = TRY(m_allocator->allocate(1));
    TRY(m_file.write_at(fresh, full.empty() ? data : std::span<const std::uint8_t>(full)));
    TRY(m_map.set_entry(guest_cluster, fresh | ENTRY_COPIED, *m_allocator));
    if (entry == m_decompressed_entry)
        m_decompressed.clear();
    return release_entry(entry);
}

Result<void> Qcow2Image::writev(std::uint64_t offset, std::span<const iovec> buffers)
{
    std::uint64_t length = TRY(iov_total_length(buffers));
    TRY(check_write("write", offset, length));
    std::vector<std::uint8_t> bounce;
    std::span<const std::uint8_t> data;
    if (buffers.size() == 1) {
        data = {static_cast<const std::uint8_t*>(buffers[0].iov_base), length};
    } else {
        bounce = gather(buffers, length);
        data = bounce;
    }
    std::lock_guard lock(m_mutex);
    TRY(mark_dirty_locked());
    std::uint64_t done = 0;
    while (done < length) {
        std::uint64_t at = offset + done;
        std::uint64_t within = at & (m_header.cluster_size() - 1);
        std::uint64_t chunk = std::min(length - done, m_header.cluster_size() - within);
        TRY(write_cluster(at >> m_header.cluster_bits, within, data.subspan(done, chunk)));
        done += chunk;
    }
    return {};
}

Result<void> Qcow2Image::zero_cluster(std::uint64_t guest_cluster, bool unmap, bool discard_only)
{
    std::uint64_t entry = TRY(m_map.entry(guest_cluster));
    bool compressed = (entry & L2_COMPRESSED) != 0;
    std::uint64_t offset = compressed ? 0 : TRY(data_offset(entry));
    if (m_header.version < 3 && (!unmap || m_backing)) {
        if (discard_only)
            return {};  // v2 cannot say "zero" over a backing file; the data may stay
        std::vector<std::uint8_t> zeros(m_header.cluster_size(), 0);
        return write_cluster(guest_cluster, 0, zeros);
    }
    // Without a backing file an unallocated cluster already reads as zeros.
    std::uint64_t target = m_backing ? L2_ZERO : 0;
    if (m_header.version >= 3 && !unmap && !compressed && offset != 0 && (entry & ENTRY_COPIED) != 0) {
        target = offset | ENTRY_COPIED | L2_ZERO;  // keep the allocation, as write-zeroes without unmap asks
        return entry == target ? Result<void>{} : m_map.set_entry(guest_cluster, target, *m_allocator);
    }
    if (entry == target)
        return {};
    TRY(m_map.set_entry(guest_cluster, target, *m_allocator));
    if (entry == m_decompressed_entry)
        m_decompressed.clear();
    if (compressed || offset != 0)
        TRY(release_entry(entry));
    return {};
}

Result<void> Qcow2Image::zero_range(std::string_view what, std::uint64_t offset, std::uint64_t length, bool unmap,
                                    bool discard_only)
{
    TRY(check_write(what, offset, length));
    std::lock_guard lock(m_mutex);
    TRY(mark_dirty_locked());
    const std::uint64_t cluster_size = m_header.cluster_size();
    std::uint64_t done = 0;
    while (done < length) {
        std::uint64_t at = offset + done;
        std::uint64_t within = at & (cluster_size - 1);
        std::uint64_t chunk = std::min(length - done, cluster_size - within);
        bool whole = chunk == cluster_size || (within == 0 && at + chunk == m_header.size);
        if (whole) {
            TRY(zero_cluster(at >> m_header.cluster_bits, unmap, discard_only));
        } else if (!discard_only) {
            std::vector<std::uint8_t> zeros(chunk, 0);
            TRY(write_cluster(at >> m_header.cluster_bits, within, zeros));
        }
        done += chunk;
    }
    return {};
}

Result<void> Qcow2Image::discard(std::uint64_t offset, std::uint64_t length)
{
    return zero_range("discard", offset, length, true, true);
}

Result<void> Qcow2Image::write_zeroes(std::uint64_t offset, std::uint64_t length, bool may_unmap)
{
    return zero_range("write zeroes", offset, length, may_unmap, false);
}

Result<Qcow2Image::ClusterKind> Qcow2Image::cluster_kind(std::uint64_t guest_offset)
{
    std::lock_guard lock(m_mutex);
    std::uint64_t entry = TRY(m_map.entry(guest_offset >> m_header.cluster_bits));
    if ((entry & L2_COMPRESSED) != 0)
        return ClusterKind::Compressed;
    std::uint64_t offset = TRY(data_offset(entry));
    if (m_header.version >= 3 && (entry & L2_ZERO) != 0)
        return ClusterKind::Zero;
    return offset == 0 ? ClusterKind::Unallocated : ClusterKind::Data;
}

Result<void> Qcow2Image::preallocate_metadata()
{
    std::lock_guard lock(m_mutex);
    std::uint64_t clusters = (m_header.size + m_header.cluster_size() - 1) >> m_header.cluster_bits;
    for (std::uint64_t cluster = 0; cluster < clusters; ++cluster) {
        if (TRY(m_map.entry(cluster)) != 0)
            continue;
        std::uint64_t fresh = TRY(m_allocator->allocate(1));
        TRY(m_map.set_entry(cluster, fresh | ENTRY_COPIED, *m_allocator));
    }
    return flush_locked();
}

}  // namespace nimbus::qcow2
