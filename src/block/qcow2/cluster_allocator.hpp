// ClusterAllocator: finds free host clusters, gives them refcounts (adding refcount blocks and
// growing the refcount table as needed), and frees clusters once nothing on disk points to them.
#pragma once

#include <cstdint>
#include <vector>

#include "base/error.hpp"
#include "block/qcow2/image_file.hpp"
#include "block/qcow2/refcount_table.hpp"

namespace nimbus::qcow2 {

class ClusterAllocator final {
public:
    ClusterAllocator(ImageFile& file, RefcountTable& refcounts, std::uint32_t cluster_bits, std::uint64_t end_cluster)
        : m_file(file), m_refcounts(refcounts), m_cluster_bits(cluster_bits), m_end(end_cluster)
    {
    }

    // `count` contiguous clusters with refcount 1 (in the cache; they reach the disk before any L2
    // entry does, see Qcow2Image::flush). Returns the host offset of the first.
    Result<std::uint64_t> allocate(std::uint64_t count);
    // Adds `delta` (+1 or -1) to the refcount of the cluster at `offset`, now.
    Result<void> adjust(std::uint64_t offset, int delta);
    // Decrements later: after the metadata that stopped pointing at it is on disk.
    void free_later(std::uint64_t offset) { m_pending_frees.push_back(offset); }
    bool has_pending_frees() const { return !m_pending_frees.empty(); }
    // Precondition: everything that referenced the pending clusters has been rewritten and synced.
    Result<void> apply_pending_frees();

    std::uint64_t end_offset() const { return m_end << m_cluster_bits; }

    // Marks fixed metadata (L1 table, snapshot table; the header and the refcount table always
    // are): no refcount block is placed there, and guest data is never written there (a corrupt
    // L2 entry may point at it). clear_protected() forgets all marks, for when tables move.
    void protect(std::uint64_t offset, std::uint64_t length) { m_protected.push_back({offset, length}); }
    void clear_protected() { m_protected.clear(); }
    bool is_protected(std::uint64_t offset) const;

private:
    Result<void> ensure_block(std::uint64_t cluster, bool& created);
    Result<void> grow_table(std::uint64_t needed_blocks);

    ImageFile& m_file;
    RefcountTable& m_refcounts;
    std::uint32_t m_cluster_bits;
    std::uint64_t m_end;  // one past the last cluster known to be in use or in the file
    std::uint64_t m_free_hint = 0;
    std::vector<std::uint64_t> m_pending_frees;
    struct Range {
        std::uint64_t offset;
        std::uint64_t length;
    };
    std::vector<Range> m_protected;
};

}  // namespace nimbus::qcow2
