// MetadataCache: least-recently-used eviction; a dirty victim is written after before_write.
#include "block/qcow2/metadata_cache.hpp"

namespace nimbus::qcow2 {

Result<MetadataCache::Entry*> MetadataCache::make_room_and_insert(std::uint64_t offset)
{
    if (m_entries.size() >= m_capacity) {
        auto victim = m_entries.begin();
        for (auto it = m_entries.begin(); it != m_entries.end(); ++it)
            if (it->second.last_use < victim->second.last_use)
                victim = it;
        if (victim->second.dirty) {
            if (m_before_write)
                TRY(m_before_write());
            TRY(m_file.write_at(victim->first, victim->second.data));
        }
        m_entries.erase(victim);
    }
    Entry& entry = m_entries[offset];
    entry.data.assign(m_table_size, 0);
    entry.last_use = ++m_clock;
    return &entry;
}

Result<std::span<std::uint8_t>> MetadataCache::get(std::uint64_t offset)
{
    if (auto it = m_entries.find(offset); it != m_entries.end()) {
        it->second.last_use = ++m_clock;
        return std::span<std::uint8_t>(it->second.data);
    }
    Entry* entry = TRY(make_room_and_insert(offset));
    if (auto read = m_file.read_at(offset, entry->data, true); !read) {
        m_entries.erase(offset);
        return std::unexpected(read.error());
    }
    return std::span<std::uint8_t>(entry->data);
}

Result<std::span<std::uint8_t>> MetadataCache::insert_zeroed(std::uint64_t offset)
{
    Entry* entry = nullptr;
    if (auto it = m_entries.find(offset); it != m_entries.end()) {
        entry = &it->second;
        std::fill(entry->data.begin(), entry->data.end(), std::uint8_t{0});
    } else {
        entry = TRY(make_room_and_insert(offset));
    }
    entry->dirty = true;
    return std::span<std::uint8_t>(entry->data);
}

void MetadataCache::mark_dirty(std::uint64_t offset)
{
    if (auto it = m_entries.find(offset); it != m_entries.end())
        it->second.dirty = true;
}

bool MetadataCache::has_dirty() const
{
    for (const auto& [offset, entry] : m_entries)
        if (entry.dirty)
            return true;
    return false;
}

Result<void> MetadataCache::write_dirty()
{
    if (!has_dirty())
        return {};
    if (m_before_write)
        TRY(m_before_write());
    for (auto& [offset, entry] : m_entries) {
        if (!entry.dirty)
            continue;
        TRY(m_file.write_at(offset, entry.data));
        entry.dirty = false;
    }
    return {};
}

}  // namespace nimbus::qcow2
