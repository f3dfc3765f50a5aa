// Request range check.
#include "block/request_range.hpp"

namespace nimbus {

Result<void> check_request_range(std::string operation, std::uint64_t offset, std::uint64_t length,
                                 std::uint64_t size)
{
    if (length > size || offset > size - length)
        return fail(std::move(operation), "{} bytes at offset {} cross the end of the image ({} bytes)",
                    length, offset, size);
    return {};
}

}  // namespace nimbus
