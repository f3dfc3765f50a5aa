// ClusterMap: L1/L2 lookups with every entry checked, and copy-on-write of shared L2 tables.
#include "block/qcow2/cluster_map.hpp"

#include <algorithm>

#include "block/qcow2/big_endian.hpp"
#include "block/qcow2/layout.hpp"

namespace nimbus::qcow2 {

namespace {
// 4 MiB of L2 tables (64 tables of 64 KiB, mapping 32 GiB), 8 to 256 tables.
constexpr std::uint64_t L2_CACHE_BYTES = 4ull << 20;
constexpr std::size_t L2_CACHE_MIN_TABLES = 8;
constexpr std::size_t L2_CACHE_MAX_TABLES = 256;  // eviction scans the tables
}  // namespace

ClusterMap::ClusterMap(ImageFile& file, std::uint32_t cluster_bits)
    : m_file(file),
      m_cluster_bits(cluster_bits),
      m_l2_entries((1ull << cluster_bits) / 8),
      m_l2_cache(file, 1ull << cluster_bits, std::clamp<std::size_t>(L2_CACHE_BYTES >> cluster_bits, L2_CACHE_MIN_TABLES, L2_CACHE_MAX_TABLES))
{
}

Result<void> ClusterMap::load(std::uint64_t l1_offset, std::uint32_t l1_size)
{
    std::vector<std::uint8_t> bytes(std::size_t{l1_size} * 8);
    TRY(m_file.read_at(l1_offset, bytes));
    m_l1.resize(l1_size);
    for (std::size_t i = 0; i < m_l1.size(); ++i)
        m_l1[i] = load_be64(bytes, i * 8);
    m_l1_offset = l1_offset;
    return {};
}

// Guest-controlled: L1 entries come from the image file.
Result<std::uint64_t> ClusterMap::l2_offset(std::uint64_t l1_index) const
{
    if (l1_index >= m_l1.size())
        return fail(m_file.path(), "guest cluster beyond the L1 table ({} entries)", m_l1.size());
    std::uint64_t entry = m_l1[l1_index];
    std::uint64_t offset = entry & OFFSET_MASK;
    if ((entry & L1_RESERVED_MASK) != 0 || (offset & ((1ull << m_cluster_bits) - 1)) != 0)
        return fail(m_file.path(), "L1 entry {} ({:#x}) has reserved bits or an unaligned offset", l1_index, entry);
    return offset;
}

Result<std::uint64_t> ClusterMap::entry(std::uint64_t index)
{
    std::uint64_t table = TRY(l2_offset(index / m_l2_entries));
    if (table == 0)
        return 0;
    auto bytes = TRY(m_l2_cache.get(table));
    return load_be64(bytes, (index % m_l2_entries) * 8);
}

Result<std::uint64_t> ClusterMap::writable_l2(std::uint64_t l1_index, ClusterAllocator& allocator)
{
    std::uint64_t old = TRY(l2_offset(l1_index));
    if (old != 0 && (old >= allocator.end_offset() || allocator.is_protected(old)))
        return fail(m_file.path(), "L1 entry {} ({:#x}) points at image metadata or past the end of the image",
                    l1_index, m_l1[l1_index]);
    if (old != 0 && (m_l1[l1_index] & ENTRY_COPIED) != 0)
        return old;
    std::uint64_t fresh = TRY(allocator.allocate(1));
    if (old == 0) {
        TRY(m_l2_cache.insert_zeroed(fresh));
    } else {
        // Shared with a snapshot: the copy points at the same data clusters, whose refcounts
        // already count both tables; the shared table loses this reference.
        std::vector<std::uint8_t> copy;
        {
            auto bytes = TRY(m_l2_cache.get(old));
            copy.assign(bytes.begin(), bytes.end());
        }
        auto target = TRY(m_l2_cache.insert_zeroed(fresh));
        std::copy(copy.begin(), copy.end(), target.begin());
        m_l2_cache.forget(old);
        allocator.free_later(old);
    }
    m_l1[l1_index] = fresh | ENTRY_COPIED;
    m_l1_dirty = true;
    return fresh;
}

Result<void> ClusterMap::set_entry(std::uint64_t index, std::uint64_t value, ClusterAllocator& allocator)
{
    std::uint64_t table = TRY(writable_l2(index / m_l2_entries, allocator));
    auto bytes = TRY(m_l2_cache.get(table));
    store_be64(bytes, (index % m_l2_entries) * 8, value);
    m_l2_cache.mark_dirty(table);
    return {};
}

Result<void> ClusterMap::write_l1()
{
    if (!m_l1_dirty)
        return {};
    std::vector<std::uint8_t> bytes(m_l1.size() * 8);
    for (std::size_t i = 0; i < m_l1.size(); ++i)
        store_be64(bytes, i * 8, m_l1[i]);
    TRY(m_file.write_at(m_l1_offset, bytes));
    m_l1_dirty = false;
    return {};
}

}  // namespace nimbus::qcow2
