// MmioTransport tests: register layout, access widths, status state machine, feature negotiation, queues.
#include "devices/virtio/mmio_transport.hpp"

#include <poll.h>

#include <stdexcept>

#include <gtest/gtest.h>

#include "devices/virtio/rng/virtio_rng.hpp"
#include "devices/virtio/virtio_constants.hpp"
#include "tests/unit/devices/virtio/fake_driver.hpp"
#include "tests/unit/support/guest_memory_fixture.hpp"

namespace nimbus {
namespace {

using namespace virtio;
using namespace virtio_mmio;

constexpr std::uint64_t DEVICE_FEATURE_BIT = 1ull << 5;

// Records what the transport asks of it.
class RecordingDevice final : public VirtioDevice {
public:
    std::uint32_t device_type() const override { return 42; }
    std::string_view name() const override { return "recording"; }
    std::uint64_t device_features() const override { return DEVICE_FEATURE_BIT; }
    std::size_t queue_count() const override { return 2; }
    std::uint16_t queue_max_size(std::size_t index) const override { return index == 0 ? 16 : 64; }
    void read_config(std::uint64_t offset, std::span<std::uint8_t> data) override
    {
        for (std::size_t i = 0; i < data.size(); ++i)
            data[i] = static_cast<std::uint8_t>(offset + i);
    }
    void write_config(std::uint64_t offset, std::span<const std::uint8_t> data) override
    {
        last_config_write = {offset, data.size()};
    }
    Result<void> activate(DeviceActivation activation) override
    {
        ++activations;
        features = activation.features;
        enabled.clear();
        for (const VirtQueue& queue : activation.queues)
            enabled.push_back(queue.enabled());
        if (refuse_activation)
            return fail("recording", "refused");
        return {};
    }
    void reset() override { ++resets; }
    void replace_queue(std::size_t index, VirtQueue queue) override
    {
        replaced.emplace_back(index, queue.enabled());
    }
    void queue_notified(std::size_t index) override { notified.push_back(index); }

    int activations = 0;
    int resets = 0;
    bool refuse_activation = false;
    std::uint64_t features = 0;
    std::vector<bool> enabled;
    std::vector<std::pair<std::size_t, bool>> replaced;
    std::vector<std::size_t> notified;
    std::pair<std::uint64_t, std::size_t> last_config_write{};
};

bool readable(int fd)
{
    pollfd entry{fd, POLLIN, 0};
    return ::poll(&entry, 1, 0) == 1;
}

class MmioTransportTest : public ::testing::Test {
protected:
    std::shared_ptr<MmioTransport> make_transport()
    {
        auto transport = MmioTransport::create(m_device, m_memory, m_line);
        if (!transport)
            throw std::runtime_error(transport.error().message());
        return std::move(*transport);
    }

    std::uint32_t status() { return m_mmio.read32(STATUS); }
    void set_up_both_queues()
    {
        m_mmio.set_up_queue(0, m_ring0.layout());
        m_mmio.set_up_queue(1, m_ring1.layout());
    }

