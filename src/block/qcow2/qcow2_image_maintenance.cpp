// Qcow2Image maintenance for `nimbus img`: cluster mappings, resize (L1 growth and shrinking) and
// backing file changes, each in QEMU's order so a crash at worst leaks clusters.
#include "block/qcow2/big_endian.hpp"
#include "block/qcow2/layout.hpp"
#include "block/qcow2/qcow2_image.hpp"

namespace nimbus::qcow2 {

namespace {

constexpr std::uint64_t HEADER_SIZE_OFFSET = 24;

}  // namespace

Result<Qcow2Image::ClusterMapping> Qcow2Image::cluster_mapping(std::uint64_t guest_offset)
{
    std::lock_guard lock(m_mutex);
    std::uint64_t entry = TRY(m_map.entry(guest_offset >> m_header.cluster_bits));
    if ((entry & L2_COMPRESSED) != 0)
        return ClusterMapping{ClusterKind::Compressed, 0};
    std::uint64_t offset = TRY(data_offset(entry));
    if (m_header.version >= 3 && (entry & L2_ZERO) != 0)
        return ClusterMapping{ClusterKind::Zero, offset};
    return ClusterMapping{offset == 0 ? ClusterKind::Unallocated : ClusterKind::Data, offset};
}

Result<std::uint64_t> Qcow2Image::referenced_clusters(std::uint64_t limit)
{
    std::lock_guard lock(m_mutex);
    std::uint64_t end = m_allocator->end_offset() >> m_header.cluster_bits;
    std::uint64_t count = 0;
    for (std::uint64_t cluster = 0; cluster < end && count < limit; ++cluster)
        if (TRY(m_refcounts.get(cluster)) != 0)
            ++count;
    return count;
}

Result<void> Qcow2Image::unmap_clusters(std::uint64_t first, std::uint64_t last)
{
    for (std::uint64_t index = first; index < last; ++index) {
        if ((index >> (m_header.cluster_bits - 3)) < m_map.l1().size() &&
            TRY(m_map.l2_offset(index >> (m_header.cluster_bits - 3))) == 0) {
            index |= (1ull << (m_header.cluster_bits - 3)) - 1;  // no L2 table: nothing mapped here
            continue;
        }
        std::uint64_t entry = TRY(m_map.entry(index));
        if (entry == 0)
            continue;
        TRY(m_map.set_entry(index, 0, *m_allocator));
        if (entry == m_decompressed_entry)
            m_decompressed.clear();
        TRY(release_entry(entry));
    }
    return flush_locked();
}

Result<void> Qcow2Image::make_empty()
{
    if (m_read_only)
        return fail("empty " + m_file.path(), "the image is open read-only");
    std::lock_guard lock(m_mutex);
    if (m_header.nb_snapshots > 0)
        return fail("empty " + m_file.path(), "the image has internal snapshots, which would keep its clusters");
    return unmap_clusters(0, (m_header.size + m_header.cluster_size() - 1) >> m_header.cluster_bits);
}

Result<void> Qcow2Image::resize(std::uint64_t new_size)
{
    std::string what = "resize " + m_file.path();
    if (m_read_only)
        return fail(what, "the image is open read-only");
    if (new_size > MAX_VIRTUAL_SIZE || new_size % 512 != 0)
        return fail(what, "size {} is not a multiple of 512 up to {}", new_size, MAX_VIRTUAL_SIZE);
    std::lock_guard lock(m_mutex);
    if (new_size < m_header.size && m_header.nb_snapshots > 0)
        return fail(what, "Can't shrink an image which has snapshots");
    if (m_header.nb_snapshots > 0 && m_header.version < 3)
        return fail(what, "Can't resize a v2 image which has snapshots");
    const std::uint64_t cluster = m_header.cluster_size();
    if (new_size < m_header.size) {
        // Whole clusters past the new end go; the partial last cluster keeps its data, as QEMU's.
        std::uint64_t first = (new_size + cluster - 1) >> m_header.cluster_bits;
        std::uint64_t last = (m_header.size + cluster - 1) >> m_header.cluster_bits;
        TRY(unmap_clusters(first, last));
        std::uint64_t keep = Header::l1_entries_for(new_size, m_header.cluster_bits);
        for (std::uint64_t index = keep; index < m_map.l1().size(); ++index) {
            std::uint64_t l2 = m_map.l1()[index] & OFFSET_MASK;
            if (l2 == 0)
                continue;
            m_map.set_l1_entry(index, 0);
            m_allocator->free_later(l2);
        }
        TRY(flush_locked());
    }
    std::uint64_t needed = Header::l1_entries_for(new_size, m_header.cluster_bits);
    if (needed > m_header.l1_size) {
        if (needed > MAX_L1_BYTES / 8)
            return fail(what, "{} L1 entries exceed the limit of {}", needed, MAX_L1_BYTES / 8);
        std::uint64_t old_clusters = (std::uint64_t{m_header.l1_size} * 8 + cluster - 1) >> m_header.cluster_bits;
        std::uint64_t new_clusters = (needed * 8 + cluster - 1) >> m_header.cluster_bits;
        TRY(flush_locked());
        std::vector<std::uint8_t> bytes(new_clusters << m_header.cluster_bits, 0);
        for (std::size_t index = 0; index < m_map.l1().size(); ++index)
            store_be64(bytes, index * 8, m_map.l1()[index]);
        std::uint64_t l1_offset = m_header.l1_table_offset;
        if (new_clusters > old_clusters || l1_offset == 0) {
            l1_offset = TRY(m_allocator->allocate(new_clusters));
            TRY(m_file.write_at(l1_offset, bytes));
            TRY(flush_locked());  // the new table's refcounts and contents before the header
        } else {
            auto grown = std::span<const std::uint8_t>(bytes).subspan(std::size_t{m_header.l1_size} * 8,
                                                                       (needed - m_header.l1_size) * 8);
            TRY(m_file.write_at(l1_offset + std::uint64_t{m_header.l1_size} * 8, grown));
            TRY(m_file.sync());
        }
        std::uint8_t fields[12];
        store_be32(fields, 0, static_cast<std::uint32_t>(needed));
        store_be64(fields, 4, l1_offset);
        TRY(m_file.write_at(HEADER_L1_SIZE_OFFSET, fields));
        TRY(m_file.sync());
        std::uint64_t old_offset = m_header.l1_table_offset;
        m_header.l1_size = static_cast<std::uint32_t>(needed);
        m_header.l1_table_offset = l1_offset;
        TRY(m_map.load(l1_offset, m_header.l1_size));
        if (old_offset != l1_offset && old_offset != 0)
            for (std::uint64_t at = 0; at < old_clusters; ++at)
                TRY(m_allocator->adjust(old_offset + (at << m_header.cluster_bits), -1));
        TRY(m_refcounts.write_dirty());
    }
    std::uint8_t size_field[8];
    store_be64(size_field, 0, new_size);
    TRY(m_file.write_at(HEADER_SIZE_OFFSET, size_field));
    TRY(m_file.sync());
    m_header.size = new_size;
    return {};
}

Result<void> Qcow2Image::set_backing_file(const std::string& file, const std::optional<std::string>& format)
{
    std::string what = "rebase " + m_file.path();
    if (m_read_only)
        return fail(what, "the image is open read-only");
    std::lock_guard lock(m_mutex);
    TRY(flush_locked());
    Header changed = m_header;
    changed.backing_file = file;
    changed.backing_format = file.empty() ? std::nullopt : format;
    changed.incompatible_features &= ~INCOMPAT_DIRTY;  // everything is flushed
    std::vector<std::uint8_t> bytes = TRY(changed.encode());
    TRY(m_file.write_at(0, bytes));
    TRY(m_file.sync());
    m_header = std::move(changed);
    m_marked_dirty = false;
    return {};
}

}  // namespace nimbus::qcow2
