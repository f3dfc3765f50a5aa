// Fuzz target: an arbitrary file opened as a qcow2 image, then read, written, zeroed, discarded,
// flushed and checked. Every path must fail with an error or succeed, never crash or overrun.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "block/qcow2/qcow2_image.hpp"

namespace {

// Offsets to touch: the start of the disk and a few places the input's tail picks.
std::vector<std::uint64_t> offsets(const std::uint8_t* data, std::size_t size, std::uint64_t disk_size)
{
    std::vector<std::uint64_t> result{0, 512, 65536 - 100};
    for (std::size_t i = 0; i + 8 <= size && result.size() < 8; i += size / 5 + 8) {
        std::uint64_t value = 0;
        for (std::size_t j = 0; j < 8; ++j)
            value = (value << 8) | data[size - 1 - i - j];
        result.push_back(value);
    }
    for (auto& offset : result)
        offset = disk_size == 0 ? 0 : offset % disk_size;
    return result;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const std::string path = "/dev/shm/nimbus-qcow2-fuzz-" + std::to_string(::getpid()) + ".qcow2";
    {
        std::ofstream file(path, std::ios::binary | std::ios::trunc);
        file.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    {
        auto image = nimbus::qcow2::Qcow2Image::open(path, nimbus::OpenMode{.read_only = false});
        if (!image)
            return 0;
        nimbus::qcow2::Qcow2Image& disk = **image;
        std::vector<std::uint8_t> buffer(70000, 0xa5);
        for (std::uint64_t offset : offsets(data, size, disk.size())) {
            std::uint64_t length = std::min<std::uint64_t>(buffer.size(), disk.size() - offset);
            (void)disk.read(offset, std::span(buffer).first(length));
            (void)disk.write(offset, std::span<const std::uint8_t>(buffer).first(length / 2));
            (void)disk.write_zeroes(offset, length / 3, offset % 2 == 0);
            (void)disk.discard(offset, length / 4);
            (void)disk.read(offset, std::span(buffer).first(length));
        }
        (void)disk.flush();
        // A mutated refcount table can place blocks far out in a sparse file; the check's memory
        // grows with the file, so only files of ordinary size are checked here.
        if (disk.host_end() < (64ull << 20))
            (void)disk.check(nimbus::qcow2::RepairMode::None);
    }
    ::unlink(path.c_str());
    return 0;
}
