// Zero buffers: iovecs over one shared block of zeros, for writing zeros where fallocate cannot.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace nimbus {

// At most this many bytes are described by one fill_zero_buffers() call.
inline constexpr std::size_t ZERO_BUFFERS_MAX_BYTES = 1024 * 1024;
inline constexpr std::size_t ZERO_BUFFERS_MAX_ENTRIES = 16;

// Fills `out` with entries pointing at read-only zeros covering min(length,
// ZERO_BUFFERS_MAX_BYTES) bytes; returns the number of entries used.
// Precondition: out.size() >= ZERO_BUFFERS_MAX_ENTRIES.
std::size_t fill_zero_buffers(std::span<iovec> out, std::uint64_t length);

}  // namespace nimbus
