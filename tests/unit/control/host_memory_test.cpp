// host_memory: /proc/meminfo figures.
#include "control/host_memory.hpp"

#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

namespace nimbus::control {
namespace {

std::string write_temp(const std::string& text)
{
    char pattern[] = "/tmp/nimbus-meminfo-XXXXXX";
    int fd = ::mkstemp(pattern);
    EXPECT_GE(fd, 0);
    ::close(fd);
    std::ofstream(pattern) << text;
    return pattern;
}

TEST(HostMemory, ReadsTotalAndAvailable)
{
    std::string path = write_temp("MemTotal:       24684544 kB\nMemFree:         1000000 kB\n"
                                  "MemAvailable:   23279616 kB\nBuffers:            1024 kB\n");
    auto memory = read_host_memory(path);
    ::unlink(path.c_str());
    ASSERT_TRUE(memory) << memory.error().message();
    EXPECT_EQ(memory->total_mib, 24106u);
    EXPECT_EQ(memory->available_mib, 22734u);
}

TEST(HostMemory, MissingFieldsAreAnError)
{
    std::string path = write_temp("MemTotal:       24684544 kB\n");
    auto memory = read_host_memory(path);
    ::unlink(path.c_str());
    ASSERT_FALSE(memory);
    EXPECT_NE(memory.error().message().find("MemAvailable"), std::string::npos);
    EXPECT_FALSE(read_host_memory("/nonexistent/meminfo"));
}

TEST(HostMemory, ThisHostHasSome)
{
    auto memory = read_host_memory();
    ASSERT_TRUE(memory) << memory.error().message();
    EXPECT_GT(memory->total_mib, 0u);
    EXPECT_LE(memory->available_mib, memory->total_mib);
}

}  // namespace
}  // namespace nimbus::control
