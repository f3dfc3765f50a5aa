// FuzzInput: the fuzzer's bytes read front to back as values and byte runs (zeros once they run out).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace nimbus {

class FuzzInput final {
public:
    FuzzInput(const std::uint8_t* data, std::size_t size) : m_data(data), m_size(size) {}
    bool done() const { return m_offset >= m_size; }
    template <typename T>
    T take()
    {
        T value{};
        std::size_t count = std::min(sizeof value, m_size - std::min(m_offset, m_size));
        std::memcpy(&value, m_data + m_offset, count);
        m_offset += sizeof value;
        return value;
    }
    std::span<const std::uint8_t> take_bytes(std::size_t wanted)
    {
        std::size_t start = std::min(m_offset, m_size);
        std::size_t count = std::min(wanted, m_size - start);
        m_offset += count;
        return {m_data + start, count};
    }

private:
    const std::uint8_t* m_data;
    std::size_t m_size;
    std::size_t m_offset = 0;
};

}  // namespace nimbus
