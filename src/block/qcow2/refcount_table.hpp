// RefcountTable: the refcount table and its refcount blocks (cached), read and updated per cluster.
#pragma once

#include <cstdint>
#include <vector>

#include "base/error.hpp"
#include "block/qcow2/image_file.hpp"
#include "block/qcow2/metadata_cache.hpp"

namespace nimbus::qcow2 {

class RefcountTable final {
public:
    RefcountTable(ImageFile& file, std::uint32_t cluster_bits, std::uint32_t refcount_order);

    // Reads the table at `offset` (`clusters` clusters); entries are checked when used.
    Result<void> load(std::uint64_t offset, std::uint32_t clusters);

    // Fails naming the first entry whose block is not a cluster inside a file of `file_size` bytes.
    Result<void> check_blocks_inside(std::uint64_t file_size) const;

    std::uint64_t entries_per_block() const { return m_entries_per_block; }
    std::uint64_t max_refcount() const { return m_max_refcount; }
    std::uint64_t table_offset() const { return m_table_offset; }
    std::uint32_t table_clusters() const { return m_table_clusters; }
    std::uint64_t table_capacity() const { return m_table.size(); }
    // The block offset stored for block index `block` (0: none); fails for reserved bits.
    Result<std::uint64_t> block_offset(std::uint64_t block) const;

    // The refcount of the cluster at host cluster index `cluster` (0 where no block covers it).
    Result<std::uint64_t> get(std::uint64_t cluster);
    // Precondition: a block covers `cluster` (see ClusterAllocator).
    Result<void> set(std::uint64_t cluster, std::uint64_t value);

    // Installs a new block at `offset` for block index `block` (< table_capacity()), all zeros.
    Result<void> install_block(std::uint64_t block, std::uint64_t offset);
    // Replaces the table after growth: it now lives at `offset` with `entries` (already on disk).
    void replace_table(std::uint64_t offset, std::uint32_t clusters, std::vector<std::uint64_t> entries);
    const std::vector<std::uint64_t>& entries() const { return m_table; }

    // Writes dirty blocks, then the table if an entry changed (the caller syncs).
    Result<void> write_dirty();
    MetadataCache& cache() { return m_cache; }

private:
    Result<std::uint64_t> checked_block(std::uint64_t cluster, std::uint64_t& index) const;

    ImageFile& m_file;
    std::uint32_t m_cluster_bits;
    std::uint32_t m_refcount_bits;
    std::uint64_t m_entries_per_block;
    std::uint64_t m_max_refcount;
    std::uint64_t m_table_offset = 0;
    std::uint32_t m_table_clusters = 0;
    std::vector<std::uint64_t> m_table;
    bool m_table_dirty = false;
    MetadataCache m_cache;
};

}  // namespace nimbus::qcow2
