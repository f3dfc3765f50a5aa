// bench_virtio_block: 4 KiB random reads or writes through the virtio-blk device model, its queue fed
// by a fake driver over fake guest memory (no KVM), printing requests/s (compare: bench/block_vs_fio.sh).
#include <poll.h>

#include <chrono>
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "block/raw_image.hpp"
#include "tests/unit/devices/virtio/block/fake_block_driver.hpp"

using namespace nimbus;

namespace {

constexpr std::uint32_t BLOCK = 4096;

struct Options final {
    std::string image = "/dev/shm/nimbus-bench.img";
    std::string engine = "io_uring";  // io_uring | threads
    std::string rw = "randread";      // randread | randwrite
    unsigned depth = 32;
    double seconds = 5;
};

std::uint64_t next_random(std::uint64_t& state)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

// Keeps `depth` requests on the queue for the given time, reposting each one as it completes.
Result<double> measure(VirtioBlock& device, std::uint64_t blocks, const Options& options)
{
    auto memory = TRY(GuestMemory::create(32 << 20));
    std::uint64_t features = virtio::F_VERSION_1 | virtio::F_INDIRECT_DESC | virtio::F_EVENT_IDX |
                             virtio_blk::F_FLUSH | virtio_blk::F_SEG_MAX | virtio_blk::F_BLK_SIZE;
    test::FakeBlockDriver driver(memory, device, 1, features);
    if (!driver.activated())
        return fail("benchmark", "the device did not activate");
    std::uint32_t type = options.rw == "randwrite" ? virtio_blk::T_OUT : virtio_blk::T_IN;
    std::uint64_t random_state = 0x9e3779b97f4a7c15ull, completed = 0, failed = 0;
    auto post = [&](std::uint16_t slot) {
        driver.prepare(slot, type, (next_random(random_state) % blocks) * (BLOCK / 512), BLOCK);
        driver.ring().make_available(static_cast<std::uint16_t>(3 * slot));
    };
    for (unsigned slot = 0; slot < options.depth; ++slot)
        post(static_cast<std::uint16_t>(slot));
    device.queue_notified(0);

    std::uint16_t seen = 0;
    bool stopping = false;
    auto start = std::chrono::steady_clock::now();
    auto end = start + std::chrono::duration<double>(options.seconds);
    while (!stopping || device.in_flight() != 0) {
        pollfd wait{device.completion_fd(), POLLIN, 0};
        if (::poll(&wait, 1, 1000) < 0)
            return fail_errno("poll");
        device.handle_completions();
        bool reposted = false;
        for (std::uint16_t used = driver.ring().used_index(); seen != used; ++seen) {
            auto slot = static_cast<std::uint16_t>(driver.ring().used_element(seen).id / 3);
            ++completed;
            if (driver.status(slot) != virtio_blk::S_OK)
                ++failed;
            if (!stopping) {
                post(slot);
                reposted = true;
            }
        }
        if (reposted)
            device.queue_notified(0);
        if (!stopping && std::chrono::steady_clock::now() >= end)
            stopping = true;
    }
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (failed > 0)
        return fail("benchmark", "{} requests failed", failed);
    if (driver.interrupt().needs_reset())
        return fail("benchmark", "the device asked for a reset");
    return static_cast<double>(completed) / elapsed;
}

Result<void> run(const Options& options)
{
    auto image = TRY(RawImage::open(options.image, OpenMode{.read_only = options.rw == "randread"}));
    std::uint64_t blocks = image->size() / BLOCK;
    if (blocks == 0)
        return fail("benchmark", "{} is smaller than one 4 KiB block", options.image);
    auto kind = options.engine == "threads" ? IoEngineKind::ThreadPool : IoEngineKind::IoUring;
    auto backend = TRY(BlockBackend::create(std::move(image), {.kind = kind, .queue_depth = options.depth}));
    auto device = TRY(VirtioBlock::create(std::move(backend), {}));
    double rate = TRY(measure(*device, blocks, options));
    fmt::print("virtio-blk/{} {} bs=4k depth={}: {:.0f} requests/s\n", options.engine, options.rw, options.depth, rate);
    return {};
}

}  // namespace

int main(int argc, char** argv)
{
    Options options;
    CLI::App app{"4 KiB random I/O through nimbus's virtio-blk device model"};
    app.add_option("--image", options.image, "raw image file (must exist)");
    app.add_option("--engine", options.engine, "io_uring or threads")->check(CLI::IsMember({"io_uring", "threads"}));
    app.add_option("--rw", options.rw, "randread or randwrite")->check(CLI::IsMember({"randread", "randwrite"}));
    app.add_option("--depth", options.depth, "requests in flight")->check(CLI::Range(1u, 32u));
    app.add_option("--seconds", options.seconds, "duration of each run")->check(CLI::Range(0.1, 3600.0));
    CLI11_PARSE(app, argc, argv);
    if (auto result = run(options); !result) {
        std::fprintf(stderr, "bench_virtio_block: %s\n", result.error().message().c_str());
        return 1;
    }
    return 0;
}
