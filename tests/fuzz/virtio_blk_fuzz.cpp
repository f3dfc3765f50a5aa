// Fuzz target: arbitrary descriptor tables, request headers, DISCARD segments and ring indices fed
// to the virtio-blk device over a raw image in /dev/shm. Every access must stay inside guest memory
// and the image, a bad request must fail or reset the device, and nothing may crash or hang.
#include <poll.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "block/raw_image.hpp"
#include "devices/virtio/block/virtio_block.hpp"
#include "devices/virtio/block/virtio_block_spec.hpp"
#include "tests/fuzz/fuzz_input.hpp"
#include "tests/unit/devices/virtio/fake_driver.hpp"

namespace {

using namespace nimbus;

constexpr std::uint64_t MEMORY_SIZE = 1 << 20;
constexpr std::uint64_t IMAGE_SIZE = 1 << 20;
constexpr std::uint64_t RING = 0x8'0000;  // FakeRing needs 48 KiB from here
constexpr std::uint32_t REQUEST_TYPES[] = {virtio_blk::T_IN,      virtio_blk::T_OUT,     virtio_blk::T_FLUSH,
                                           virtio_blk::T_GET_ID,  virtio_blk::T_DISCARD, virtio_blk::T_WRITE_ZEROES};

GuestMemory& memory()
{
    static GuestMemory instance = std::move(*GuestMemory::create(MEMORY_SIZE));
    return instance;
}

VirtioBlock& device()
{
    static std::shared_ptr<VirtioBlock> instance = [] {
        std::string path = "/dev/shm/nimbus-fuzz-virtio-blk-" + std::to_string(::getpid()) + ".img";
        if (!RawImage::create(path, IMAGE_SIZE))
            __builtin_trap();
        auto image = RawImage::open(path, {});
        ::unlink(path.c_str());  // the open file lives on; nothing is left behind
        if (!image)
            __builtin_trap();
        auto backend = BlockBackend::create(std::move(*image), {});
        if (!backend)
            __builtin_trap();
        return *VirtioBlock::create(std::move(*backend), {.queue_count = 1, .serial = "fuzz"});
    }();
    return *instance;
}

// An address that is mostly inside RAM but sometimes anywhere.
std::uint64_t take_address(FuzzInput& input)
{
    auto selector = input.take<std::uint8_t>();
    if (selector % 8 == 0)
        return input.take<std::uint64_t>();
    return std::uint64_t{input.take<std::uint16_t>()} * 16;
}

void drain(VirtioBlock& block)
{
    for (int round = 0; round < 1000 && block.in_flight() != 0; ++round) {
        pollfd wait{block.completion_fd(), POLLIN, 0};
        if (::poll(&wait, 1, 100) > 0)
            block.handle_completions();
    }
    if (block.in_flight() != 0)
        __builtin_trap();  // a request that never completes
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    FuzzInput input(data, size);
    GuestMemory& guest = memory();
    VirtioBlock& block = device();
    auto ram = *guest.span(0, MEMORY_SIZE);
    std::memset(ram.data(), 0, ram.size());

    auto queue_size = static_cast<std::uint16_t>(1u << (input.take<std::uint8_t>() % 9));
    std::uint64_t features = virtio::F_VERSION_1 | (input.take<std::uint32_t>() & 0x3000'7fff) |
                             (static_cast<std::uint64_t>(input.take<std::uint8_t>() & 0x3) << 28);
    test::FakeRing ring(guest, RING, queue_size);
    test::CountingLine line;
    VirtioInterrupt interrupt(line);
    auto activate = [&] {
        auto queue = VirtQueue::create(guest, ring.layout(), VirtioBlock::QUEUE_SIZE, features);
        std::vector<VirtQueue> queues;
        queues.push_back(queue ? std::move(*queue) : VirtQueue());
        (void)block.activate({guest, interrupt, features, std::move(queues)});
    };
    activate();

    for (int step = 0; step < 256 && !input.done(); ++step) {
        switch (input.take<std::uint8_t>() % 8) {
        case 0: {  // a descriptor, in the ring's table or in an indirect table anywhere
            auto index = static_cast<std::uint16_t>(input.take<std::uint8_t>() % queue_size);
            std::uint64_t address = take_address(input);
            auto length = input.take<std::uint8_t>() % 4 == 0 ? input.take<std::uint32_t>()
                                                               : std::uint32_t{input.take<std::uint16_t>()} % 0x2000;
            auto flags = static_cast<std::uint16_t>(input.take<std::uint8_t>() % 8);
            auto next = static_cast<std::uint16_t>(input.take<std::uint8_t>());
            if (input.take<std::uint8_t>() % 4 == 0)
                ring.set_indirect(std::uint64_t{input.take<std::uint16_t>()} * 16 % MEMORY_SIZE, index % 64, address,
                                  length, flags, next);
            else
                ring.set_descriptor(index, address, length, flags, next);
            break;
        }
        case 1: {  // a request header
            std::uint64_t address = std::uint64_t{input.take<std::uint16_t>()} * 16 % (MEMORY_SIZE - 16);
            auto type_choice = input.take<std::uint8_t>();
            std::uint32_t type = type_choice < 240 ? REQUEST_TYPES[type_choice % 6] : input.take<std::uint32_t>();
            std::uint64_t sector = input.take<std::uint8_t>() % 2 ? input.take<std::uint64_t>()
                                                                  : std::uint64_t{input.take<std::uint16_t>()} % 2100;
            (void)guest.write_object(address, virtio_blk::RequestHeader{type, 0, sector});
            break;
        }
        case 2: {  // a DISCARD / WRITE_ZEROES segment
            std::uint64_t address = std::uint64_t{input.take<std::uint16_t>()} * 16 % (MEMORY_SIZE - 16);
            virtio_blk::DiscardSegment segment{input.take<std::uint16_t>() % 2100u, input.take<std::uint32_t>() % 4096,
                                               input.take<std::uint8_t>() % 4u};
            (void)guest.write_object(address, segment);
            break;
        }
        case 3:  // the driver makes a chain available
            ring.make_available(static_cast<std::uint16_t>(input.take<std::uint8_t>() % queue_size));
            break;
        case 4:  // the event loop delivers the notification
            block.queue_notified(0);
            break;
        case 5:  // completions arrive
            drain(block);
            break;
        case 6: {  // raw RAM bytes (ring indices, flags, anything)
            std::uint64_t address = std::uint64_t{input.take<std::uint16_t>()} * 16 % MEMORY_SIZE;
            auto bytes = input.take_bytes(input.take<std::uint8_t>() % 32);
            (void)guest.write(address, bytes.first(std::min<std::size_t>(bytes.size(), MEMORY_SIZE - address)));
            break;
        }
        case 7:  // a driver reset and a new session
            block.reset();
            interrupt.reset();
            activate();
            break;
        }
    }
    drain(block);
    block.reset();
    return 0;
}
