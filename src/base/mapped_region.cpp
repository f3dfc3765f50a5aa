// MappedRegion: mmap/munmap.
#include "base/mapped_region.hpp"

#include <sys/mman.h>

namespace nimbus {

Result<MappedRegion> MappedRegion::anonymous(std::size_t size)
{
    void* data = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (data == MAP_FAILED)
        return fail_errno(fmt::format("mmap {} bytes of anonymous memory", size));
    return MappedRegion(static_cast<std::uint8_t*>(data), size);
}

Result<MappedRegion> MappedRegion::of_file(int fd, std::size_t size, std::uint64_t offset, bool writable)
{
    int protection = PROT_READ | (writable ? PROT_WRITE : 0);
    void* data = ::mmap(nullptr, size, protection, MAP_SHARED, fd, static_cast<off_t>(offset));
    if (data == MAP_FAILED)
        return fail_errno(fmt::format("mmap {} bytes of a file at offset {}", size, offset));
    return MappedRegion(static_cast<std::uint8_t*>(data), size);
}

MappedRegion::~MappedRegion()
{
    unmap();
}

MappedRegion& MappedRegion::operator=(MappedRegion&& other) noexcept
{
    if (this != &other) {
        unmap();
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
    }
    return *this;
}

void MappedRegion::unmap()
{
    if (m_data != nullptr)
        ::munmap(m_data, m_size);
    m_data = nullptr;
    m_size = 0;
}

}  // namespace nimbus
