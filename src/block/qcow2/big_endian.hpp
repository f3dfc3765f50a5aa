// Big-endian loads and stores for qcow2 metadata, which is big-endian on disk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace nimbus::qcow2 {

inline std::uint64_t load_be(std::span<const std::uint8_t> bytes, std::size_t offset, std::size_t width)
{
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < width; ++i)
        value = (value << 8) | bytes[offset + i];
    return value;
}
inline std::uint16_t load_be16(std::span<const std::uint8_t> bytes, std::size_t offset)
{
    return static_cast<std::uint16_t>(load_be(bytes, offset, 2));
}
inline std::uint32_t load_be32(std::span<const std::uint8_t> bytes, std::size_t offset)
{
    return static_cast<std::uint32_t>(load_be(bytes, offset, 4));
}
inline std::uint64_t load_be64(std::span<const std::uint8_t> bytes, std::size_t offset)
{
    return load_be(bytes, offset, 8);
}

inline void store_be(std::span<std::uint8_t> bytes, std::size_t offset, std::size_t width, std::uint64_t value)
{
    for (std::size_t i = width; i-- > 0;) {
        bytes[offset + i] = static_cast<std::uint8_t>(value & 0xff);
        value >>= 8;
    }
}
inline void store_be16(std::span<std::uint8_t> bytes, std::size_t offset, std::uint16_t value)
{
    store_be(bytes, offset, 2, value);
}
inline void store_be32(std::span<std::uint8_t> bytes, std::size_t offset, std::uint32_t value)
{
    store_be(bytes, offset, 4, value);
}
inline void store_be64(std::span<std::uint8_t> bytes, std::size_t offset, std::uint64_t value)
{
    store_be(bytes, offset, 8, value);
}

}  // namespace nimbus::qcow2
