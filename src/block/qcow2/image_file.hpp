// ImageFile: positional reads, writes and syncs on the qcow2 container file.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace nimbus::qcow2 {

class ImageFile final {
public:
    ImageFile(UniqueFd fd, std::string path) : m_fd(std::move(fd)), m_path(std::move(path)) {}

    // Reads exactly out.size() bytes; past the end of the file reads as zeros when `zero_past_end`.
    Result<void> read_at(std::uint64_t offset, std::span<std::uint8_t> out, bool zero_past_end = false) const;
    Result<void> write_at(std::uint64_t offset, std::span<const std::uint8_t> data);
    Result<void> sync();
    Result<std::uint64_t> file_size() const;
    // fallocate(2) without changing the size reported to readers beyond `offset + length`.
    Result<void> allocate(std::uint64_t offset, std::uint64_t length);

    int fd() const { return m_fd.get(); }
    const std::string& path() const { return m_path; }

private:
    UniqueFd m_fd;
    std::string m_path;
};

}  // namespace nimbus::qcow2
