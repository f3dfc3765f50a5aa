// Qcow2Image: a qcow2 disk image (versions 2 and 3) with backing files, behind DiskImage.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "block/disk_image.hpp"
#include "block/open_mode.hpp"
#include "block/qcow2/check_result.hpp"
#include "block/qcow2/cluster_allocator.hpp"
#include "block/qcow2/cluster_map.hpp"
#include "block/qcow2/header.hpp"
#include "block/qcow2/image_file.hpp"
#include "block/qcow2/refcount_table.hpp"
#include "block/qcow2/snapshot_table.hpp"

namespace nimbus::qcow2 {

// How deep a backing chain may go before we call it a loop.
inline constexpr unsigned MAX_BACKING_DEPTH = 64;

class Qcow2Image final : public DiskImage {
public:
    // Opens and locks the image and, read-only, its backing chain. A read-write open refuses
    // images marked corrupt; unknown autoclear bits are cleared as QEMU does.
    static Result<std::unique_ptr<Qcow2Image>> open(const std::string& path, OpenMode mode, unsigned depth = 0);
    ~Qcow2Image() override;

    std::string_view format_name() const override { return "qcow2"; }
    std::uint64_t size() const override { return m_header.size; }
    bool read_only() const override { return m_read_only; }

    Result<void> readv(std::uint64_t offset, std::span<const iovec> buffers) override;
    Result<void> writev(std::uint64_t offset, std::span<const iovec> buffers) override;
    Result<void> flush() override;
    Result<void> discard(std::uint64_t offset, std::uint64_t length) override;
    Result<void> write_zeroes(std::uint64_t offset, std::uint64_t length, bool may_unmap) override;

    const Header& header() const { return m_header; }
    const std::string& path() const { return m_file.path(); }
    DiskImage* backing() const { return m_backing.get(); }
    std::string backing_path() const { return m_backing_path; }

    // What a guest cluster maps to (for `img map` and tests).
    enum class ClusterKind { Unallocated, Zero, Data, Compressed };
    Result<ClusterKind> cluster_kind(std::uint64_t guest_offset);
    // The kind and host offset (0: none; compressed clusters report 0) of a guest cluster.
    struct ClusterMapping {
        ClusterKind kind = ClusterKind::Unallocated;
        std::uint64_t host_offset = 0;
    };
    Result<ClusterMapping> cluster_mapping(std::uint64_t guest_offset);
    // Host clusters with a nonzero refcount, counting at most `limit` (QEMU's metadata
    // preallocation heuristic for `img map`).
    Result<std::uint64_t> referenced_clusters(std::uint64_t limit);

    // qcow2_image_maintenance.cpp: `img resize` and `img rebase`.
    // Grows (the L1 table too, moved when it outgrows its clusters) or shrinks (clusters past the
    // new end freed; refused with snapshots) the virtual disk, then flushes.
    Result<void> resize(std::uint64_t new_size);
    // Points the header at another backing file (empty: none) without touching data; the backing
    // image opened now stays in use until the image is reopened.
    Result<void> set_backing_file(const std::string& file, const std::optional<std::string>& format);
    // Makes every cluster unallocated (reads fall through to the backing file), as after a commit.
    Result<void> make_empty();

    Result<std::vector<Snapshot>> snapshots();

    // Recounts every reference (flushing first) and repairs per `mode` (read-write opens only).
    Result<CheckResult> check(RepairMode mode);

    // Gives every guest cluster a host cluster (contiguous where free space allows) and flushes.
    Result<void> preallocate_metadata();
    // One past the last host cluster in use, in bytes.
    std::uint64_t host_end() const { return m_allocator->end_offset(); }

    // Internal snapshots (qcow2_image_snapshots.cpp), in QEMU's order so a crash only leaks.
    Result<void> create_snapshot(const std::string& name);
    // `which` is a snapshot's id or name.
    Result<void> apply_snapshot(const std::string& which);
    Result<void> delete_snapshot(const std::string& which);

    // Writes one whole guest cluster compressed (for `convert -c`); the cluster must be
    // unallocated. Data that does not compress is written normally.
    Result<void> write_compressed_cluster(std::uint64_t guest_offset, std::span<const std::uint8_t> data);

private:
    Qcow2Image(ImageFile file, Header header, bool read_only);

    Result<std::vector<std::uint64_t>> read_l1(std::uint64_t offset, std::uint32_t entries);
    // Adds `delta` to the refcount of every L2 table and data cluster an L1 table reaches.
    Result<void> adjust_references(const std::vector<std::uint64_t>& l1, int delta);
    // Sets the copied flag of the active L1/L2 entries exactly where the refcount is 1.
    Result<void> refresh_copied_flags();
    // Writes `snapshots` as a new table and points the header at it; the old table is freed.
    Result<void> replace_snapshot_table(const std::vector<Snapshot>& snapshots);
    Result<std::size_t> find_snapshot(const std::vector<Snapshot>& snapshots, const std::string& which) const;

    Result<void> open_backing(unsigned depth);
    void protect_metadata();
    Result<void> flush_locked();
    Result<void> mark_dirty_locked();
    Result<void> read_cluster(std::uint64_t guest_cluster, std::uint64_t within, std::span<std::uint8_t> out);
    Result<void> read_unallocated(std::uint64_t guest_offset, std::span<std::uint8_t> out);
    Result<void> read_compressed(std::uint64_t entry, std::span<std::uint8_t> cluster_out);
    Result<void> write_cluster(std::uint64_t guest_cluster, std::uint64_t within, std::span<const std::uint8_t> data);
    Result<void> zero_cluster(std::uint64_t guest_cluster, bool unmap, bool discard_only);
    Result<void> release_entry(std::uint64_t entry);
    // Checks a standard L2 entry and returns its host offset (0: none).
    Result<std::uint64_t> data_offset(std::uint64_t entry) const;
    Result<void> check_write(std::string_view what, std::uint64_t offset, std::uint64_t length) const;
    // Unallocates guest clusters [first, last) and frees what they pointed at (with the lock held).
    Result<void> unmap_clusters(std::uint64_t first, std::uint64_t last);
    Result<void> zero_range(std::string_view what, std::uint64_t offset, std::uint64_t length, bool unmap,
                            bool discard_only);

    std::mutex m_mutex;  // serialises every request: the caches and the allocator are not shared-safe
    ImageFile m_file;
    Header m_header;
    bool m_read_only;
    bool m_marked_dirty = false;
    RefcountTable m_refcounts;
    ClusterMap m_map;
    std::optional<ClusterAllocator> m_allocator;
    std::unique_ptr<DiskImage> m_backing;
    std::string m_backing_path;
    // The last decompressed cluster, by its L2 entry.
    std::uint64_t m_decompressed_entry = 0;
    // Where the next compressed cluster may go: inside the last cluster given to compressed data.
    std::uint64_t m_compressed_cursor = 0;
    std::vector<std::uint8_t> m_decompressed;
};

}  // namespace nimbus::qcow2
