// RawImage: preadv/pwritev loops, fdatasync, and fallocate for discard and write-zeroes.
#include "block/raw_image.hpp"

#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <limits>

#include "block/image_lock.hpp"
#include "block/iov_cursor.hpp"
#include "block/request_range.hpp"
#include "block/zero_buffers.hpp"

namespace nimbus {

namespace {

constexpr std::uint64_t MAX_OFF_T = static_cast<std::uint64_t>(std::numeric_limits<off_t>::max());

Result<std::uint64_t> image_size(int fd, const std::string& path)
{
    struct stat status {};
    if (::fstat(fd, &status) < 0)
        return fail_errno("stat " + path);
    if (S_ISREG(status.st_mode))
        return static_cast<std::uint64_t>(status.st_size);
    if (S_ISBLK(status.st_mode)) {
        std::uint64_t bytes = 0;
        if (::ioctl(fd, BLKGETSIZE64, &bytes) < 0)
            return fail_errno("BLKGETSIZE64 " + path);
        return bytes;
    }
    return fail("open " + path, "not a regular file or a block device");
}

}  // namespace

Result<std::unique_ptr<RawImage>> RawImage::open(const std::string& path, OpenMode mode)
{
    int flags = (mode.read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;
    UniqueFd fd(::open(path.c_str(), flags));
    if (!fd.valid())
        return fail_errno("open " + path);
    std::uint64_t size = TRY(image_size(fd.get(), path));
    TRY(lock_image(fd.get(), path, mode));
    return std::unique_ptr<RawImage>(new RawImage(std::move(fd), path, size, mode.read_only));
}

Result<void> RawImage::create(const std::string& path, std::uint64_t size)
{
    if (size > MAX_OFF_T)
        return fail("create " + path, "size {} is too large", size);
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd.valid())
        return fail_errno("create " + path);
    if (::ftruncate(fd.get(), static_cast<off_t>(size)) < 0) {
        auto error = fail_errno(fmt::format("set the size of {} to {} bytes", path, size));
        ::unlink(path.c_str());
        return error;
    }
    return {};
}

Result<void> RawImage::readv(std::uint64_t offset, std::span<const iovec> buffers)
{
    std::uint64_t length = TRY(iov_total_length(buffers));
    TRY(check_request_range("read " + m_path, offset, length, m_size));
    IovCursor cursor(buffers);
    while (!cursor.done()) {
        auto entries = cursor.remaining_entries(IOV_MAX);
        ssize_t count = ::preadv(m_fd.get(), entries.data(), static_cast<int>(entries.size()),
                                 static_cast<off_t>(offset));
        if (count < 0) {
            if (errno == EINTR)
                continue;
            return fail_errno(fmt::format("read {} at offset {}", m_path, offset));
        }
        if (count == 0)
            return fail(fmt::format("read {} at offset {}", m_path, offset), "unexpected end of file");
        cursor.advance(static_cast<std::uint64_t>(count));
        offset += static_cast<std::uint64_t>(count);
    }
    return {};
}

Result<void> RawImage::writev(std::uint64_t offset, std::span<const iovec> buffers)
{
    std::uint64_t length = TRY(iov_total_length(buffers));
    TRY(check_write("write", offset, length));
    IovCursor cursor(buffers);
    while (!cursor.done()) {
        auto entries = cursor.remaining_entries(IOV_MAX);
        ssize_t count = ::pwritev(m_fd.get(), entries.data(), static_cast<int>(entries.size()),
                                  static_cast<off_t>(offset));
        if (count < 0) {
            if (errno == EINTR)
                continue;
            return fail_errno(fmt::format("write {} at offset {}", m_path, offset));
        }
        if (count == 0)
            return fail(fmt::format("write {} at offset {}", m_path, offset), "no progress");
        cursor.advance(static_cast<std::uint64_t>(count));
        offset += static_cast<std::uint64_t>(count);
    }
    return {};
}

Result<void> RawImage::flush()
{
    if (m_read_only)
        return {};
    while (::fdatasync(m_fd.get()) < 0)
        if (errno != EINTR)
            return fail_errno("fdatasync " + m_path);
    return {};
}

Result<void> RawImage::discard(std::uint64_t offset, std::uint64_t length)
{
    TRY(check_write("discard", offset, length));
    if (length == 0 || !m_can_punch_hole.load(std::memory_order_relaxed))
        return {};
    // Unsupported: the data stays, which the discard contract allows.
    if (!TRY(try_fallocate("discard", FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length)))
        m_can_punch_hole.store(false, std::memory_order_relaxed);
    return {};
}

Result<void> RawImage::write_zeroes(std::uint64_t offset, std::uint64_t length, bool may_unmap)
{
    TRY(check_write("write zeroes", offset, length));
    if (length == 0)
        return {};
    if (may_unmap && m_can_punch_hole.load(std::memory_order_relaxed)) {
        if (TRY(try_fallocate("write zeroes", FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length)))
            return {};
        m_can_punch_hole.store(false, std::memory_order_relaxed);
    }
    if (m_can_zero_range.load(std::memory_order_relaxed)) {
        if (TRY(try_fallocate("write zeroes", FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, offset, length)))
            return {};
        m_can_zero_range.store(false, std::memory_order_relaxed);
    }
    return write_zero_buffers(offset, length);
}

Result<void> RawImage::check_write(std::string_view what, std::uint64_t offset, std::uint64_t length) const
{
    std::string operation = fmt::format("{} {}", what, m_path);
    if (m_read_only)
        return fail(std::move(operation), "the image is open read-only");
    return check_request_range(std::move(operation), offset, length, m_size);
}

Result<bool> RawImage::try_fallocate(std::string_view what, int mode, std::uint64_t offset, std::uint64_t length)
{
    while (::fallocate(m_fd.get(), mode, static_cast<off_t>(offset), static_cast<off_t>(length)) < 0) {
        if (errno == EOPNOTSUPP || errno == ENOSYS)
            return false;
        if (errno != EINTR)
            return fail_errno(fmt::format("{} {} at offset {} length {}", what, m_path, offset, length));
    }
    return true;
}

Result<void> RawImage::write_zero_buffers(std::uint64_t offset, std::uint64_t length)
{
    iovec buffers[ZERO_BUFFERS_MAX_ENTRIES];
    while (length > 0) {
        std::size_t count = fill_zero_buffers(buffers, length);
        std::uint64_t chunk = TRY(iov_total_length({buffers, count}));
        TRY(writev(offset, {buffers, count}));
        offset += chunk;
        length -= chunk;
    }
    return {};
}

}  // namespace nimbus
