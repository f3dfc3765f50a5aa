// MappedRegion: an owned anonymous or file mmap with data()/size().
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "base/error.hpp"

namespace nimbus {

class MappedRegion final {
public:
    // Anonymous, private, zero-filled memory of `size` bytes (not reserved in swap).
    static Result<MappedRegion> anonymous(std::size_t size);
    // A shared or private mapping of `size` bytes of `fd` from `offset`.
    static Result<MappedRegion> of_file(int fd, std::size_t size, std::uint64_t offset, bool writable);

    MappedRegion() = default;
    ~MappedRegion();
    MappedRegion(MappedRegion&& other) noexcept
        : m_data(std::exchange(other.m_data, nullptr)), m_size(std::exchange(other.m_size, 0)) {}
    MappedRegion& operator=(MappedRegion&& other) noexcept;
    MappedRegion(const MappedRegion&) = delete;
    MappedRegion& operator=(const MappedRegion&) = delete;

    std::uint8_t* data() const { return m_data; }
    std::size_t size() const { return m_size; }
    std::span<std::uint8_t> bytes() const { return {m_data, m_size}; }

private:
    MappedRegion(std::uint8_t* data, std::size_t size) : m_data(data), m_size(size) {}
    void unmap();

    std::uint8_t* m_data = nullptr;
    std::size_t m_size = 0;
};

}  // namespace nimbus