    GuestMemory m_memory = test::make_memory(16 << 20);
    test::CountingLine m_line;
    std::shared_ptr<RecordingDevice> m_device = std::make_shared<RecordingDevice>();
    std::shared_ptr<MmioTransport> m_transport = make_transport();
    test::FakeMmio m_mmio{*m_transport};
    test::FakeRing m_ring0{m_memory, 0x10'0000, 16};
    test::FakeRing m_ring1{m_memory, 0x20'0000, 64};
};

TEST_F(MmioTransportTest, IdentityRegisters)
{
    EXPECT_EQ(m_mmio.read32(MAGIC_VALUE), 0x74726976u);
    EXPECT_EQ(m_mmio.read32(VERSION), 2u);
    EXPECT_EQ(m_mmio.read32(DEVICE_ID), 42u);
    EXPECT_EQ(m_mmio.read32(VENDOR_ID), VENDOR);
    EXPECT_EQ(m_mmio.read32(CONFIG_GENERATION), 0u);
    EXPECT_EQ(status(), 0u);
}

TEST_F(MmioTransportTest, DeviceFeaturesByWord)
{
    m_mmio.write32(DEVICE_FEATURES_SEL, 0);
    EXPECT_EQ(m_mmio.read32(DEVICE_FEATURES),
              static_cast<std::uint32_t>(DEVICE_FEATURE_BIT | F_INDIRECT_DESC | F_EVENT_IDX));
    m_mmio.write32(DEVICE_FEATURES_SEL, 1);
    EXPECT_EQ(m_mmio.read32(DEVICE_FEATURES), 1u);  // VERSION_1 is bit 32
    m_mmio.write32(DEVICE_FEATURES_SEL, 2);
    EXPECT_EQ(m_mmio.read32(DEVICE_FEATURES), 0u);
}

TEST_F(MmioTransportTest, FeaturesOkNeedsVersion1)
{
    EXPECT_EQ(m_mmio.negotiate(DEVICE_FEATURE_BIT) & STATUS_FEATURES_OK, 0u);
}

TEST_F(MmioTransportTest, FeaturesOkRefusesWhatWasNotOffered)
{
    EXPECT_EQ(m_mmio.negotiate(F_VERSION_1 | (1ull << 6)) & STATUS_FEATURES_OK, 0u);
}

TEST_F(MmioTransportTest, FeaturesOkAcceptsAnOfferedSubset)
{
    EXPECT_EQ(m_mmio.negotiate(F_VERSION_1 | DEVICE_FEATURE_BIT),
              STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
    // Features are frozen from now on.
    m_mmio.write32(DRIVER_FEATURES_SEL, 0);
    m_mmio.write32(DRIVER_FEATURES, 0);
    set_up_both_queues();
    m_mmio.driver_ok();
    EXPECT_EQ(m_device->features, F_VERSION_1 | DEVICE_FEATURE_BIT);
}

TEST_F(MmioTransportTest, FeaturesOkNeedsDriverFirst)
{
    m_mmio.write32(DRIVER_FEATURES_SEL, 1);
    m_mmio.write32(DRIVER_FEATURES, 1);
    m_mmio.write32(STATUS, STATUS_ACKNOWLEDGE | STATUS_FEATURES_OK);
    EXPECT_EQ(status(), STATUS_ACKNOWLEDGE);
}

TEST_F(MmioTransportTest, DriverCannotClearStatusBits)
{
    m_mmio.write32(STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    m_mmio.write32(STATUS, STATUS_ACKNOWLEDGE);
    EXPECT_EQ(status(), STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    m_mmio.write32(STATUS, STATUS_DEVICE_NEEDS_RESET);  // the device's bit: ignored
    EXPECT_EQ(status(), STATUS_ACKNOWLEDGE | STATUS_DRIVER);
}

TEST_F(MmioTransportTest, DriverOkActivatesWithTheReadyQueues)
{
    m_mmio.negotiate(F_VERSION_1);
    m_mmio.set_up_queue(1, m_ring1.layout());  // queue 0 left unused
    m_mmio.driver_ok();
    EXPECT_EQ(m_device->activations, 1);
    EXPECT_EQ(m_device->enabled, (std::vector<bool>{false, true}));
    EXPECT_EQ(status() & STATUS_DRIVER_OK, STATUS_DRIVER_OK);
    // Buffers posted before DRIVER_OK are looked at on the event loop: the ready queue is kicked.
    EXPECT_FALSE(readable(m_transport->notify_fd(0)));
    EXPECT_TRUE(readable(m_transport->notify_fd(1)));
}

TEST_F(MmioTransportTest, QueueRegisters)
{
    m_mmio.write32(QUEUE_SEL, 0);
    EXPECT_EQ(m_mmio.read32(QUEUE_NUM_MAX), 16u);
    m_mmio.write32(QUEUE_SEL, 1);
    EXPECT_EQ(m_mmio.read32(QUEUE_NUM_MAX), 64u);
    m_mmio.write32(QUEUE_SEL, 2);
    EXPECT_EQ(m_mmio.read32(QUEUE_NUM_MAX), 0u);  // no such queue
    m_mmio.write32(QUEUE_READY, 1);
    EXPECT_EQ(m_mmio.read32(QUEUE_READY), 0u);

    m_mmio.set_up_queue(0, m_ring0.layout());
    EXPECT_EQ(m_mmio.read32(QUEUE_READY), 1u);
    // A ready queue's address cannot change: the device still uses the first layout.
    m_mmio.write32(QUEUE_DESC_LOW, 0x50'0000);
    m_mmio.write32(QUEUE_NUM, 4);
    m_mmio.negotiate(F_VERSION_1);
    m_mmio.write32(QUEUE_SEL, 1);
    m_mmio.driver_ok();
    EXPECT_EQ(status() & STATUS_DEVICE_NEEDS_RESET, 0u);
}

TEST_F(MmioTransportTest, SharedMemoryRegistersShowNoRegion)
{
    m_mmio.write32(SHM_SEL, 0);
    EXPECT_EQ(m_mmio.read32(SHM_LEN_LOW), 0xffff'ffffu);
    EXPECT_EQ(m_mmio.read32(SHM_LEN_HIGH), 0xffff'ffffu);
    EXPECT_EQ(m_mmio.read32(SHM_BASE_LOW), 0xffff'ffffu);
    EXPECT_EQ(m_mmio.read32(SHM_BASE_HIGH), 0xffff'ffffu);
}

TEST_F(MmioTransportTest, RegistersTakeOnlyAligned32BitAccesses)
{
    std::uint8_t two[2] = {0xaa, 0xaa};
    m_transport->read(MAGIC_VALUE, two);
    EXPECT_EQ(two[0], 0);
    EXPECT_EQ(two[1], 0);
    std::uint8_t eight[8] = {};
    m_transport->read(MAGIC_VALUE, eight);
    EXPECT_EQ(eight[0], 0);
    std::uint8_t four[4] = {};
    m_transport->read(MAGIC_VALUE + 1, four);
    EXPECT_EQ(four[0], 0);
    const std::uint8_t status_byte[1] = {STATUS_ACKNOWLEDGE};
    m_transport->write(STATUS, status_byte);
    EXPECT_EQ(status(), 0u);
}

TEST_F(MmioTransportTest, ConfigSpaceTakesAnyWidth)
{
    std::uint8_t one[1] = {};
    m_transport->read(CONFIG + 3, one);
    EXPECT_EQ(one[0], 3);
    std::uint8_t eight[8] = {};
    m_transport->read(CONFIG + 8, eight);
    EXPECT_EQ(eight[7], 15);
    const std::uint8_t two[2] = {1, 2};
    m_transport->write(CONFIG + 6, two);
    EXPECT_EQ(m_device->last_config_write, (std::pair<std::uint64_t, std::size_t>{6, 2}));
}

TEST_F(MmioTransportTest, QueueNotifyWritesReachTheEventLoopNotTheDevice)
{
    m_mmio.write32(QUEUE_NOTIFY, 1);
    m_mmio.write32(QUEUE_NOTIFY, 7);  // no such queue: ignored
    EXPECT_TRUE(m_device->notified.empty());
    EXPECT_FALSE(readable(m_transport->notify_fd(0)));
    ASSERT_TRUE(readable(m_transport->notify_fd(1)));
    m_transport->handle_notification(1);
    EXPECT_EQ(m_device->notified, (std::vector<std::size_t>{1}));
    EXPECT_FALSE(readable(m_transport->notify_fd(1)));
}

TEST_F(MmioTransportTest, ResetClearsEverything)
{
    m_mmio.negotiate(F_VERSION_1);
    set_up_both_queues();
    m_mmio.driver_ok();
    m_mmio.write32(STATUS, 0);
    EXPECT_EQ(m_device->resets, 1);
    EXPECT_EQ(status(), 0u);
    EXPECT_EQ(m_mmio.read32(INTERRUPT_STATUS), 0u);
    for (std::uint32_t index = 0; index < 2; ++index) {
        m_mmio.write32(QUEUE_SEL, index);
        EXPECT_EQ(m_mmio.read32(QUEUE_READY), 0u);
    }
    // Features must be negotiated again.
    m_mmio.write32(STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
    EXPECT_EQ(status() & STATUS_FEATURES_OK, 0u);
    // And the device comes up again after a fresh initialisation.
    m_mmio.write32(STATUS, 0);
    m_mmio.negotiate(F_VERSION_1);
    set_up_both_queues();
    m_mmio.driver_ok();
    EXPECT_EQ(m_device->activations, 2);
}

TEST_F(MmioTransportTest, DriverOkWithoutFeaturesOkNeedsReset)
{
    m_mmio.write32(STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_DRIVER_OK);
    EXPECT_EQ(m_device->activations, 0);
    EXPECT_NE(status() & STATUS_DEVICE_NEEDS_RESET, 0u);
    EXPECT_EQ(m_mmio.read32(INTERRUPT_STATUS), INTERRUPT_CONFIG_CHANGE);
    EXPECT_EQ(m_line.count(), 1);
    m_mmio.write32(INTERRUPT_ACK, INTERRUPT_CONFIG_CHANGE);
    EXPECT_EQ(m_mmio.read32(INTERRUPT_STATUS), 0u);
    m_mmio.write32(STATUS, 0);
    EXPECT_EQ(status(), 0u);
}

TEST_F(MmioTransportTest, BadQueueLayoutAtDriverOkNeedsReset)
{
    m_mmio.negotiate(F_VERSION_1);
    QueueLayout layout = m_ring0.layout();
    layout.size = 12;  // not a power of two
    m_mmio.set_up_queue(0, layout);
    m_mmio.driver_ok();
    EXPECT_EQ(m_device->activations, 0);
    EXPECT_NE(status() & STATUS_DEVICE_NEEDS_RESET, 0u);
}

TEST_F(MmioTransportTest, QueueOutsideMemoryOrTooBigNeedsReset)
{
    m_mmio.negotiate(F_VERSION_1);
    QueueLayout layout = m_ring0.layout();
    layout.size = 32;  // more than QueueNumMax 16
    m_mmio.set_up_queue(0, layout);
    m_mmio.driver_ok();
    EXPECT_NE(status() & STATUS_DEVICE_NEEDS_RESET, 0u);
}

TEST_F(MmioTransportTest, RefusedActivationNeedsReset)
{
    m_device->refuse_activation = true;
    m_mmio.negotiate(F_VERSION_1);
    m_mmio.driver_ok();
    EXPECT_NE(status() & STATUS_DEVICE_NEEDS_RESET, 0u);
}

TEST_F(MmioTransportTest, QueueReadyChangesAfterDriverOkReachTheDevice)
{
    m_mmio.negotiate(F_VERSION_1);
    m_mmio.set_up_queue(0, m_ring0.layout());
    m_mmio.driver_ok();
    m_mmio.write32(QUEUE_SEL, 0);
    m_mmio.write32(QUEUE_READY, 0);
    m_mmio.set_up_queue(1, m_ring1.layout());
    EXPECT_EQ(m_device->replaced, (std::vector<std::pair<std::size_t, bool>>{{0, false}, {1, true}}));
}

TEST_F(MmioTransportTest, FailedStatusIsNotActivated)
{
    m_mmio.negotiate(F_VERSION_1);
    m_mmio.write32(STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_FAILED);
    m_mmio.driver_ok();
    EXPECT_EQ(m_device->activations, 0);
}

// End to end with a real device: a request on the rng's queue completes through the event-loop path.
TEST(MmioTransportRng, RequestCompletesAndInterrupts)
{
    GuestMemory memory = test::make_memory(16 << 20);
    test::CountingLine line;
    auto transport = MmioTransport::create(std::make_shared<VirtioRng>(), memory, line);
    ASSERT_TRUE(transport);
    test::FakeMmio mmio(**transport);
    test::FakeRing ring(memory, 0x10'0000, 8);
    ring.set_descriptor(0, 0x30'0000, 64, DESC_F_WRITE);
    ring.make_available(0);  // before DRIVER_OK: not consumed yet
    EXPECT_EQ(mmio.negotiate(F_VERSION_1), STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
    mmio.set_up_queue(0, ring.layout());
    (*transport)->handle_notification(0);
    EXPECT_EQ(ring.used_index(), 0);
    mmio.driver_ok();
    ASSERT_TRUE(readable((*transport)->notify_fd(0)));
    (*transport)->handle_notification(0);
    EXPECT_EQ(ring.used_index(), 1);
    EXPECT_EQ(ring.used_element(0).length, 64u);
    EXPECT_EQ(mmio.read32(INTERRUPT_STATUS), INTERRUPT_USED_BUFFER);
    EXPECT_EQ(line.count(), 1);

    // A broken available ring: DEVICE_NEEDS_RESET and a configuration change interrupt.
    ring.set_available_index(100);
    mmio.write32(QUEUE_NOTIFY, 0);
    (*transport)->handle_notification(0);
    EXPECT_NE(mmio.read32(STATUS) & STATUS_DEVICE_NEEDS_RESET, 0u);
    EXPECT_EQ(mmio.read32(INTERRUPT_STATUS), INTERRUPT_USED_BUFFER | INTERRUPT_CONFIG_CHANGE);
    EXPECT_EQ(line.count(), 2);
}

}  // namespace
}  // namespace nimbus
