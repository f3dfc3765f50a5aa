// RefcountTable: refcount entries of 1 to 64 bits; sub-byte widths are packed from the low bit.
#include "block/qcow2/refcount_table.hpp"

#include <algorithm>

#include "block/qcow2/big_endian.hpp"
#include "block/qcow2/layout.hpp"

namespace nimbus::qcow2 {

namespace {
// 1 MiB of refcount blocks (16 blocks of 64 KiB), 4 to 64 blocks.
constexpr std::uint64_t REFCOUNT_CACHE_BYTES = 1ull << 20;
constexpr std::size_t REFCOUNT_CACHE_MIN_BLOCKS = 4;
constexpr std::size_t REFCOUNT_CACHE_MAX_BLOCKS = 64;
}  // namespace

RefcountTable::RefcountTable(ImageFile& file, std::uint32_t cluster_bits, std::uint32_t refcount_order)
    : m_file(file),
      m_cluster_bits(cluster_bits),
      m_refcount_bits(1u << refcount_order),
      m_entries_per_block((1ull << cluster_bits) * 8 / (1u << refcount_order)),
      m_max_refcount(refcount_order == 6 ? ~0ull : (1ull << (1u << refcount_order)) - 1),
      m_cache(file, 1ull << cluster_bits,
              std::clamp<std::size_t>(REFCOUNT_CACHE_BYTES >> cluster_bits, REFCOUNT_CACHE_MIN_BLOCKS,
                                      REFCOUNT_CACHE_MAX_BLOCKS))
{
}

Result<void> RefcountTable::load(std::uint64_t offset, std::uint32_t clusters)
{
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(clusters) << m_cluster_bits);
    TRY(m_file.read_at(offset, bytes));
    m_table.resize(bytes.size() / 8);
    for (std::size_t i = 0; i < m_table.size(); ++i)
        m_table[i] = load_be64(bytes, i * 8);
    m_table_offset = offset;
    m_table_clusters = clusters;
    m_table_dirty = false;
    return {};
}

// Guest-controlled: table entries come from the image file.
Result<std::uint64_t> RefcountTable::block_offset(std::uint64_t block) const
{
    if (block >= m_table.size())
        return 0;
    std::uint64_t entry = m_table[block];
    if ((entry & REFTABLE_RESERVED_MASK) != 0 || (entry & ((1ull << m_cluster_bits) - 1)) != 0 ||
        entry > MAX_VIRTUAL_SIZE)
        return fail(m_file.path(), "refcount table entry {} ({:#x}) is not a cluster-aligned offset", block, entry);
    return entry;
}

Result<void> RefcountTable::check_blocks_inside(std::uint64_t file_size) const
{
    for (std::uint64_t block = 0; block < m_table.size(); ++block) {
        std::uint64_t offset = TRY(block_offset(block));
        if (offset != 0 && (offset > file_size || file_size - offset < (1ull << m_cluster_bits)))
            return fail(m_file.path(), "refcount table entry {} ({:#x}) points past the end of the file", block,
                        offset);
    }
    return {};
}

Result<std::uint64_t> RefcountTable::checked_block(std::uint64_t cluster, std::uint64_t& index) const
{
    index = cluster % m_entries_per_block;
    return block_offset(cluster / m_entries_per_block);
}

Result<std::uint64_t> RefcountTable::get(std::uint64_t cluster)
{
    std::uint64_t index = 0;
    std::uint64_t block = TRY(checked_block(cluster, index));
    if (block == 0)
        return 0;
    auto bytes = TRY(m_cache.get(block));
    if (m_refcount_bits >= 8)
        return load_be(bytes, index * (m_refcount_bits / 8), m_refcount_bits / 8);
    std::uint64_t bit = index * m_refcount_bits;
    return (bytes[bit / 8] >> (bit % 8)) & m_max_refcount;
}

Result<void> RefcountTable::set(std::uint64_t cluster, std::uint64_t value)
{
    if (value > m_max_refcount)
        return fail(m_file.path(), "refcount of cluster {} would exceed {} ({}-bit refcounts)", cluster,
                    m_max_refcount, m_refcount_bits);
    std::uint64_t index = 0;
    std::uint64_t block = TRY(checked_block(cluster, index));
    if (block == 0)
        return fail(m_file.path(), "no refcount block covers cluster {}", cluster);
    auto bytes = TRY(m_cache.get(block));
    if (m_refcount_bits >= 8) {
        store_be(bytes, index * (m_refcount_bits / 8), m_refcount_bits / 8, value);
    } else {
        std::uint64_t bit = index * m_refcount_bits;
        auto mask = static_cast<std::uint8_t>(m_max_refcount << (bit % 8));
        bytes[bit / 8] = static_cast<std::uint8_t>((bytes[bit / 8] & ~mask) | ((value << (bit % 8)) & mask));
    }
    m_cache.mark_dirty(block);
    return {};
}

Result<void> RefcountTable::install_block(std::uint64_t block, std::uint64_t offset)
{
    TRY(m_cache.insert_zeroed(offset));
    m_table[block] = offset;
    m_table_dirty = true;
    return {};
}

void RefcountTable::replace_table(std::uint64_t offset, std::uint32_t clusters, std::vector<std::uint64_t> entries)
{
    m_table_offset = offset;
    m_table_clusters = clusters;
    m_table = std::move(entries);
    m_table_dirty = false;
}

Result<void> RefcountTable::write_dirty()
{
    TRY(m_cache.write_dirty());
    if (!m_table_dirty)
        return {};
    std::vector<std::uint8_t> bytes(m_table.size() * 8);
    for (std::size_t i = 0; i < m_table.size(); ++i)
        store_be64(bytes, i * 8, m_table[i]);
    TRY(m_file.write_at(m_table_offset, bytes));
    m_table_dirty = false;
    return {};
}

}  // namespace nimbus::qcow2
