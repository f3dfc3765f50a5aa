// RefcountChecker: one pass over header, refcount structures, snapshot table and every L1/L2 table.
#include "block/qcow2/refcount_checker.hpp"

#include "block/qcow2/big_endian.hpp"
#include "block/qcow2/layout.hpp"
#include "block/qcow2/snapshot_table.hpp"

namespace nimbus::qcow2 {

namespace {

// The reference counts take 4 bytes per host cluster: at most 256 MiB of them (4 TiB at 64 KiB clusters).
constexpr std::uint64_t MAX_CHECKED_CLUSTERS = 1ull << 26;

std::uint64_t compressed_start(std::uint64_t entry, std::uint32_t cluster_bits)
{
    return entry & ((1ull << (62 - (cluster_bits - 8))) - 1);
}

std::uint64_t compressed_end(std::uint64_t entry, std::uint32_t cluster_bits)
{
    const std::uint32_t shift = 62 - (cluster_bits - 8);
    std::uint64_t sectors = ((entry >> shift) & ((1ull << (cluster_bits - 8)) - 1)) + 1;
    return (compressed_start(entry, cluster_bits) & ~std::uint64_t{511}) + sectors * 512;
}

}  // namespace

void RefcountChecker::add_range(std::uint64_t offset, std::uint64_t length, std::string_view what)
{
    if (length == 0)
        return;
    std::uint64_t first = offset >> m_header.cluster_bits;
    std::uint64_t last = (offset + length - 1) >> m_header.cluster_bits;
    for (std::uint64_t cluster = first; cluster <= last; ++cluster) {
        if (cluster >= m_counted.size()) {
            ++m_result.corruptions;
            m_result.messages.push_back(
                fmt::format("ERROR {} at offset {:#x} lies beyond the end of the image", what, cluster << m_header.cluster_bits));
            return;
        }
        if (m_counted[cluster] != UINT32_MAX)
            ++m_counted[cluster];
    }
}

Result<void> RefcountChecker::walk_l2(std::uint64_t l2_offset, bool active)
{
    const std::uint64_t cluster = m_header.cluster_size();
    std::vector<std::uint8_t> table(cluster);
    TRY(m_file.read_at(l2_offset, table, true));
    for (std::uint64_t index = 0; index < cluster / 8; ++index) {
        std::uint64_t entry = load_be64(table, index * 8);
        if ((entry & L2_COMPRESSED) != 0) {
            std::uint64_t start = compressed_start(entry, m_header.cluster_bits);
            std::uint64_t aligned = start & ~std::uint64_t{511};
            add_range(aligned, compressed_end(entry, m_header.cluster_bits) - aligned, "compressed cluster");
            if (active) {
                ++m_result.allocated_clusters;
                ++m_result.compressed_clusters;
                ++m_result.fragmented_clusters;  // QEMU counts compressed clusters as fragmented
            }
            continue;
        }
        std::uint64_t offset = entry & OFFSET_MASK;
        std::uint64_t reserved = L2_STANDARD_RESERVED_MASK | (m_header.version == 2 ? L2_ZERO : 0);
        if ((entry & reserved) != 0 || (offset & (cluster - 1)) != 0) {
            ++m_result.corruptions;
            m_result.messages.push_back(fmt::format("ERROR invalid L2 entry {:#x} in table at {:#x}", entry, l2_offset));
            continue;
        }
        if (offset == 0)
            continue;
        add_range(offset, cluster, "data cluster");
        if (active) {
            if ((entry & L2_ZERO) == 0)
                ++m_result.allocated_clusters;
            if (m_previous_data != 0 && offset != m_previous_data + cluster)
                ++m_result.fragmented_clusters;
            m_previous_data = offset;
        }
    }
    return {};
}

Result<void> RefcountChecker::walk_l1(const std::vector<std::uint64_t>& l1, bool active)
{
    for (std::size_t index = 0; index < l1.size(); ++index) {
        std::uint64_t offset = l1[index] & OFFSET_MASK;
        if ((l1[index] & L1_RESERVED_MASK) != 0 || (offset & (m_header.cluster_size() - 1)) != 0) {
            ++m_result.corruptions;
            m_result.messages.push_back(fmt::format("ERROR invalid L1 entry {} ({:#x})", index, l1[index]));
            continue;
        }
        if (offset == 0)
            continue;
        add_range(offset, m_header.cluster_size(), "L2 table");
        if (offset < m_counted.size() << m_header.cluster_bits)
            TRY(walk_l2(offset, active));
    }
    return {};
}

Result<void> RefcountChecker::compare(RepairMode mode)
{
    for (std::uint64_t cluster = 0; cluster < m_counted.size(); ++cluster) {
        auto stored = m_refcounts.get(cluster);
        if (!stored) {
            ++m_result.check_errors;
            m_result.messages.push_back("ERROR " + stored.error().message());
            return {};
        }
        std::uint64_t counted = m_counted[cluster];
        if (counted > 0 || *stored > 0)  // QEMU counts leaked clusters into the end too
            m_result.image_end_offset = (cluster + 1) << m_header.cluster_bits;
        if (*stored == counted)
            continue;
        bool leak = *stored > counted;
        m_result.messages.push_back(fmt::format("{} cluster {} refcount={} reference={}",
                                                leak ? "Leaked" : "ERROR", cluster, *stored, counted));
        ++(leak ? m_result.leaks : m_result.corruptions);
        bool fix = mode == RepairMode::All || (leak && mode == RepairMode::Leaks);
        if (fix && TRY(m_refcounts.block_offset(cluster / m_refcounts.entries_per_block())) != 0) {
            TRY(m_refcounts.set(cluster, counted));
            ++(leak ? m_result.leaks_fixed : m_result.corruptions_fixed);
        }
    }
    return {};
}

// QEMU's rule for the active tables: the copied flag is set exactly when the refcount is 1.
Result<void> RefcountChecker::check_copied_flags(RepairMode mode)
{
    const std::uint64_t cluster = m_header.cluster_size();
    for (std::size_t index = 0; index < m_map.l1().size(); ++index) {
        std::uint64_t l2 = m_map.l1()[index] & OFFSET_MASK;
        if (l2 == 0 || (l2 & (cluster - 1)) != 0 || (l2 >> m_header.cluster_bits) >= m_counted.size())
            continue;
        bool copied = (m_map.l1()[index] & ENTRY_COPIED) != 0;
        if (copied != (TRY(m_refcounts.get(l2 >> m_header.cluster_bits)) == 1)) {
            ++m_result.corruptions;
            m_result.messages.push_back(fmt::format("ERROR OFLAG_COPIED L2 cluster: l1_index={}", index));
            if (mode == RepairMode::All) {
                m_map.set_l1_entry(index, m_map.l1()[index] ^ ENTRY_COPIED);
                ++m_result.corruptions_fixed;
            }
        }
        auto table = TRY(m_map.l2_cache().get(l2));
        for (std::uint64_t entry_index = 0; entry_index < cluster / 8; ++entry_index) {
            std::uint64_t entry = load_be64(table, entry_index * 8);
            std::uint64_t data = entry & OFFSET_MASK;
            if ((entry & L2_COMPRESSED) != 0 || data == 0 || (data & (cluster - 1)) != 0 ||
                (data >> m_header.cluster_bits) >= m_counted.size())
                continue;
            bool entry_copied = (entry & ENTRY_COPIED) != 0;
            if (entry_copied == (TRY(m_refcounts.get(data >> m_header.cluster_bits)) == 1))
                continue;
            ++m_result.corruptions;
            m_result.messages.push_back(fmt::format("ERROR OFLAG_COPIED data cluster: l2_entry={:#x} refcount={}",
                                                    entry, TRY(m_refcounts.get(data >> m_header.cluster_bits))));
            if (mode == RepairMode::All) {
                store_be64(table, entry_index * 8, entry ^ ENTRY_COPIED);
                m_map.l2_cache().mark_dirty(l2);
                ++m_result.corruptions_fixed;
            }
        }
    }
    return {};
}

Result<CheckResult> RefcountChecker::run(RepairMode mode)
{
    const std::uint64_t cluster = m_header.cluster_size();
    std::uint64_t file_size = TRY(m_file.file_size());
    if ((file_size >> m_header.cluster_bits) > MAX_CHECKED_CLUSTERS)
        return fail("check " + m_file.path(), "the file has more than {} clusters; too large to check",
                    MAX_CHECKED_CLUSTERS);
    m_counted.assign((file_size + cluster - 1) >> m_header.cluster_bits, 0);
    m_result = {};
    m_result.total_clusters = (m_header.size + cluster - 1) >> m_header.cluster_bits;

    add_range(0, cluster, "header");
    add_range(m_refcounts.table_offset(), std::uint64_t{m_refcounts.table_clusters()} * cluster, "refcount table");
    for (std::uint64_t block = 0; block < m_refcounts.table_capacity(); ++block) {
        auto offset = m_refcounts.block_offset(block);
        if (!offset) {
            ++m_result.corruptions;
            m_result.messages.push_back("ERROR " + offset.error().message());
        } else if (*offset != 0) {
            add_range(*offset, cluster, "refcount block");
        }
    }
    add_range(m_map.l1_offset(), m_map.l1().size() * 8, "L1 table");
    TRY(walk_l1(m_map.l1(), true));
    if (m_header.nb_snapshots > 0) {
        auto table = SnapshotTable::load(m_file, m_header);
        if (!table) {
            ++m_result.check_errors;
            m_result.messages.push_back("ERROR " + table.error().message());
        } else {
            add_range(m_header.snapshots_offset, table->byte_size(), "snapshot table");
            for (const auto& snapshot : table->snapshots()) {
                std::vector<std::uint8_t> bytes(std::size_t{snapshot.l1_size} * 8);
                TRY(m_file.read_at(snapshot.l1_table_offset, bytes, true));
                std::vector<std::uint64_t> l1(snapshot.l1_size);
                for (std::size_t i = 0; i < l1.size(); ++i)
                    l1[i] = load_be64(bytes, i * 8);
                add_range(snapshot.l1_table_offset, bytes.size(), "snapshot L1 table");
                TRY(walk_l1(l1, false));
            }
        }
    }
    TRY(compare(mode));
    TRY(check_copied_flags(mode));
    return m_result;
}

}  // namespace nimbus::qcow2
