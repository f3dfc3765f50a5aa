// Request range check: a request must lie inside the image, or it fails without touching it.
#pragma once

#include <cstdint>
#include <string>

#include "base/error.hpp"

namespace nimbus {

// Fails when [offset, offset + length) is not inside an image of `size` bytes; `operation` names
// what was attempted, e.g. "read /images/a.img".
Result<void> check_request_range(std::string operation, std::uint64_t offset, std::uint64_t length,
                                 std::uint64_t size);

}  // namespace nimbus
