// Qcow2Image internal snapshots: create (refcounts up, then the table), apply (snapshot's refs up,
// L1 swapped, old refs down) and delete (table first, then refcounts down), as QEMU orders them.
#include <algorithm>
#include <chrono>

#include "block/qcow2/big_endian.hpp"
#include "block/qcow2/compression.hpp"
#include "block/qcow2/layout.hpp"
#include "block/qcow2/qcow2_image.hpp"

namespace nimbus::qcow2 {

Result<std::vector<std::uint64_t>> Qcow2Image::read_l1(std::uint64_t offset, std::uint32_t entries)
{
    std::vector<std::uint8_t> bytes(std::size_t{entries} * 8);
    TRY(m_file.read_at(offset, bytes));
    std::vector<std::uint64_t> l1(entries);
    for (std::size_t i = 0; i < l1.size(); ++i)
        l1[i] = load_be64(bytes, i * 8);
    return l1;
}

// Guest-controlled: every entry is checked before its refcount changes.
Result<void> Qcow2Image::adjust_references(const std::vector<std::uint64_t>& l1, int delta)
{
    const std::uint64_t cluster = m_header.cluster_size();
    for (std::size_t index = 0; index < l1.size(); ++index) {
        std::uint64_t l2 = l1[index] & OFFSET_MASK;
        if ((l1[index] & L1_RESERVED_MASK) != 0 || (l2 & (cluster - 1)) != 0)
            return fail(m_file.path(), "L1 entry {} ({:#x}) has reserved bits or an unaligned offset", index, l1[index]);
        if (l2 == 0)
            continue;
        std::vector<std::uint8_t> table;
        {
            auto cached = TRY(m_map.l2_cache().get(l2));
            table.assign(cached.begin(), cached.end());
        }
        for (std::uint64_t entry_index = 0; entry_index < cluster / 8; ++entry_index) {
            std::uint64_t entry = load_be64(table, entry_index * 8);
            if ((entry & L2_COMPRESSED) != 0) {
                const std::uint32_t shift = 62 - (m_header.cluster_bits - 8);
                std::uint64_t start = entry & ((1ull << shift) - 1);
                std::uint64_t sectors = ((entry >> shift) & ((1ull << (m_header.cluster_bits - 8)) - 1)) + 1;
                std::uint64_t first = (start & ~std::uint64_t{511}) >> m_header.cluster_bits;
                std::uint64_t last = ((start & ~std::uint64_t{511}) + sectors * 512 - 1) >> m_header.cluster_bits;
                for (std::uint64_t host = first; host <= last; ++host)
                    TRY(m_allocator->adjust(host << m_header.cluster_bits, delta));
            } else if (std::uint64_t data = TRY(data_offset(entry)); data != 0) {
                TRY(m_allocator->adjust(data, delta));
            }
        }
        TRY(m_allocator->adjust(l2, delta));
    }
    return {};
}

Result<void> Qcow2Image::refresh_copied_flags()
{
    const std::uint64_t cluster = m_header.cluster_size();
    std::vector<std::uint64_t> l1 = m_map.l1();
    for (std::size_t index = 0; index < l1.size(); ++index) {
        std::uint64_t l2 = TRY(m_map.l2_offset(index));
        if (l2 == 0)
            continue;
        bool sole = TRY(m_refcounts.get(l2 >> m_header.cluster_bits)) == 1;
        l1[index] = sole ? (l1[index] | ENTRY_COPIED) : (l1[index] & ~ENTRY_COPIED);
        auto table = TRY(m_map.l2_cache().get(l2));
        bool changed = false;
        for (std::uint64_t entry_index = 0; entry_index < cluster / 8; ++entry_index) {
            std::uint64_t entry = load_be64(table, entry_index * 8);
            if ((entry & L2_COMPRESSED) != 0)
                continue;
            std::uint64_t data = TRY(data_offset(entry));
            if (data == 0)
                continue;
            bool data_sole = TRY(m_refcounts.get(data >> m_header.cluster_bits)) == 1;
            std::uint64_t updated = data_sole ? (entry | ENTRY_COPIED) : (entry & ~ENTRY_COPIED);
            if (updated != entry) {
                table = TRY(m_map.l2_cache().get(l2));
                store_be64(table, entry_index * 8, updated);
                changed = true;
            }
        }
        if (changed)
            m_map.l2_cache().mark_dirty(l2);
    }
    if (l1 != m_map.l1())
        m_map.replace_l1(std::move(l1));
    return {};
}

Result<void> Qcow2Image::replace_snapshot_table(const std::vector<Snapshot>& snapshots)
{
    std::vector<std::uint8_t> bytes = SnapshotTable::encode(snapshots, m_header.version);
    std::uint64_t new_offset = 0;
    std::uint64_t clusters = (bytes.size() + m_header.cluster_size() - 1) >> m_header.cluster_bits;
    if (clusters > 0) {
        new_offset = TRY(m_allocator->allocate(clusters));
        bytes.resize(clusters << m_header.cluster_bits, 0);
        TRY(m_file.write_at(new_offset, bytes));
    }
    TRY(flush_locked());
    std::uint64_t old_offset = m_header.snapshots_offset;
    std::uint64_t old_bytes = 0;
    if (m_header.nb_snapshots > 0)
        old_bytes = TRY(SnapshotTable::load(m_file, m_header)).byte_size();
    std::uint8_t fields[12];
    store_be32(fields, 0, static_cast<std::uint32_t>(snapshots.size()));
    store_be64(fields, 4, new_offset);
    TRY(m_file.write_at(HEADER_SNAPSHOTS_OFFSET, fields));
    TRY(m_file.sync());
    m_header.nb_snapshots = static_cast<std::uint32_t>(snapshots.size());
    m_header.snapshots_offset = new_offset;
    protect_metadata();
    for (std::uint64_t at = 0; at < old_bytes; at += m_header.cluster_size())
        TRY(m_allocator->adjust(old_offset + at, -1));
    return {};
}

Result<std::size_t> Qcow2Image::find_snapshot(const std::vector<Snapshot>& snapshots, const std::string& which) const
{
    for (std::size_t i = 0; i < snapshots.size(); ++i)
        if (snapshots[i].id == which)
            return i;
    for (std::size_t i = 0; i < snapshots.size(); ++i)
        if (snapshots[i].name == which)
            return i;
    return fail(m_file.path(), "no snapshot '{}'", which);
}

Result<void> Qcow2Image::create_snapshot(const std::string& name)
{
    std::lock_guard lock(m_mutex);
    const std::string what = "create snapshot " + name + " in " + m_file.path();
    if (m_read_only)
        return fail(what, "the image is open read-only");
    if (name.empty() || name.size() > 65535)
        return fail(what, "the name must have 1 to 65535 bytes");
    std::vector<Snapshot> snapshots;
    if (m_header.nb_snapshots > 0)
        snapshots = TRY(SnapshotTable::load(m_file, m_header)).snapshots();
    if (std::any_of(snapshots.begin(), snapshots.end(), [&](const Snapshot& s) { return s.name == name; }))
        return fail(what, "a snapshot with this name exists");
    if (snapshots.size() >= MAX_SNAPSHOTS)
        return fail(what, "the image has {} snapshots already", snapshots.size());
    TRY(flush_locked());
    // The snapshot's own L1 table, then one more reference to everything it reaches.
    const std::vector<std::uint64_t> l1 = m_map.l1();
    std::vector<std::uint8_t> l1_bytes(l1.size() * 8);
    for (std::size_t i = 0; i < l1.size(); ++i)
        store_be64(l1_bytes, i * 8, l1[i] & ~ENTRY_COPIED);
    std::uint64_t l1_clusters = std::max<std::uint64_t>(1, (l1_bytes.size() + m_header.cluster_size() - 1) >>
                                                               m_header.cluster_bits);
    std::uint64_t l1_offset = TRY(m_allocator->allocate(l1_clusters));
    l1_bytes.resize(l1_clusters << m_header.cluster_bits, 0);
    TRY(m_file.write_at(l1_offset, l1_bytes));
    TRY(adjust_references(l1, +1));
    TRY(refresh_copied_flags());
    TRY(flush_locked());

    Snapshot snapshot;
    std::uint64_t next_id = 1;
    for (const auto& existing : snapshots)
        next_id = std::max<std::uint64_t>(next_id, std::strtoull(existing.id.c_str(), nullptr, 10) + 1);
    snapshot.id = std::to_string(next_id);
    snapshot.name = name;
    snapshot.l1_table_offset = l1_offset;
    snapshot.l1_size = static_cast<std::uint32_t>(l1.size());
    auto now = std::chrono::system_clock::now().time_since_epoch();
    snapshot.date_sec = static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(now).count());
    snapshot.date_nsec = static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now).count() % 1000000000);
    snapshot.disk_size = m_header.size;
    snapshots.push_back(snapshot);
    return replace_snapshot_table(snapshots);
}

