// Byte-buffer helpers shared by the firmware-table writers (MP table, ACPI): append, sum, checksum.
#pragma once

#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

namespace nimbus::x86 {

template <typename T>
    requires std::is_trivially_copyable_v<T>
void append(std::vector<std::uint8_t>& out, const T& value)
{
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(&value);
    out.insert(out.end(), bytes, bytes + sizeof value);
}

// The 8-bit sum both specifications checksum with: a valid table sums to 0.
inline std::uint8_t sum_of(std::span<const std::uint8_t> bytes)
{
    std::uint8_t sum = 0;
    for (std::uint8_t byte : bytes)
        sum = static_cast<std::uint8_t>(sum + byte);
    return sum;
}

// The byte that makes `bytes` (whose checksum field is still 0) sum to zero.
inline std::uint8_t checksum_for(std::span<const std::uint8_t> bytes)
{
    return static_cast<std::uint8_t>(0x100 - sum_of(bytes));
}

}  // namespace nimbus::x86
