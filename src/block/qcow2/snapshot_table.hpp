// SnapshotTable: the internal snapshots listed in a qcow2 image (read with every field checked).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "block/qcow2/header.hpp"
#include "block/qcow2/image_file.hpp"

namespace nimbus::qcow2 {

struct Snapshot final {
    std::uint64_t l1_table_offset = 0;
    std::uint32_t l1_size = 0;
    std::string id;
    std::string name;
    std::uint32_t date_sec = 0;
    std::uint32_t date_nsec = 0;
    std::uint64_t vm_clock_nsec = 0;
    std::uint64_t vm_state_size = 0;
    std::uint64_t disk_size = 0;   // the virtual size when taken (from extra data; else the image's)
    std::uint64_t icount = ~0ull;  // ~0: not recorded
    std::vector<std::uint8_t> extra_data;
};

class SnapshotTable final {
public:
    // Reads `header.nb_snapshots` entries at `header.snapshots_offset`.
    static Result<SnapshotTable> load(const ImageFile& file, const Header& header);

    const std::vector<Snapshot>& snapshots() const { return m_snapshots; }
    std::uint64_t byte_size() const { return m_byte_size; }

    // The table as stored on disk, entries padded to 8 bytes (version 3 entries carry at least
    // the 16 bytes of extra data QEMU requires).
    static std::vector<std::uint8_t> encode(const std::vector<Snapshot>& snapshots, std::uint32_t version);

private:
    std::vector<Snapshot> m_snapshots;
    std::uint64_t m_byte_size = 0;
};

}  // namespace nimbus::qcow2