Result<void> Qcow2Image::apply_snapshot(const std::string& which)
{
    std::lock_guard lock(m_mutex);
    const std::string what = "apply snapshot " + which + " to " + m_file.path();
    if (m_read_only)
        return fail(what, "the image is open read-only");
    std::vector<Snapshot> snapshots;
    if (m_header.nb_snapshots > 0)
        snapshots = TRY(SnapshotTable::load(m_file, m_header)).snapshots();
    const Snapshot& snapshot = snapshots[TRY(find_snapshot(snapshots, which))];
    if (snapshot.disk_size != m_header.size || snapshot.l1_size > m_map.l1().size())
        return fail(what, "the snapshot's disk size {} differs from the image's {}", snapshot.disk_size, m_header.size);
    TRY(flush_locked());
    std::vector<std::uint64_t> l1 = TRY(read_l1(snapshot.l1_table_offset, snapshot.l1_size));
    l1.resize(m_map.l1().size(), 0);
    TRY(adjust_references(l1, +1));
    TRY(flush_locked());
    const std::vector<std::uint64_t> old = m_map.l1();
    m_map.replace_l1(l1);
    TRY(flush_locked());
    TRY(adjust_references(old, -1));
    TRY(refresh_copied_flags());
    TRY(flush_locked());
    m_map.l2_cache().clear();
    m_decompressed.clear();
    return {};
}

