// VirtioConsole: the virtio console device (type 3) with one port, the guest's hvc0.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "devices/virtio/virtio_device_base.hpp"

namespace nimbus {

// Port 0 only (no MULTIPORT, so no control queues). Output on the transmitq goes to the sink as
// the guest posts it; host input waits (up to MAX_PENDING_INPUT bytes) until the driver posts
// receive buffers. VIRTIO_CONSOLE_F_EMERG_WRITE is offered: a byte written to emerg_wr goes to the
// sink even before the driver has set the device up.
class VirtioConsole final : public VirtioDeviceBase {
public:
    using OutputSink = std::function<void(std::span<const std::uint8_t>)>;

    static constexpr std::size_t RECEIVE_QUEUE = 0;   // receiveq(port0): host -> guest
    static constexpr std::size_t TRANSMIT_QUEUE = 1;  // transmitq(port0): guest -> host
    static constexpr std::uint16_t QUEUE_SIZE = 256;
    static constexpr std::size_t MAX_PENDING_INPUT = 64 * 1024;
    static constexpr std::uint64_t F_EMERG_WRITE = 1ull << 2;
    // struct virtio_console_config: le16 cols, le16 rows, le32 max_nr_ports, le32 emerg_wr.
    static constexpr std::uint64_t CONFIG_MAX_NR_PORTS = 4;
    static constexpr std::uint64_t CONFIG_EMERG_WR = 8;
    static constexpr std::uint64_t CONFIG_SIZE = 12;

    // `output` is called on the event loop thread (transmitq) or a vCPU thread (emerg_wr), with
    // the device lock held in the first case; it must not call back into the device.
    explicit VirtioConsole(OutputSink output) : m_output(std::move(output)) {}

    std::uint32_t device_type() const override;
    std::string_view name() const override { return "virtio-console"; }
    std::uint64_t device_features() const override { return F_EMERG_WRITE; }
    std::size_t queue_count() const override { return 2; }
    std::uint16_t queue_max_size(std::size_t) const override { return QUEUE_SIZE; }
    void read_config(std::uint64_t offset, std::span<std::uint8_t> data) override;
    void write_config(std::uint64_t offset, std::span<const std::uint8_t> data) override;

    // Any thread (the console reader on the event loop): host input for hvc0. Returns how many
    // bytes were taken: fewer than offered once MAX_PENDING_INPUT bytes wait for receive buffers.
    std::size_t enqueue_input(std::span<const std::uint8_t> bytes);
    std::size_t pending_input();

private:
    Result<void> process_queue(std::size_t index) override;
    Result<void> deliver_input();
    Result<void> transmit();

    OutputSink m_output;
    std::vector<std::uint8_t> m_input;  // guarded by m_lock; kept across device resets
};

}  // namespace nimbus
