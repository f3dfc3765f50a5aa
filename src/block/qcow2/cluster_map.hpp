// ClusterMap: the L1 table (in memory) and L2 tables (cached) that map guest clusters to the file.
#pragma once

#include <cstdint>
#include <vector>

#include "base/error.hpp"
#include "block/qcow2/cluster_allocator.hpp"
#include "block/qcow2/image_file.hpp"
#include "block/qcow2/metadata_cache.hpp"

namespace nimbus::qcow2 {

class ClusterMap final {
public:
    ClusterMap(ImageFile& file, std::uint32_t cluster_bits);

    // Reads the L1 table (entries are checked when used).
    Result<void> load(std::uint64_t l1_offset, std::uint32_t l1_size);

    // The raw L2 entry of guest cluster `index` (0 when its L2 table is unallocated).
    Result<std::uint64_t> entry(std::uint64_t index);
    // Sets the L2 entry of guest cluster `index`, first making its L2 table writable (allocated,
    // or copied when shared with a snapshot) through `allocator`.
    Result<void> set_entry(std::uint64_t index, std::uint64_t value, ClusterAllocator& allocator);

    // Writes dirty L2 tables, then the L1 table if it changed (the caller orders and syncs).
    Result<void> write_l2_tables() { return m_l2_cache.write_dirty(); }
    Result<void> write_l1();
    MetadataCache& l2_cache() { return m_l2_cache; }
    std::uint64_t l1_offset() const { return m_l1_offset; }
    const std::vector<std::uint64_t>& l1() const { return m_l1; }

    // Replaces an L1 entry as it is (for repairs); written with write_l1().
    void set_l1_entry(std::uint64_t index, std::uint64_t value)
    {
        m_l1[index] = value;
        m_l1_dirty = true;
    }

    // Replaces the whole L1 table (same length), written with write_l1().
    void replace_l1(std::vector<std::uint64_t> l1)
    {
        m_l1 = std::move(l1);
        m_l1_dirty = true;
    }

    // Checks an L1 entry and returns its L2 table offset (0 for none).
    Result<std::uint64_t> l2_offset(std::uint64_t l1_index) const;

private:
    Result<std::uint64_t> writable_l2(std::uint64_t l1_index, ClusterAllocator& allocator);

    ImageFile& m_file;
    std::uint32_t m_cluster_bits;
    std::uint64_t m_l2_entries;
    std::uint64_t m_l1_offset = 0;
    std::vector<std::uint64_t> m_l1;
    bool m_l1_dirty = false;
    MetadataCache m_l2_cache;
};

}  // namespace nimbus::qcow2
