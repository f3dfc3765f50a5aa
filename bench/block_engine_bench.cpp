// bench_block_engine: 4 KiB random reads or writes at a fixed queue depth through an IoEngine,
// printing IOPS (compare with fio: bench/block_vs_fio.sh).
#include <poll.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "block/io_engine_factory.hpp"
#include "block/raw_image.hpp"

using namespace nimbus;

namespace {

constexpr std::size_t BLOCK = 4096;

struct Options final {
    std::string image = "/dev/shm/nimbus-bench.img";
    std::string engine = "both";  // io_uring | threads | both
    std::string rw = "randread";  // randread | randwrite
    unsigned depth = 32;
    unsigned threads = 4;
    double seconds = 5;
};

std::uint64_t next_random(std::uint64_t& state)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

// Keeps `depth` requests in flight for the given time; returns completed requests per second.
Result<double> measure(IoEngine& engine, std::uint64_t blocks, const Options& options)
{
    bool write = options.rw == "randwrite";
    std::vector<std::unique_ptr<std::uint8_t[]>> buffers;
    for (unsigned i = 0; i < options.depth; ++i) {
        buffers.emplace_back(new (std::align_val_t(BLOCK)) std::uint8_t[BLOCK]);
        std::fill_n(buffers.back().get(), BLOCK, static_cast<std::uint8_t>(i));
    }
    std::uint64_t random_state = 0x9e3779b97f4a7c15ull, completed = 0, failed = 0;
    bool stopping = false;
    std::function<void(unsigned)> issue;
    issue = [&](unsigned slot) {
        IoRequest request{.op = write ? IoOp::Write : IoOp::Read,
                          .offset = (next_random(random_state) % blocks) * BLOCK,
                          .buffers = {{buffers[slot].get(), BLOCK}},
                          .done = [&, slot](Result<void> result) {
                              ++completed;
                              if (!result)
                                  ++failed;
                              if (!stopping)
                                  issue(slot);
                          }};
        (void)engine.submit(std::move(request));
    };
    for (unsigned slot = 0; slot < options.depth; ++slot)
        issue(slot);
    TRY(engine.flush_submissions());

    auto start = std::chrono::steady_clock::now();
    auto end = start + std::chrono::duration<double>(options.seconds);
    std::uint64_t in_flight = options.depth;
    for (;;) {
        pollfd wait{engine.completion_fd(), POLLIN, 0};
        if (::poll(&wait, 1, 1000) < 0)
            return fail_errno("poll");
        std::uint64_t before = completed;
        engine.process_completions();
        TRY(engine.flush_submissions());
        if (stopping) {
            in_flight -= completed - before;
            if (in_flight == 0)
                break;
        } else if (std::chrono::steady_clock::now() >= end) {
            stopping = true;  // from now on nothing is resubmitted
        }
    }
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (failed > 0)
        return fail("benchmark", "{} requests failed", failed);
    return static_cast<double>(completed) / elapsed;
}

Result<void> run(const Options& options)
{
    auto image = TRY(RawImage::open(options.image, OpenMode{.read_only = options.rw == "randread"}));
    std::uint64_t blocks = image->size() / BLOCK;
    if (blocks == 0)
        return fail("benchmark", "{} is smaller than one 4 KiB block", options.image);
    std::vector<std::pair<std::string, IoEngineKind>> engines;
    if (options.engine != "threads")
        engines.emplace_back("io_uring", IoEngineKind::IoUring);
    if (options.engine != "io_uring")
        engines.emplace_back("threads", IoEngineKind::ThreadPool);
    for (auto& [name, kind] : engines) {
        auto engine = TRY(make_io_engine(
            *image, {.kind = kind, .queue_depth = options.depth, .threads = options.threads}));
        double iops = TRY(measure(*engine, blocks, options));
        std::string workers = kind == IoEngineKind::ThreadPool ? fmt::format(" threads={}", options.threads) : "";
        fmt::print("{} {} bs=4k depth={}{}: {:.0f} IOPS\n", name, options.rw, options.depth, workers, iops);
        std::fflush(stdout);
    }
    return {};
}

}  // namespace

int main(int argc, char** argv)
{
    Options options;
    CLI::App app{"4 KiB random I/O through nimbus's block engines"};
    app.add_option("--image", options.image, "raw image file (must exist)");
    app.add_option("--engine", options.engine, "io_uring, threads or both")
        ->check(CLI::IsMember({"io_uring", "threads", "both"}));
    app.add_option("--rw", options.rw, "randread or randwrite")->check(CLI::IsMember({"randread", "randwrite"}));
    app.add_option("--depth", options.depth, "requests in flight")->check(CLI::Range(1u, 4096u));
    app.add_option("--threads", options.threads, "thread pool workers")->check(CLI::Range(1u, 256u));
    app.add_option("--seconds", options.seconds, "duration of each run")->check(CLI::Range(0.1, 3600.0));
    CLI11_PARSE(app, argc, argv);
    if (auto result = run(options); !result) {
        std::fprintf(stderr, "bench_block_engine: %s\n", result.error().message().c_str());
        return 1;
    }
    return 0;
}
