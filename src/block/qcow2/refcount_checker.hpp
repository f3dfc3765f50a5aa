// RefcountChecker: recounts every reference in the image and compares with the stored refcounts
// and copied flags; repairs leaks (and, with RepairMode::All, too-low refcounts and flags).
#pragma once

#include <cstdint>
#include <vector>

#include "base/error.hpp"
#include "block/qcow2/check_result.hpp"
#include "block/qcow2/cluster_map.hpp"
#include "block/qcow2/header.hpp"
#include "block/qcow2/image_file.hpp"
#include "block/qcow2/refcount_table.hpp"

namespace nimbus::qcow2 {

class RefcountChecker final {
public:
    RefcountChecker(ImageFile& file, const Header& header, RefcountTable& refcounts, ClusterMap& map)
        : m_file(file), m_header(header), m_refcounts(refcounts), m_map(map)
    {
    }

    // Precondition: all metadata is flushed. Repairs go to the caches; the caller flushes.
    Result<CheckResult> run(RepairMode mode);

private:
    void add_range(std::uint64_t offset, std::uint64_t length, std::string_view what);
    // Counts an L1 table, its L2 tables and their clusters; `active` also gathers statistics.
    Result<void> walk_l1(const std::vector<std::uint64_t>& l1, bool active);
    Result<void> walk_l2(std::uint64_t l2_offset, bool active);
    Result<void> compare(RepairMode mode);
    Result<void> check_copied_flags(RepairMode mode);

    ImageFile& m_file;
    const Header& m_header;
    RefcountTable& m_refcounts;
    ClusterMap& m_map;
    std::vector<std::uint32_t> m_counted;
    CheckResult m_result;
    std::uint64_t m_previous_data = 0;
};

}  // namespace nimbus::qcow2
