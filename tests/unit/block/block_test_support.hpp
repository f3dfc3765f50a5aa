// Test support for block/: a temporary directory on a chosen file system, and file inspection.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace nimbus::testing {

// A fresh directory under `base` ("/tmp" is ext4 here, "/dev/shm" tmpfs), removed with its files.
class TempDir final {
public:
    explicit TempDir(const std::string& base = "/tmp")
    {
        std::string pattern = base + "/nimbus-block-test-XXXXXX";
        char* made = ::mkdtemp(pattern.data());
        if (made == nullptr)
            ADD_FAILURE() << "mkdtemp in " << base << " failed";
        else
            m_path = made;
    }
    ~TempDir()
    {
        std::error_code ignored;
        if (!m_path.empty())
            std::filesystem::remove_all(m_path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string file(const std::string& name) const { return m_path + "/" + name; }

private:
    std::string m_path;
};

// Bytes the file system has allocated for the file.
inline std::uint64_t allocated_bytes(const std::string& path)
{
    struct stat status {};
    EXPECT_EQ(::stat(path.c_str(), &status), 0) << path;
    return static_cast<std::uint64_t>(status.st_blocks) * 512;
}

}  // namespace nimbus::testing