Result<void> Qcow2Image::delete_snapshot(const std::string& which)
{
    std::lock_guard lock(m_mutex);
    const std::string what = "delete snapshot " + which + " from " + m_file.path();
    if (m_read_only)
        return fail(what, "the image is open read-only");
    std::vector<Snapshot> snapshots;
    if (m_header.nb_snapshots > 0)
        snapshots = TRY(SnapshotTable::load(m_file, m_header)).snapshots();
    std::size_t index = TRY(find_snapshot(snapshots, which));
    Snapshot removed = snapshots[index];
    snapshots.erase(snapshots.begin() + static_cast<std::ptrdiff_t>(index));
    TRY(flush_locked());
    std::vector<std::uint64_t> l1 = TRY(read_l1(removed.l1_table_offset, removed.l1_size));
    TRY(replace_snapshot_table(snapshots));
    TRY(adjust_references(l1, -1));
    std::uint64_t l1_bytes = std::max<std::uint64_t>(1, std::uint64_t{removed.l1_size} * 8);
    for (std::uint64_t at = 0; at < l1_bytes; at += m_header.cluster_size())
        TRY(m_allocator->adjust(removed.l1_table_offset + at, -1));
    TRY(refresh_copied_flags());
    TRY(flush_locked());
    m_map.l2_cache().clear();
    m_decompressed.clear();
    return {};
}

Result<void> Qcow2Image::write_compressed_cluster(std::uint64_t guest_offset, std::span<const std::uint8_t> data)
{
    const std::uint64_t cluster = m_header.cluster_size();
    if (data.size() != cluster || (guest_offset & (cluster - 1)) != 0)
        return fail("write compressed " + m_file.path(), "needs one whole, aligned cluster");
    std::vector<std::uint8_t> packed = TRY(compress_cluster(m_header.compression_type, data));
    {
        std::lock_guard lock(m_mutex);
        TRY(check_write("write compressed", guest_offset, cluster));
        std::uint64_t guest_cluster = guest_offset >> m_header.cluster_bits;
        if (TRY(m_map.entry(guest_cluster)) != 0)
            return fail("write compressed " + m_file.path(), "guest cluster {} is allocated already", guest_cluster);
        if (!packed.empty() && packed.size() < cluster - 512) {
            TRY(mark_dirty_locked());
            // Continue in the cluster the last compressed data ended in, else take fresh ones.
            std::uint64_t at = m_compressed_cursor;
            std::uint64_t room = at == 0 ? 0 : cluster - (at & (cluster - 1));
            if (at == 0 || (at & (cluster - 1)) == 0 || room < packed.size()) {
                std::uint64_t count = (packed.size() + cluster - 1) >> m_header.cluster_bits;
                at = TRY(m_allocator->allocate(count));
            } else {
                TRY(m_allocator->adjust(at & ~(cluster - 1), +1));
            }
            TRY(m_file.write_at(at, packed));
            const std::uint32_t shift = 62 - (m_header.cluster_bits - 8);
            std::uint64_t sectors = ((at + packed.size() + 511) >> 9) - (at >> 9);
            TRY(m_map.set_entry(guest_cluster, L2_COMPRESSED | ((sectors - 1) << shift) | at, *m_allocator));
            m_compressed_cursor = at + packed.size();
            return {};
        }
    }
    return write(guest_offset, data);
}

}  // namespace nimbus::qcow2
