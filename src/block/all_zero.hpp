// all_zero: whether a buffer holds only zero bytes, at memcmp's speed.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>

namespace nimbus {

// Each byte equals the next and the first is zero; memcmp is vectorised, a byte loop is not.
inline bool all_zero(std::span<const std::uint8_t> data)
{
    return data.empty() || (data[0] == 0 && std::memcmp(data.data(), data.data() + 1, data.size() - 1) == 0);
}

}  // namespace nimbus
