// Qcow2Image: opening (header, tables, backing chain), flush ordering and the dirty bit.
#include "block/qcow2/qcow2_image.hpp"

#include <fcntl.h>

#include <algorithm>
#include <filesystem>

#include "base/log.hpp"
#include "block/disk_image_factory.hpp"
#include "block/image_lock.hpp"
#include "block/qcow2/big_endian.hpp"
#include "block/qcow2/refcount_checker.hpp"
#include "block/raw_image.hpp"
#include "block/request_range.hpp"

namespace nimbus::qcow2 {

Qcow2Image::Qcow2Image(ImageFile file, Header header, bool read_only)
    : m_file(std::move(file)),
      m_header(std::move(header)),
      m_read_only(read_only),
      m_refcounts(m_file, m_header.cluster_bits, m_header.refcount_order),
      m_map(m_file, m_header.cluster_bits)
{
    // An L2 table reaches the disk only after the refcounts of what it points to.
    m_map.l2_cache().set_before_write([this]() -> Result<void> {
        TRY(m_refcounts.write_dirty());
        return m_file.sync();
    });
}

Result<std::unique_ptr<Qcow2Image>> Qcow2Image::open(const std::string& path, OpenMode mode, unsigned depth)
{
    UniqueFd fd(::open(path.c_str(), (mode.read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC));
    if (!fd.valid())
        return fail_errno("open " + path);
    TRY(lock_image(fd.get(), path, mode));
    ImageFile file(std::move(fd), path);
    std::uint64_t file_size = TRY(file.file_size());
    std::vector<std::uint8_t> first(std::min<std::uint64_t>(file_size, 1ull << MAX_CLUSTER_BITS));
    TRY(file.read_at(0, first));
    Header header = TRY(Header::parse(first, file_size, "qcow2 header of " + path));
    if (!mode.read_only && header.corrupt())
        return fail("open " + path, "the image is marked corrupt; open it read-only or repair it with check -r all");
    std::unique_ptr<Qcow2Image> image(new Qcow2Image(std::move(file), std::move(header), mode.read_only));
    const Header& parsed = image->m_header;
    TRY(image->m_refcounts.load(parsed.refcount_table_offset, parsed.refcount_table_clusters));
    // Refcount blocks are written back where the table says: for a writer they must lie in the file.
    if (!mode.read_only)
        TRY(image->m_refcounts.check_blocks_inside(file_size));
    TRY(image->m_map.load(parsed.l1_table_offset, parsed.l1_size));
    std::uint64_t end_cluster = (file_size + parsed.cluster_size() - 1) >> parsed.cluster_bits;
    image->m_allocator.emplace(image->m_file, image->m_refcounts, parsed.cluster_bits, end_cluster);
    image->protect_metadata();
    if (!parsed.backing_file.empty())
        TRY(image->open_backing(depth));
    // A dirty image was in use with lazy refcounts and not closed: its refcounts are rebuilt
    // before anything is allocated, as QEMU does.
    if (!mode.read_only && parsed.dirty()) {
        log::warn("{}: the image was not closed cleanly (dirty bit); repairing its refcounts", path);
        TRY(image->check(RepairMode::All));
        std::uint8_t bytes[8];
        store_be64(bytes, 0, parsed.incompatible_features & ~INCOMPAT_DIRTY);
        TRY(image->m_file.write_at(HEADER_INCOMPAT_OFFSET, bytes));
        TRY(image->m_file.sync());
        image->m_header.incompatible_features &= ~INCOMPAT_DIRTY;
    }
    if (!mode.read_only && parsed.version == 3 && parsed.autoclear_features != 0) {
        std::uint8_t zero[8]{};
        TRY(image->m_file.write_at(88, zero));
        TRY(image->m_file.sync());
        image->m_header.autoclear_features = 0;
    }
    return image;
}

void Qcow2Image::protect_metadata()
{
    const std::uint64_t cluster = m_header.cluster_size();
    auto round = [&](std::uint64_t bytes) { return (bytes + cluster - 1) & ~(cluster - 1); };
    m_allocator->clear_protected();
    m_allocator->protect(m_header.l1_table_offset, round(std::uint64_t{m_header.l1_size} * 8));
    if (m_header.nb_snapshots > 0)
        m_allocator->protect(m_header.snapshots_offset, cluster);
}

Result<void> Qcow2Image::open_backing(unsigned depth)
{
    const std::string what = "open the backing file of " + m_file.path();
    if (depth + 1 >= MAX_BACKING_DEPTH)
        return fail(what, "the backing chain is deeper than {} (a loop?)", MAX_BACKING_DEPTH);
    std::filesystem::path name(m_header.backing_file);
    if (name.is_relative())
        name = std::filesystem::path(m_file.path()).parent_path() / name;
    m_backing_path = name.string();
    DiskFormat format = DiskFormat::Raw;
    if (m_header.backing_format) {
        if (*m_header.backing_format == "qcow2")
            format = DiskFormat::Qcow2;
        else if (*m_header.backing_format != "raw" && *m_header.backing_format != "file")
            return fail(what, "backing format '{}' is not supported (raw or qcow2)", *m_header.backing_format);
    } else {
        format = TRY(probe_format(m_backing_path));
    }
    OpenMode read_only{.read_only = true};
    if (format == DiskFormat::Qcow2) {
        auto backing = Qcow2Image::open(m_backing_path, read_only, depth + 1);
        if (!backing)
            return fail(what, "{}", backing.error().message());
        m_backing = std::move(*backing);
    } else {
        auto backing = RawImage::open(m_backing_path, read_only);
        if (!backing)
            return fail(what, "{}", backing.error().message());
        m_backing = std::move(*backing);
    }
    return {};
}

Qcow2Image::~Qcow2Image()
{
    if (m_read_only)
        return;
    std::lock_guard lock(m_mutex);
    if (auto flushed = flush_locked(); !flushed) {
        log::error("{}", flushed.error().message());
        return;
    }
    if (m_marked_dirty) {
        std::uint8_t bytes[8];
        store_be64(bytes, 0, m_header.incompatible_features & ~INCOMPAT_DIRTY);
        if (auto written = m_file.write_at(HEADER_INCOMPAT_OFFSET, bytes); !written || !m_file.sync())
            log::error("clear the dirty bit of {}: write failed", m_file.path());
    }
}

// With lazy refcounts QEMU sets the dirty bit before the first write; we keep refcounts in
// order anyway, so the bit only tells other readers what the feature promises.
Result<void> Qcow2Image::mark_dirty_locked()
{
    if (m_marked_dirty || !m_header.lazy_refcounts() || m_header.version < 3)
        return {};
    std::uint8_t bytes[8];
    store_be64(bytes, 0, m_header.incompatible_features | INCOMPAT_DIRTY);
    TRY(m_file.write_at(HEADER_INCOMPAT_OFFSET, bytes));
    TRY(m_file.sync());
    m_marked_dirty = true;
    return {};
}

// QEMU's order: refcounts (and data) on disk, then the L2 tables and L1 that point at them;
// clusters no longer pointed at are freed only after that, so a crash leaks but never corrupts.
Result<void> Qcow2Image::flush_locked()
{
    if (m_read_only)
        return {};
    TRY(m_refcounts.write_dirty());
    TRY(m_file.sync());
    TRY(m_map.write_l2_tables());
    TRY(m_map.write_l1());
    TRY(m_file.sync());
    if (m_allocator->has_pending_frees()) {
        m_compressed_cursor = 0;  // its cluster may be among the freed ones
        TRY(m_allocator->apply_pending_frees());
        TRY(m_refcounts.write_dirty());
        TRY(m_file.sync());
    }
    return {};
}

Result<void> Qcow2Image::flush()
{
    std::lock_guard lock(m_mutex);
    return flush_locked();
}

Result<void> Qcow2Image::check_write(std::string_view what, std::uint64_t offset, std::uint64_t length) const
{
    std::string operation = fmt::format("{} {}", what, m_file.path());
    if (m_read_only)
        return fail(std::move(operation), "the image is open read-only");
    return check_request_range(std::move(operation), offset, length, m_header.size);
}

Result<std::vector<Snapshot>> Qcow2Image::snapshots()
{
    std::lock_guard lock(m_mutex);
    if (m_header.nb_snapshots == 0)
        return std::vector<Snapshot>{};
    SnapshotTable table = TRY(SnapshotTable::load(m_file, m_header));
    return table.snapshots();
}

Result<CheckResult> Qcow2Image::check(RepairMode mode)
{
    std::lock_guard lock(m_mutex);
    if (mode != RepairMode::None && m_read_only)
        return fail("repair " + m_file.path(), "the image is open read-only");
    TRY(flush_locked());
    RefcountChecker checker(m_file, m_header, m_refcounts, m_map);
    CheckResult result = TRY(checker.run(mode));
    if (mode != RepairMode::None)
        TRY(flush_locked());
    return result;
}

}  // namespace nimbus::qcow2
