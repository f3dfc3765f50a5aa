// MetadataCache: cluster-sized metadata tables (L2 tables, refcount blocks) cached with write-back.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <unordered_map>
#include <vector>

#include "base/error.hpp"
#include "block/qcow2/image_file.hpp"

namespace nimbus::qcow2 {

// Not thread-safe: the owning image serialises access. Dirty tables reach the file only through
// write_dirty() or eviction; before a dirty table is written, `before_write` runs, so an owner can
// put what the table depends on (refcounts for an L2 table) on disk first.
class MetadataCache final {
public:
    MetadataCache(ImageFile& file, std::uint64_t table_size, std::size_t capacity)
        : m_file(file), m_table_size(table_size), m_capacity(capacity)
    {
    }

    void set_before_write(std::function<Result<void>()> hook) { m_before_write = std::move(hook); }

    // The table at `offset`, read from the file on a miss. The span stays valid until the next call
    // that may evict (get, insert_zeroed, insert_copy).
    Result<std::span<std::uint8_t>> get(std::uint64_t offset);
    // A new table at `offset` that is all zeros (not read from the file), already dirty.
    Result<std::span<std::uint8_t>> insert_zeroed(std::uint64_t offset);
    void mark_dirty(std::uint64_t offset);
    // Writes every dirty table (after running before_write once if any is dirty).
    Result<void> write_dirty();
    bool has_dirty() const;
    // Drops the table without writing it (its cluster was freed).
    void forget(std::uint64_t offset) { m_entries.erase(offset); }
    void clear() { m_entries.clear(); }

private:
    struct Entry {
        std::vector<std::uint8_t> data;
        bool dirty = false;
        std::uint64_t last_use = 0;
    };

    Result<Entry*> make_room_and_insert(std::uint64_t offset);

    ImageFile& m_file;
    std::uint64_t m_table_size;
    std::size_t m_capacity;
    std::uint64_t m_clock = 0;
    std::unordered_map<std::uint64_t, Entry> m_entries;
    std::function<Result<void>()> m_before_write;
};

}  // namespace nimbus::qcow2
