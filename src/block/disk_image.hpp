// DiskImage: a virtual disk of some format (raw, qcow2), as the block device and `nimbus img` see it.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <span>
#include <string_view>

#include "base/error.hpp"

namespace nimbus {

// Implementations are safe to call from several threads at once (the block device's I/O workers).
// Offsets and lengths are in bytes of the virtual disk; a request that crosses size() fails.
class DiskImage {
public:
    virtual ~DiskImage() = default;

    virtual std::string_view format_name() const = 0;  // "raw", "qcow2"
    virtual std::uint64_t size() const = 0;            // virtual size in bytes
    virtual bool read_only() const = 0;

    // Scatter/gather I/O: the buffers are filled (or written) in order starting at `offset`.
    virtual Result<void> readv(std::uint64_t offset, std::span<const iovec> buffers) = 0;
    virtual Result<void> writev(std::uint64_t offset, std::span<const iovec> buffers) = 0;
    // Returns only when everything written before it is on stable storage (fdatasync).
    virtual Result<void> flush() = 0;
    // The range may be deallocated (a hole); reads of it then return zeros or, for raw files on
    // file systems that cannot punch holes, the old data (the virtio DISCARD contract).
    virtual Result<void> discard(std::uint64_t offset, std::uint64_t length) = 0;
    // The range reads as zeros afterwards; `may_unmap` allows deallocating it to get there.
    virtual Result<void> write_zeroes(std::uint64_t offset, std::uint64_t length, bool may_unmap) = 0;

    // Convenience for one contiguous buffer.
    Result<void> read(std::uint64_t offset, std::span<std::uint8_t> out)
    {
        iovec buffer{out.data(), out.size()};
        return readv(offset, {&buffer, 1});
    }
    Result<void> write(std::uint64_t offset, std::span<const std::uint8_t> data)
    {
        iovec buffer{const_cast<std::uint8_t*>(data.data()), data.size()};
        return writev(offset, {&buffer, 1});
    }
};

}  // namespace nimbus
