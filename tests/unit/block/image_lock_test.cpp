// Image locking: QEMU's lock bytes, conflicts between openers, release on close and on failure.
#include <gtest/gtest.h>

#include <fcntl.h>

#include "base/unique_fd.hpp"
#include "block/image_lock.hpp"
#include "block/raw_image.hpp"
#include "tests/unit/block/block_test_support.hpp"

using namespace nimbus;
using nimbus::testing::TempDir;

namespace {

constexpr OpenMode READ_WRITE{.read_only = false};
constexpr OpenMode READ_ONLY{.read_only = true};

// Whether some other open file description holds a lock on `byte` (as QEMU tests it).
bool byte_locked(const std::string& path, off_t byte)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    EXPECT_TRUE(fd.valid());
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    lock.l_start = byte;
    lock.l_len = 1;
    EXPECT_EQ(::fcntl(fd.get(), F_OFD_GETLK, &lock), 0);
    return lock.l_type != F_UNLCK;
}

std::vector<off_t> locked_bytes(const std::string& path)
{
    std::vector<off_t> locked;
    for (off_t byte = 0; byte < 300; ++byte)
        if (byte_locked(path, byte))
            locked.push_back(byte);
    return locked;
}

class ImageLock : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(RawImage::create(m_path, 1024 * 1024)); }
    TempDir m_dir;
    std::string m_path = m_dir.file("x.img");
};

}  // namespace

TEST_F(ImageLock, ReadWriteTakesQemusVirtioBlkBytes)
{
    auto image = RawImage::open(m_path, READ_WRITE);
    ASSERT_TRUE(image);
    // Uses consistent-read (100) and write (101); lets nobody else write (201).
    EXPECT_EQ(locked_bytes(m_path), (std::vector<off_t>{100, 101, 201}));
}

TEST_F(ImageLock, ReadOnlyTakesQemusVirtioBlkBytes)
{
    auto image = RawImage::open(m_path, READ_ONLY);
    ASSERT_TRUE(image);
    EXPECT_EQ(locked_bytes(m_path), (std::vector<off_t>{100, 201}));
}

TEST_F(ImageLock, TwoWritersConflictWithAClearMessage)
{
    auto first = RawImage::open(m_path, READ_WRITE);
    ASSERT_TRUE(first);
    auto second = RawImage::open(m_path, READ_WRITE);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().message(),
              "disk image " + m_path + " is in use by another process (write lock held); is another guest using it?");
}

TEST_F(ImageLock, ReaderAndWriterConflictInEitherOrder)
{
    {
        auto writer = RawImage::open(m_path, READ_WRITE);
        ASSERT_TRUE(writer);
        EXPECT_FALSE(RawImage::open(m_path, READ_ONLY));
    }
    auto reader = RawImage::open(m_path, READ_ONLY);
    ASSERT_TRUE(reader);
    auto writer = RawImage::open(m_path, READ_WRITE);
    ASSERT_FALSE(writer);
    EXPECT_NE(writer.error().message().find("in use by another process"), std::string::npos);
}

TEST_F(ImageLock, ReadersCoexist)
{
    auto first = RawImage::open(m_path, READ_ONLY);
    auto second = RawImage::open(m_path, READ_ONLY);
    EXPECT_TRUE(first);
    EXPECT_TRUE(second);
}

TEST_F(ImageLock, ClosingReleasesTheLock)
{
    {
        auto first = RawImage::open(m_path, READ_WRITE);
        ASSERT_TRUE(first);
    }
    EXPECT_TRUE(locked_bytes(m_path).empty());
    EXPECT_TRUE(RawImage::open(m_path, READ_WRITE));
}

TEST_F(ImageLock, FailedAttemptHoldsNothing)
{
    UniqueFd holder(::open(m_path.c_str(), O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(lock_image(holder.get(), m_path, READ_WRITE));
    UniqueFd loser(::open(m_path.c_str(), O_RDWR | O_CLOEXEC));
    ASSERT_FALSE(lock_image(loser.get(), m_path, READ_WRITE));
    holder.reset();
    // The loser's descriptor is still open, yet it keeps no lock bytes.
    EXPECT_TRUE(locked_bytes(m_path).empty());
}
