// Test support for qcow2 interop: running qemu-img/qemu-io, patterned data, whole-image comparison.
#pragma once

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "block/disk_image.hpp"

namespace nimbus::testing {

inline bool have_program(const std::string& name)
{
    return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

struct CommandResult {
    int status = -1;
    std::string output;  // stdout and (unless discarded) stderr
};

enum class Stderr { Capture, Discard };

inline CommandResult run_command(const std::string& command, Stderr standard_error = Stderr::Capture)
{
    CommandResult result;
    std::string redirect = standard_error == Stderr::Capture ? " 2>&1" : " 2>/dev/null";
    FILE* pipe = ::popen((command + redirect).c_str(), "r");
    if (pipe == nullptr)
        return result;
    std::array<char, 4096> buffer{};
    while (std::size_t count = std::fread(buffer.data(), 1, buffer.size(), pipe))
        result.output.append(buffer.data(), count);
    int status = ::pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

// Runs a command that must succeed (a failure is reported with its output).
inline std::string must_run(const std::string& command)
{
    CommandResult result = run_command(command);
    EXPECT_EQ(result.status, 0) << command << "\n" << result.output;
    return result.output;
}

inline std::vector<std::uint8_t> read_whole_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

inline void write_whole_file(const std::string& path, const std::vector<std::uint8_t>& data)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

inline std::vector<std::uint8_t> random_bytes(std::size_t size, std::uint32_t seed)
{
    std::mt19937 generator(seed);
    std::vector<std::uint8_t> data(size);
    for (auto& byte : data)
        byte = static_cast<std::uint8_t>(generator() % 7 == 0 ? 0 : generator());
    return data;
}

// Everything the image shows, read through our engine in uneven pieces.
inline std::vector<std::uint8_t> read_all(DiskImage& image)
{
    std::vector<std::uint8_t> data(image.size());
    std::uint64_t step = 61 * 1024 + 512;
    for (std::uint64_t at = 0; at < data.size(); at += step) {
        std::uint64_t length = std::min<std::uint64_t>(step, data.size() - at);
        auto read = image.read(at, std::span(data).subspan(at, length));
        EXPECT_TRUE(read) << read.error().message();
        if (!read)
            break;
    }
    return data;
}

// The first differing byte offset, or -1 when equal.
inline long long first_difference(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b)
{
    if (a.size() != b.size())
        return static_cast<long long>(std::min(a.size(), b.size()));
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i] != b[i])
            return static_cast<long long>(i);
    return -1;
}

}  // namespace nimbus::testing
