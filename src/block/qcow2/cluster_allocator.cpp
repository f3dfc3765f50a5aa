// ClusterAllocator: first-fit search from a hint; a missing refcount block is placed in the first
// cluster of the range it covers (free, since nothing there has a refcount), covering itself.
#include "block/qcow2/cluster_allocator.hpp"

#include <algorithm>

#include "block/qcow2/big_endian.hpp"
#include "block/qcow2/layout.hpp"

namespace nimbus::qcow2 {

namespace {
constexpr std::uint64_t MAX_SCAN_PAST_END = 1ull << 14;  // clusters
}  // namespace

Result<void> ClusterAllocator::ensure_block(std::uint64_t cluster, bool& created)
{
    std::uint64_t block = cluster / m_refcounts.entries_per_block();
    if (block >= m_refcounts.table_capacity())
        TRY(grow_table(block + 1));
    if (TRY(m_refcounts.block_offset(block)) != 0)
        return {};
    std::uint64_t home = block * m_refcounts.entries_per_block();
    if (is_protected(home << m_cluster_bits))
        return fail(m_file.path(), "refcount table entry {} is empty although metadata lies in its range (corrupt image)",
                    block);
    TRY(m_refcounts.install_block(block, home << m_cluster_bits));
    TRY(m_refcounts.set(home, 1));
    m_end = std::max(m_end, home + 1);
    created = true;
    return {};
}

bool ClusterAllocator::is_protected(std::uint64_t offset) const
{
    if (offset >> m_cluster_bits == 0)
        return true;  // the header
    // The refcount table moves when it grows, so its place is looked up rather than remembered.
    if (offset >= m_refcounts.table_offset() &&
        offset - m_refcounts.table_offset() < (std::uint64_t{m_refcounts.table_clusters()} << m_cluster_bits))
        return true;
    for (const auto& range : m_protected)
        if (offset >= range.offset && offset - range.offset < range.length)
            return true;
    return false;
}

Result<std::uint64_t> ClusterAllocator::allocate(std::uint64_t count)
{
    const std::uint64_t max_cluster = MAX_VIRTUAL_SIZE >> m_cluster_bits;
    std::uint64_t start = m_free_hint;
    while (true) {
        std::uint64_t run = 0;
        bool restart = false;
        while (run < count) {
            std::uint64_t candidate = start + run;
            if (candidate >= max_cluster)
                return fail(m_file.path(), "no free cluster below the maximum image size");
            // Past the end of the file every cluster should be free; refcounts that say otherwise
            // for this long come from a corrupt image, and scanning on would take minutes.
            if (candidate >= m_end + MAX_SCAN_PAST_END)
                return fail(m_file.path(), "refcounts mark clusters far past the end of the image as used "
                                           "(corrupt image; repair it with check -r all)");
            bool created = false;
            TRY(ensure_block(candidate, created));
            if (created) {
                restart = true;
                break;
            }
            if (TRY(m_refcounts.get(candidate)) == 0) {
                ++run;
            } else {
                start = candidate + 1;
                run = 0;
            }
        }
        if (restart)
            continue;
        for (std::uint64_t i = 0; i < count; ++i)
            TRY(m_refcounts.set(start + i, 1));
        if (count == 1 || start == m_free_hint)
            m_free_hint = start + count;
        m_end = std::max(m_end, start + count);
        return start << m_cluster_bits;
    }
}

Result<void> ClusterAllocator::adjust(std::uint64_t offset, int delta)
{
    std::uint64_t cluster = offset >> m_cluster_bits;
    std::uint64_t value = TRY(m_refcounts.get(cluster));
    if (delta < 0 && value == 0)
        return fail(m_file.path(), "refcount of cluster at {:#x} would drop below 0", offset);
    if (delta > 0) {
        bool created = false;
        TRY(ensure_block(cluster, created));
    }
    TRY(m_refcounts.set(cluster, delta > 0 ? value + 1 : value - 1));
    if (delta < 0 && value == 1)
        m_free_hint = std::min(m_free_hint, cluster);
    return {};
}

Result<void> ClusterAllocator::apply_pending_frees()
{
    auto pending = std::move(m_pending_frees);
    m_pending_frees.clear();
    for (std::uint64_t offset : pending)
        TRY(adjust(offset, -1));
    return {};
}

// The new table goes past everything in use, followed by the blocks that cover it; the header is
// switched over only when both are on disk, and then the old table is freed.
Result<void> ClusterAllocator::grow_table(std::uint64_t needed_blocks)
{
    const std::uint64_t cluster_size = 1ull << m_cluster_bits;
    const std::uint64_t per_block = m_refcounts.entries_per_block();
    TRY(m_refcounts.write_dirty());
    std::uint64_t entries = std::max<std::uint64_t>(needed_blocks, m_refcounts.table_capacity() * 2);
    std::uint64_t place = m_end;
    std::uint64_t table_clusters = 0;
    std::uint64_t first_new_block = 0;
    std::uint64_t last_new_block = 0;
    while (true) {
        table_clusters = (entries * 8 + cluster_size - 1) / cluster_size;
        // Blocks for [place, place + table + blocks), placed right after the table.
        std::uint64_t blocks = 1;
        while (true) {
            std::uint64_t stop = place + table_clusters + blocks;
            first_new_block = place / per_block;
            last_new_block = (stop - 1) / per_block;
            std::uint64_t needed = last_new_block - first_new_block + 1;
            if (needed <= blocks)
                break;
            blocks = needed;
        }
        if (last_new_block < entries)
            break;
        entries = last_new_block + 1;
    }
    if (entries * 8 > MAX_REFTABLE_BYTES)
        return fail(m_file.path(), "the refcount table would exceed {} bytes", MAX_REFTABLE_BYTES);
    std::vector<std::uint64_t> table = m_refcounts.entries();
    table.resize(table_clusters * cluster_size / 8, 0);
    std::uint64_t block_cluster = place + table_clusters;
    std::uint64_t stop = block_cluster;
    for (std::uint64_t block = first_new_block; block <= last_new_block; ++block)
        if (TRY(m_refcounts.block_offset(block)) == 0)
            ++stop;
    // Every cluster of [place, stop) gets refcount 1 in whichever block covers it.
    for (std::uint64_t block = first_new_block; block <= last_new_block; ++block) {
        std::uint64_t existing = TRY(m_refcounts.block_offset(block));
        if (existing == 0) {
            table[block] = block_cluster << m_cluster_bits;
            TRY(m_refcounts.cache().insert_zeroed(table[block]));
            ++block_cluster;
        }
    }
    m_refcounts.replace_table(m_refcounts.table_offset(), m_refcounts.table_clusters(), table);
    for (std::uint64_t cluster = place; cluster < stop; ++cluster)
        TRY(m_refcounts.set(cluster, 1));
    TRY(m_refcounts.write_dirty());
    std::vector<std::uint8_t> bytes(table.size() * 8);
    for (std::size_t i = 0; i < table.size(); ++i)
        store_be64(bytes, i * 8, table[i]);
    TRY(m_file.write_at(place << m_cluster_bits, bytes));
    TRY(m_file.sync());
    std::uint8_t header_fields[12];
    store_be64(header_fields, 0, place << m_cluster_bits);
    store_be32(header_fields, 8, static_cast<std::uint32_t>(table_clusters));
    TRY(m_file.write_at(HEADER_REFCOUNT_TABLE_OFFSET, header_fields));
    TRY(m_file.sync());
    std::uint64_t old_offset = m_refcounts.table_offset();
    std::uint32_t old_clusters = m_refcounts.table_clusters();
    m_refcounts.replace_table(place << m_cluster_bits, static_cast<std::uint32_t>(table_clusters), std::move(table));
    m_end = std::max(m_end, stop);
    for (std::uint32_t i = 0; i < old_clusters; ++i)
        TRY(adjust(old_offset + (std::uint64_t{i} << m_cluster_bits), -1));
    return {};
}

}  // namespace nimbus::qcow2
