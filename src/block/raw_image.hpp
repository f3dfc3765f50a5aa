// RawImage: a raw disk image, a regular file or a block device whose bytes are the disk's.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "base/unique_fd.hpp"
#include "block/disk_image.hpp"
#include "block/open_mode.hpp"

namespace nimbus {

class RawImage final : public DiskImage {
public:
    // Opens and locks the image (see image_lock.hpp); the size is fixed at open.
    static Result<std::unique_ptr<RawImage>> open(const std::string& path, OpenMode mode);
    // Creates a sparse raw file of `size` bytes. Never replaces an existing file; on failure
    // nothing is left behind.
    static Result<void> create(const std::string& path, std::uint64_t size);

    std::string_view format_name() const override { return "raw"; }
    std::uint64_t size() const override { return m_size; }
    bool read_only() const override { return m_read_only; }

    Result<void> readv(std::uint64_t offset, std::span<const iovec> buffers) override;
    Result<void> writev(std::uint64_t offset, std::span<const iovec> buffers) override;
    Result<void> flush() override;
    Result<void> discard(std::uint64_t offset, std::uint64_t length) override;
    Result<void> write_zeroes(std::uint64_t offset, std::uint64_t length, bool may_unmap) override;

    // For engines that do their own I/O on the file (io_uring); the image keeps ownership.
    int fd() const { return m_fd.get(); }
    const std::string& path() const { return m_path; }

private:
    RawImage(UniqueFd fd, std::string path, std::uint64_t size, bool read_only)
        : m_fd(std::move(fd)), m_path(std::move(path)), m_size(size), m_read_only(read_only)
    {
    }

    Result<void> check_write(std::string_view what, std::uint64_t offset, std::uint64_t length) const;
    // One fallocate(2); true when done, false when the file system does not support `mode`.
    Result<bool> try_fallocate(std::string_view what, int mode, std::uint64_t offset, std::uint64_t length);
    Result<void> write_zero_buffers(std::uint64_t offset, std::uint64_t length);

    UniqueFd m_fd;
    std::string m_path;
    std::uint64_t m_size;
    bool m_read_only;
    // Learnt on first EOPNOTSUPP so later requests skip the system call; racy updates are harmless.
    std::atomic<bool> m_can_punch_hole{true};
    std::atomic<bool> m_can_zero_range{true};
};

}  // namespace nimbus
