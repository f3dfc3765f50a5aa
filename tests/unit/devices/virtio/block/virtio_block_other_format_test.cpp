// VirtioBlock over a DiskImage that is not a RawImage (as qcow2 will be): requests go through the
// thread-pool engine, which calls the image's synchronous methods off the event loop.
#include "devices/virtio/block/virtio_block.hpp"

#include <sys/uio.h>

#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "block/request_range.hpp"
#include "tests/unit/devices/virtio/block/fake_block_driver.hpp"
#include "tests/unit/support/guest_memory_fixture.hpp"

namespace nimbus {
namespace {

using namespace virtio_blk;
using test::FakeBlockDriver;

// A disk held in memory, recording which threads served it (a format of its own, for this test).
class MemoryDisk final : public DiskImage {
public:
    explicit MemoryDisk(std::size_t size) : m_bytes(size) {}

    std::string_view format_name() const override { return "memory"; }
    std::uint64_t size() const override { return m_bytes.size(); }
    bool read_only() const override { return false; }
    Result<void> readv(std::uint64_t offset, std::span<const iovec> buffers) override
    {
        std::lock_guard guard(m_lock);
        for (const iovec& buffer : buffers) {
            TRY(check_request_range("read memory disk", offset, buffer.iov_len, size()));
            std::memcpy(buffer.iov_base, m_bytes.data() + offset, buffer.iov_len);
            offset += buffer.iov_len;
        }
        m_threads.push_back(std::this_thread::get_id());
        return {};
    }
    Result<void> writev(std::uint64_t offset, std::span<const iovec> buffers) override
    {
        std::lock_guard guard(m_lock);
        for (const iovec& buffer : buffers) {
            TRY(check_request_range("write memory disk", offset, buffer.iov_len, size()));
            std::memcpy(m_bytes.data() + offset, buffer.iov_base, buffer.iov_len);
            offset += buffer.iov_len;
        }
        m_threads.push_back(std::this_thread::get_id());
        return {};
    }
    Result<void> flush() override { return {}; }
    Result<void> discard(std::uint64_t offset, std::uint64_t length) override { return write_zeroes(offset, length, true); }
    Result<void> write_zeroes(std::uint64_t offset, std::uint64_t length, bool) override
    {
        std::lock_guard guard(m_lock);
        TRY(check_request_range("zero memory disk", offset, length, size()));
        std::memset(m_bytes.data() + offset, 0, length);
        return {};
    }

    std::vector<std::uint8_t> bytes(std::size_t offset, std::size_t length)
    {
        std::lock_guard guard(m_lock);
        return {m_bytes.begin() + static_cast<std::ptrdiff_t>(offset),
                m_bytes.begin() + static_cast<std::ptrdiff_t>(offset + length)};
    }
    std::vector<std::thread::id> threads()
    {
        std::lock_guard guard(m_lock);
        return m_threads;
    }

private:
    std::mutex m_lock;
    std::vector<std::uint8_t> m_bytes;
    std::vector<std::thread::id> m_threads;
};

TEST(VirtioBlockOtherFormat, ServedByWorkersOffTheEventLoop)
{
    GuestMemory memory = test::make_memory(32 << 20);
    auto disk = std::make_unique<MemoryDisk>(1 << 20);
    MemoryDisk& image = *disk;
    auto backend = BlockBackend::create(std::move(disk), {});
    ASSERT_TRUE(backend) << backend.error().message();
    EXPECT_EQ((*backend)->engine().name(), "thread pool");
    auto device = VirtioBlock::create(std::move(*backend), {});
    ASSERT_TRUE(device);
    FakeBlockDriver driver(memory, **device, 1, virtio::F_VERSION_1 | F_FLUSH);
    ASSERT_TRUE(driver.activated());

    std::vector<std::uint8_t> data(4096, 0x3c);
    ASSERT_TRUE(memory.write(FakeBlockDriver::data_address(0), data));
    driver.prepare(0, T_OUT, 16, 4096);
    driver.submit(0);
    ASSERT_TRUE(driver.drain());
    EXPECT_EQ(driver.status(0), S_OK);
    EXPECT_EQ(image.bytes(16 * 512, 4096), data);

    driver.prepare(1, T_IN, 16, 4096);
    driver.submit(1);
    ASSERT_TRUE(driver.drain());
    EXPECT_EQ(driver.status(1), S_OK);
    std::vector<std::uint8_t> read(4096);
    ASSERT_TRUE(memory.read(FakeBlockDriver::data_address(1), read));
    EXPECT_EQ(read, data);
    for (std::thread::id worker : image.threads())
        EXPECT_NE(worker, std::this_thread::get_id());  // never on the thread that drives the queue
}

}  // namespace
}  // namespace nimbus
