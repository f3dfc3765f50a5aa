// XlDiskSpecParser: a disk= string to XlDiskSpec with xlu_disk_parse's exact semantics.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/error.hpp"
#include "config/xl_disk_spec.hpp"

namespace nimbus {

// Reproduces libxlutil 4.17's flex scanner for disk specs (xl-disk-configuration(5)): at each point
// the longest-matching rule wins (trailing context counts, ties go to the earlier rule), so e.g. a
// deprecated prefix such as `phy:` outranks a positional parameter, and `target=` eats the rest.
// Positional parameters fill target, format, vdev, access in turn; after a deprecated prefix
// (tap:, aio:, file:, phy:, raw:, qcow2: ...) the format slot is skipped.
class XlDiskSpecParser final {
public:
    // Errors are "disk spec 'SPEC': WHAT near 'TEXT'".
    static Result<XlDiskSpec> parse(std::string_view spec);

private:
    explicit XlDiskSpecParser(std::string_view spec) : m_spec(spec) {}

    Result<void> scan();
    Result<void> finish();
    Result<void> positional(std::string value);
    Result<bool> vdev_and_devtype(const std::string& value);
    Result<void> save(std::optional<std::string>& field, const char* what, const std::string& value);
    Result<void> set_format(const std::string& value);
    Result<void> set_access(const std::string& value);
    Result<void> keyword(std::string_view key, const std::string& value);
    std::unexpected<Error> error(std::string_view what, std::string_view near) const;

    std::string_view m_spec;
    XlDiskSpec m_disk;
};

}  // namespace nimbus
