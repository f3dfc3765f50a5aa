// Test support: a VirtioBlock over a raw image in a temporary directory, driven by FakeBlockDriver.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "block/raw_image.hpp"
#include "tests/unit/block/block_test_support.hpp"
#include "tests/unit/devices/virtio/block/fake_block_driver.hpp"
#include "tests/unit/support/guest_memory_fixture.hpp"

namespace nimbus::test {

inline constexpr std::uint64_t DISK_BYTES = 4 << 20;  // 8192 sectors

inline std::uint64_t all_block_features()
{
    return virtio::F_VERSION_1 | virtio::F_INDIRECT_DESC | virtio::F_EVENT_IDX | virtio_blk::F_FLUSH |
           virtio_blk::F_DISCARD | virtio_blk::F_WRITE_ZEROES | virtio_blk::F_MQ | virtio_blk::F_SEG_MAX |
           virtio_blk::F_BLK_SIZE;
}

class BlockDeviceFixture {
protected:
    // Makes the image (byte i = i * 7 mod 251, a pattern that does not repeat per sector), the
    // device and the driver.
    void set_up(IoEngineKind kind, bool read_only = false, std::size_t queues = 1,
                std::uint64_t features = all_block_features())
    {
        m_path = m_dir.file("disk.img");
        ASSERT_TRUE(RawImage::create(m_path, DISK_BYTES));
        std::vector<std::uint8_t> pattern(DISK_BYTES);
        for (std::size_t index = 0; index < pattern.size(); ++index)
            pattern[index] = static_cast<std::uint8_t>(index * 7 % 251);
        write_file(0, pattern);
        auto image = RawImage::open(m_path, {.read_only = read_only});
        ASSERT_TRUE(image) << image.error().message();
        auto backend = BlockBackend::create(std::move(*image), {.kind = kind, .queue_depth = 64});
        ASSERT_TRUE(backend) << backend.error().message();
        auto device = VirtioBlock::create(std::move(*backend), {.queue_count = queues, .serial = "nimbus-test-serial"});
        ASSERT_TRUE(device) << device.error().message();
        m_device = *device;
        m_driver.emplace(m_memory, *m_device, queues, features);
        ASSERT_TRUE(m_driver->activated());
    }

    std::vector<std::uint8_t> file_bytes(std::uint64_t offset, std::size_t length)
    {
        std::vector<std::uint8_t> out(length);
        int fd = ::open(m_path.c_str(), O_RDONLY);
        EXPECT_GE(fd, 0);
        EXPECT_EQ(::pread(fd, out.data(), length, static_cast<off_t>(offset)), static_cast<ssize_t>(length));
        ::close(fd);
        return out;
    }
    void write_file(std::uint64_t offset, std::span<const std::uint8_t> data)
    {
        int fd = ::open(m_path.c_str(), O_WRONLY);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset)),
                  static_cast<ssize_t>(data.size()));
        ::close(fd);
    }
    std::vector<std::uint8_t> guest_bytes(std::uint64_t address, std::size_t length)
    {
        std::vector<std::uint8_t> out(length);
        EXPECT_TRUE(m_memory.read(address, out));
        return out;
    }
    // Submits slot 0 as prepared and waits for it; returns its status byte.
    std::uint8_t run_slot(std::uint16_t slot = 0)
    {
        m_driver->submit(slot);
        EXPECT_TRUE(m_driver->drain());
        return m_driver->status(slot);
    }

    nimbus::testing::TempDir m_dir;
    std::string m_path;
    GuestMemory m_memory = make_memory(32 << 20);
    std::shared_ptr<VirtioBlock> m_device;
    std::optional<FakeBlockDriver> m_driver;
};

}  // namespace nimbus::test
