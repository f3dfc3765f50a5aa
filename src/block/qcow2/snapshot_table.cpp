// SnapshotTable: entries of 40 fixed bytes, extra data, id and name, each padded to 8 bytes.
#include "block/qcow2/snapshot_table.hpp"

#include "block/qcow2/big_endian.hpp"

namespace nimbus::qcow2 {

namespace {
constexpr std::uint32_t MAX_EXTRA_DATA = 1024;           // QEMU's QCOW_MAX_SNAPSHOT_EXTRA_DATA
constexpr std::uint64_t MAX_TABLE_BYTES = 64ull << 20;   // QEMU's QCOW_MAX_SNAPSHOTS_SIZE
constexpr std::size_t FIXED = 40;
}  // namespace

// Guest-controlled: every size comes from the image file and is bounded before use.
Result<SnapshotTable> SnapshotTable::load(const ImageFile& file, const Header& header)
{
    SnapshotTable table;
    const std::string what = "snapshot table of " + file.path();
    std::uint64_t at = header.snapshots_offset;
    for (std::uint32_t index = 0; index < header.nb_snapshots; ++index) {
        std::uint8_t fixed[FIXED];
        TRY(file.read_at(at, fixed));
        Snapshot snapshot;
        snapshot.l1_table_offset = load_be64(fixed, 0);
        snapshot.l1_size = load_be32(fixed, 8);
        std::uint16_t id_size = load_be16(fixed, 12);
        std::uint16_t name_size = load_be16(fixed, 14);
        snapshot.date_sec = load_be32(fixed, 16);
        snapshot.date_nsec = load_be32(fixed, 20);
        snapshot.vm_clock_nsec = load_be64(fixed, 24);
        snapshot.vm_state_size = load_be32(fixed, 32);
        std::uint32_t extra_size = load_be32(fixed, 36);
        if (extra_size > MAX_EXTRA_DATA)
            return fail(what, "snapshot {} extra_data_size {} is larger than {}", index, extra_size, MAX_EXTRA_DATA);
        if ((snapshot.l1_table_offset & (header.cluster_size() - 1)) != 0 || snapshot.l1_table_offset == 0)
            return fail(what, "snapshot {} l1_table_offset {:#x} is not a cluster-aligned offset", index,
                        snapshot.l1_table_offset);
        if (std::uint64_t{snapshot.l1_size} * 8 > MAX_L1_BYTES)
            return fail(what, "snapshot {} l1_size {} is too large", index, snapshot.l1_size);
        std::vector<std::uint8_t> rest(std::size_t{extra_size} + id_size + name_size);
        TRY(file.read_at(at + FIXED, rest));
        snapshot.extra_data.assign(rest.begin(), rest.begin() + extra_size);
        snapshot.id.assign(rest.begin() + extra_size, rest.begin() + extra_size + id_size);
        snapshot.name.assign(rest.begin() + extra_size + id_size, rest.end());
        snapshot.disk_size = header.size;
        if (extra_size >= 8)
            snapshot.vm_state_size = load_be64(snapshot.extra_data, 0);
        if (extra_size >= 16)
            snapshot.disk_size = load_be64(snapshot.extra_data, 8);
        if (extra_size >= 24)
            snapshot.icount = load_be64(snapshot.extra_data, 16);
        std::uint64_t entry = (FIXED + rest.size() + 7) & ~std::uint64_t{7};
        at += entry;
        table.m_byte_size += entry;
        if (table.m_byte_size > MAX_TABLE_BYTES)
            return fail(what, "the snapshot table is larger than {} bytes", MAX_TABLE_BYTES);
        table.m_snapshots.push_back(std::move(snapshot));
    }
    return table;
}

std::vector<std::uint8_t> SnapshotTable::encode(const std::vector<Snapshot>& snapshots, std::uint32_t version)
{
    std::vector<std::uint8_t> out;
    for (const auto& snapshot : snapshots) {
        std::vector<std::uint8_t> extra = snapshot.extra_data;
        if (version >= 3 && extra.size() < 16)
            extra.resize(16, 0);
        if (extra.size() >= 8)
            store_be64(extra, 0, snapshot.vm_state_size);
        if (extra.size() >= 16)
            store_be64(extra, 8, snapshot.disk_size);
        std::size_t start = out.size();
        std::size_t length = FIXED + extra.size() + snapshot.id.size() + snapshot.name.size();
        out.resize(start + ((length + 7) & ~std::size_t{7}), 0);
        std::span<std::uint8_t> entry = std::span(out).subspan(start);
        store_be64(entry, 0, snapshot.l1_table_offset);
        store_be32(entry, 8, snapshot.l1_size);
        store_be16(entry, 12, static_cast<std::uint16_t>(snapshot.id.size()));
        store_be16(entry, 14, static_cast<std::uint16_t>(snapshot.name.size()));
        store_be32(entry, 16, snapshot.date_sec);
        store_be32(entry, 20, snapshot.date_nsec);
        store_be64(entry, 24, snapshot.vm_clock_nsec);
        store_be32(entry, 32, static_cast<std::uint32_t>(std::min<std::uint64_t>(snapshot.vm_state_size, ~0u)));
        store_be32(entry, 36, static_cast<std::uint32_t>(extra.size()));
        std::copy(extra.begin(), extra.end(), entry.begin() + FIXED);
        std::copy(snapshot.id.begin(), snapshot.id.end(), entry.begin() + static_cast<std::ptrdiff_t>(FIXED + extra.size()));
        std::copy(snapshot.name.begin(), snapshot.name.end(),
                  entry.begin() + static_cast<std::ptrdiff_t>(FIXED + extra.size() + snapshot.id.size()));
    }
    return out;
}

}  // namespace nimbus::qcow2
