// ImageFile: pread/pwrite loops with EINTR handling, fdatasync and fallocate.
#include "block/qcow2/image_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

namespace nimbus::qcow2 {

Result<void> ImageFile::read_at(std::uint64_t offset, std::span<std::uint8_t> out, bool zero_past_end) const
{
    std::size_t done = 0;
    while (done < out.size()) {
        ssize_t count = ::pread(m_fd.get(), out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
        if (count < 0) {
            if (errno == EINTR)
                continue;
            return fail_errno(fmt::format("read {} at offset {}", m_path, offset + done));
        }
        if (count == 0) {
            if (!zero_past_end)
                return fail(fmt::format("read {} at offset {}", m_path, offset + done), "unexpected end of file");
            std::fill(out.begin() + static_cast<std::ptrdiff_t>(done), out.end(), std::uint8_t{0});
            return {};
        }
        done += static_cast<std::size_t>(count);
    }
    return {};
}

Result<void> ImageFile::write_at(std::uint64_t offset, std::span<const std::uint8_t> data)
{
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t count =
            ::pwrite(m_fd.get(), data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
        if (count < 0) {
            if (errno == EINTR)
                continue;
            return fail_errno(fmt::format("write {} at offset {}", m_path, offset + done));
        }
        if (count == 0)
            return fail(fmt::format("write {} at offset {}", m_path, offset + done), "no progress");
        done += static_cast<std::size_t>(count);
    }
    return {};
}

Result<void> ImageFile::sync()
{
    while (::fdatasync(m_fd.get()) < 0)
        if (errno != EINTR)
            return fail_errno("fdatasync " + m_path);
    return {};
}

Result<std::uint64_t> ImageFile::file_size() const
{
    struct stat status {};
    if (::fstat(m_fd.get(), &status) < 0)
        return fail_errno("stat " + m_path);
    return static_cast<std::uint64_t>(status.st_size);
}

Result<void> ImageFile::allocate(std::uint64_t offset, std::uint64_t length)
{
    while (::fallocate(m_fd.get(), 0, static_cast<off_t>(offset), static_cast<off_t>(length)) < 0)
        if (errno != EINTR)
            return fail_errno(fmt::format("fallocate {} at offset {} length {}", m_path, offset, length));
    return {};
}

}  // namespace nimbus::qcow2
