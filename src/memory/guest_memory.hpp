// GuestMemory: guest RAM as host mappings, and the one bounds-checked gpa -> host span accessor.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>
#include <vector>

#include "base/error.hpp"
#include "base/mapped_region.hpp"

namespace nimbus {

// x86 layout: RAM from 0 up to the 32-bit MMIO hole, the rest above 4 GiB.
inline constexpr std::uint64_t MMIO_HOLE_START = 0xC000'0000;  // 3 GiB
inline constexpr std::uint64_t MMIO_HOLE_END = 0x1'0000'0000;  // 4 GiB

struct GuestRegion final {
    std::uint64_t guest_address;
    MappedRegion mapping;

    std::uint64_t size() const { return mapping.size(); }
    std::uint64_t end() const { return guest_address + mapping.size(); }
};

class GuestMemory final {
public:
    // `size` bytes of RAM laid out around the MMIO hole. Size must be a multiple of 4 KiB and > 0.
    static Result<GuestMemory> create(std::uint64_t size);

    std::span<const GuestRegion> regions() const { return m_regions; }
    std::uint64_t size() const { return m_size; }

    // Guest-controlled: `address` and `length` may be anything. Succeeds only when the whole range
    // lies inside one RAM region (no wrap-around); otherwise an error names the range.
    Result<std::span<std::uint8_t>> span(std::uint64_t address, std::uint64_t length) const;
    bool contains(std::uint64_t address, std::uint64_t length) const;

    Result<void> read(std::uint64_t address, std::span<std::uint8_t> out) const;
    Result<void> write(std::uint64_t address, std::span<const std::uint8_t> data) const;

    template <typename T>
        requires std::is_trivially_copyable_v<T>
    Result<T> read_object(std::uint64_t address) const
    {
        T value;
        TRY(read(address, {reinterpret_cast<std::uint8_t*>(&value), sizeof value}));
        return value;
    }
    template <typename T>
        requires std::is_trivially_copyable_v<T>
    Result<void> write_object(std::uint64_t address, const T& value) const
    {
        return write(address, {reinterpret_cast<const std::uint8_t*>(&value), sizeof value});
    }

private:
    GuestMemory(std::vector<GuestRegion> regions, std::uint64_t size) : m_regions(std::move(regions)), m_size(size) {}

    std::vector<GuestRegion> m_regions;
    std::uint64_t m_size = 0;
};

}  // namespace nimbus
