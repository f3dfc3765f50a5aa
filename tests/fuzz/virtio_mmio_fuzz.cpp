// Fuzz target: arbitrary virtio-mmio register accesses and arbitrary guest memory (descriptor tables,
// rings, indirect tables) against the transport with a virtio-rng or virtio-console device. Every
// access must stay inside guest memory and nothing may crash, whatever the driver does.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "devices/virtio/console/virtio_console.hpp"
#include "devices/virtio/mmio_transport.hpp"
#include "devices/virtio/rng/virtio_rng.hpp"
#include "tests/fuzz/fuzz_input.hpp"
#include "tests/unit/devices/virtio/fake_driver.hpp"

namespace {

using namespace nimbus;

constexpr std::uint64_t MEMORY_SIZE = 1 << 20;

GuestMemory& memory()
{
    static GuestMemory instance = std::move(*GuestMemory::create(MEMORY_SIZE));
    return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    FuzzInput input(data, size);
    GuestMemory& guest = memory();
    // Every run starts from zeroed RAM so that a finding reproduces on its own.
    auto ram = *guest.span(0, MEMORY_SIZE);
    std::memset(ram.data(), 0, ram.size());

    test::CountingLine line;
    std::shared_ptr<VirtioConsole> console;
    std::shared_ptr<VirtioDevice> device;
    if (input.take<std::uint8_t>() % 2 == 0) {
        device = std::make_shared<VirtioRng>();
    } else {
        console = std::make_shared<VirtioConsole>([](std::span<const std::uint8_t>) {});
        device = console;
    }
    auto transport = MmioTransport::create(device, guest, line);
    if (!transport)
        __builtin_trap();
    MmioTransport& mmio = **transport;
    test::FakeMmio driver(mmio);

    for (int step = 0; step < 256 && !input.done(); ++step) {
        switch (input.take<std::uint8_t>() % 8) {
        case 0: {  // a 32-bit register write
            auto offset = static_cast<std::uint64_t>(input.take<std::uint16_t>() % 0x120);
            driver.write32(offset, input.take<std::uint32_t>());
            break;
        }
        case 1: {  // a read of any width at any offset in the window
            std::uint8_t buffer[8];
            auto offset = static_cast<std::uint64_t>(input.take<std::uint16_t>() % MmioTransport::WINDOW_SIZE);
            std::size_t width = std::size_t{1} << (input.take<std::uint8_t>() % 4);
            mmio.read(offset, std::span(buffer, width));
            break;
        }
        case 2: {  // a write of any width at any offset (config space included)
            auto offset = static_cast<std::uint64_t>(input.take<std::uint16_t>() % MmioTransport::WINDOW_SIZE);
            std::size_t width = std::size_t{1} << (input.take<std::uint8_t>() % 4);
            std::uint8_t buffer[8] = {};
            auto bytes = input.take_bytes(width);
            std::memcpy(buffer, bytes.data(), bytes.size());
            mmio.write(offset, std::span<const std::uint8_t>(buffer, width));
            break;
        }
        case 3: {  // the event loop delivers a queue notification
            std::size_t queue = input.take<std::uint8_t>() % mmio.queue_count();
            mmio.handle_notification(queue);
            break;
        }
        case 4: {  // the guest writes RAM: descriptors, rings, indirect tables, avail idx
            std::uint64_t address = std::uint64_t{input.take<std::uint16_t>()} * 16 % MEMORY_SIZE;
            auto bytes = input.take_bytes(input.take<std::uint8_t>() % 64);
            (void)guest.write(address, bytes.first(std::min<std::size_t>(bytes.size(), MEMORY_SIZE - address)));
            break;
        }
        case 5: {  // a well-behaved initialisation with fuzzed queue placement and features
            auto features = input.take<std::uint64_t>();
            driver.write32(virtio_mmio::STATUS, 0);
            driver.negotiate(features);
            for (std::uint32_t queue = 0; queue < mmio.queue_count(); ++queue) {
                QueueLayout layout{static_cast<std::uint16_t>(1u << (input.take<std::uint8_t>() % 10)),
                                   std::uint64_t{input.take<std::uint16_t>()} * 16,
                                   std::uint64_t{input.take<std::uint16_t>()} * 16,
                                   std::uint64_t{input.take<std::uint16_t>()} * 16};
                driver.set_up_queue(queue, layout);
            }
            driver.driver_ok();
            break;
        }
        case 6:  // host input for the console
            if (console)
                (void)console->enqueue_input(input.take_bytes(input.take<std::uint8_t>() % 32));
            break;
        case 7:  // a driver reset
            driver.write32(virtio_mmio::STATUS, 0);
            break;
        }
    }
    return 0;
}
