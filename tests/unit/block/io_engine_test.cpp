// IoEngine (io_uring and thread pool): random concurrent I/O against a reference, errors, zeroing.
#include <gtest/gtest.h>

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>
#include <tuple>

#include "block/io_engine_factory.hpp"
#include "block/raw_image.hpp"
#include "tests/unit/block/block_test_support.hpp"

using namespace nimbus;
using nimbus::testing::TempDir;

namespace {

constexpr std::uint64_t MiB = 1024 * 1024;

// Runs the engine's completions until `finished` or ten seconds pass.
bool drive(IoEngine& engine, const std::function<bool()>& finished)
{
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!finished()) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        pollfd wait{engine.completion_fd(), POLLIN, 0};
        if (::poll(&wait, 1, 100) > 0)
            engine.process_completions();
    }
    return true;
}

// Submits one request, waits, returns its result.
Result<void> run(IoEngine& engine, IoRequest request)
{
    std::optional<Result<void>> outcome;
    request.done = [&](Result<void> result) { outcome = std::move(result); };
    EXPECT_TRUE(engine.submit(std::move(request)));
    EXPECT_TRUE(engine.flush_submissions());
    EXPECT_TRUE(drive(engine, [&] { return outcome.has_value(); }));
    return outcome.value_or(fail("test", "timed out"));
}

IoRequest transfer(IoOp op, std::uint64_t offset, std::span<std::uint8_t> bytes)
{
    return IoRequest{.op = op, .offset = offset, .buffers = {{bytes.data(), bytes.size()}}};
}

IoRequest ranged(IoOp op, std::uint64_t offset, std::uint64_t length, bool may_unmap = false)
{
    return IoRequest{.op = op, .offset = offset, .length = length, .may_unmap = may_unmap};
}

bool all_zero(std::span<const std::uint8_t> bytes)
{
    return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t byte) { return byte == 0; });
}

using Param = std::tuple<IoEngineKind, const char*>;

class IoEngineTest : public ::testing::TestWithParam<Param> {
protected:
    void open(std::uint64_t size, OpenMode mode = {}, unsigned queue_depth = 32)
    {
        m_path = m_dir.file("disk.img");
        if (::access(m_path.c_str(), F_OK) != 0) {
            ASSERT_TRUE(RawImage::create(m_path, size));
        }
        m_engine.reset();
        auto image = RawImage::open(m_path, mode);
        ASSERT_TRUE(image) << image.error().message();
        m_image = std::move(*image);
        auto engine = make_io_engine(*m_image, {.kind = std::get<0>(GetParam()), .queue_depth = queue_depth});
        ASSERT_TRUE(engine) << engine.error().message();
        m_engine = std::move(*engine);
    }

    TempDir m_dir{std::get<1>(GetParam())};
    std::string m_path;
    std::unique_ptr<RawImage> m_image;
    std::unique_ptr<IoEngine> m_engine;
};

}  // namespace

TEST_P(IoEngineTest, RandomConcurrentReadsAndWritesMatchAReference)
{
    constexpr std::uint64_t SIZE = 8 * MiB, REGION = 64 * 1024, REGIONS = SIZE / REGION;
    ASSERT_NO_FATAL_FAILURE(open(SIZE, {}, 16));
    EXPECT_EQ(m_engine->name(), std::get<0>(GetParam()) == IoEngineKind::IoUring ? "io_uring" : "thread pool");
    std::vector<std::uint8_t> reference(SIZE, 0);
    std::mt19937_64 random(42);

    // Requests in flight at once touch different regions, so the outcome is defined.
    struct Op final {
        bool busy = false;
        bool write = false;
        std::uint64_t offset = 0;
        std::vector<std::uint8_t> buffer;
    };
    std::vector<Op> regions(REGIONS);
    int started = 0, finished = 0, mismatches = 0, errors = 0;
    constexpr int TOTAL = 3000, IN_FLIGHT = 48;  // more than the queue depth: some wait

    auto start_one = [&] {
        std::uint64_t region = random() % REGIONS;
        while (regions[region].busy)
            region = (region + 1) % REGIONS;
        Op& op = regions[region];
        op.busy = true;
        op.write = random() % 2 == 0;
        std::uint64_t length = 1 + random() % REGION;
        op.offset = region * REGION + random() % (REGION - length + 1);
        op.buffer.assign(length, 0);
        if (op.write)
            for (auto& byte : op.buffer)
                byte = static_cast<std::uint8_t>(random());
        // Split into up to four pieces.
        IoRequest request{.op = op.write ? IoOp::Write : IoOp::Read, .offset = op.offset};
        std::uint64_t at = 0;
        for (int piece = 0; piece < 4 && at < length; ++piece) {
            std::uint64_t size = piece == 3 ? length - at : std::min(length - at, 1 + random() % length);
            request.buffers.push_back({op.buffer.data() + at, size});
            at += size;
        }
        if (at < length)
            request.buffers.push_back({op.buffer.data() + at, length - at});
        request.done = [&, region](Result<void> result) {
            Op& done = regions[region];
            done.busy = false;
            ++finished;
            if (!result) {
                ++errors;
                ADD_FAILURE() << result.error().message();
                return;
            }
            auto slice = std::span(reference).subspan(done.offset, done.buffer.size());
            if (done.write)
                std::copy(done.buffer.begin(), done.buffer.end(), slice.begin());
            else if (!std::equal(slice.begin(), slice.end(), done.buffer.begin()))
                ++mismatches;
        };
        ++started;
        ASSERT_TRUE(m_engine->submit(std::move(request)));
    };

    while (finished < TOTAL) {
        while (started < TOTAL && started - finished < IN_FLIGHT)
            start_one();
        ASSERT_TRUE(m_engine->flush_submissions());
        pollfd wait{m_engine->completion_fd(), POLLIN, 0};
        ASSERT_GT(::poll(&wait, 1, 10000), 0) << "no completion within 10 s";
        m_engine->process_completions();
    }
    EXPECT_EQ(errors, 0);
    EXPECT_EQ(mismatches, 0);
    ASSERT_TRUE(run(*m_engine, {.op = IoOp::Flush}));

    // The file itself, read synchronously, matches too.
    std::vector<std::uint8_t> file(SIZE);
    ASSERT_TRUE(m_image->read(0, file));
    EXPECT_TRUE(file == reference);
}

TEST_P(IoEngineTest, DiscardAndWriteZeroesReadBackAsZeros)
{
    ASSERT_NO_FATAL_FAILURE(open(8 * MiB));
    std::vector<std::uint8_t> data(8 * MiB, 0xa5);
    ASSERT_TRUE(run(*m_engine, transfer(IoOp::Write, 0, data)));

    ASSERT_TRUE(run(*m_engine, ranged(IoOp::Discard, MiB, MiB)));
    // More than one fallback chunk, unaligned, where zero range is unsupported (tmpfs).
    ASSERT_TRUE(run(*m_engine, ranged(IoOp::WriteZeroes, 3 * MiB + 1, 2 * MiB + 7, false)));
    ASSERT_TRUE(run(*m_engine, ranged(IoOp::WriteZeroes, 6 * MiB, MiB, true)));
    ASSERT_TRUE(run(*m_engine, {.op = IoOp::Flush}));

    std::vector<std::uint8_t> back(8 * MiB);
    ASSERT_TRUE(run(*m_engine, transfer(IoOp::Read, 0, back)));
    auto span = std::span<const std::uint8_t>(back);
    EXPECT_TRUE(all_zero(span.subspan(MiB, MiB)));
    EXPECT_TRUE(all_zero(span.subspan(3 * MiB + 1, 2 * MiB + 7)));
    EXPECT_TRUE(all_zero(span.subspan(6 * MiB, MiB)));
    EXPECT_EQ(back[MiB - 1], 0xa5);
    EXPECT_EQ(back[2 * MiB], 0xa5);
    EXPECT_EQ(back[3 * MiB], 0xa5);
    EXPECT_EQ(back[5 * MiB + 8], 0xa5);
    EXPECT_EQ(back[7 * MiB], 0xa5);
}

TEST_P(IoEngineTest, BadRequestsCompleteWithErrors)
{
    ASSERT_NO_FATAL_FAILURE(open(MiB));
    std::vector<std::uint8_t> buffer(4096);
    auto past_end = run(*m_engine, transfer(IoOp::Read, MiB - 100, buffer));
    ASSERT_FALSE(past_end);
    EXPECT_NE(past_end.error().message().find("cross the end"), std::string::npos) << past_end.error().message();
    EXPECT_FALSE(run(*m_engine, transfer(IoOp::Write, ~std::uint64_t{0} - 5, buffer)));
    EXPECT_FALSE(run(*m_engine, ranged(IoOp::Discard, MiB, 1)));
    EXPECT_FALSE(run(*m_engine, ranged(IoOp::WriteZeroes, MiB - 1, 2)));
    // The engine still works afterwards.
    EXPECT_TRUE(run(*m_engine, transfer(IoOp::Read, 0, buffer)));
}

TEST_P(IoEngineTest, ReadOnlyImageCompletesWritesWithErrors)
{
    ASSERT_NO_FATAL_FAILURE(open(MiB, OpenMode{.read_only = true}));
    std::vector<std::uint8_t> buffer(512);
    auto written = run(*m_engine, transfer(IoOp::Write, 0, buffer));
    ASSERT_FALSE(written);
    EXPECT_NE(written.error().message().find("read-only"), std::string::npos);
    EXPECT_FALSE(run(*m_engine, ranged(IoOp::Discard, 0, 512)));
    EXPECT_TRUE(run(*m_engine, transfer(IoOp::Read, 0, buffer)));
    EXPECT_TRUE(run(*m_engine, {.op = IoOp::Flush}));
}

TEST_P(IoEngineTest, ShortReadFromATruncatedFileIsResumedThenFails)
{
    ASSERT_NO_FATAL_FAILURE(open(MiB));
    std::vector<std::uint8_t> data(MiB, 0x5a);
    ASSERT_TRUE(run(*m_engine, transfer(IoOp::Write, 0, data)));
    // Someone shrinks the file behind the image's back: the first read returns part, the retry
    // of the rest hits the end of file.
    ASSERT_EQ(::truncate(m_path.c_str(), MiB / 2), 0);
    std::vector<std::uint8_t> back(8192, 0);
    auto read = run(*m_engine, transfer(IoOp::Read, MiB / 2 - 4096, back));
    ASSERT_FALSE(read);
    EXPECT_NE(read.error().message().find("unexpected end of file"), std::string::npos) << read.error().message();
    EXPECT_EQ(back[4095], 0x5a);  // the part before the end was read
}

TEST_P(IoEngineTest, CallbacksMaySubmitMoreRequests)
{
    ASSERT_NO_FATAL_FAILURE(open(MiB, {}, 2));
    std::vector<std::uint8_t> block(4096, 7), back(4096, 0);
    int chain = 0;
    bool read_back = false;
    std::function<void(Result<void>)> next = [&](Result<void> result) {
        ASSERT_TRUE(result);
        if (++chain < 20) {
            ASSERT_TRUE(m_engine->submit({.op = IoOp::Write, .offset = chain * 4096ull,
                                          .buffers = {{block.data(), block.size()}}, .done = next}));
        } else {
            ASSERT_TRUE(m_engine->submit({.op = IoOp::Read, .offset = 19 * 4096,
                                          .buffers = {{back.data(), back.size()}},
                                          .done = [&](Result<void> r) { read_back = r.has_value(); }}));
        }
        ASSERT_TRUE(m_engine->flush_submissions());
    };
    ASSERT_TRUE(m_engine->submit({.op = IoOp::Write, .offset = 0, .buffers = {{block.data(), block.size()}},
                                  .done = next}));
    ASSERT_TRUE(m_engine->flush_submissions());
    ASSERT_TRUE(drive(*m_engine, [&] { return read_back; }));
    EXPECT_EQ(back, block);
}

TEST_P(IoEngineTest, RequestsBeyondTheQueueDepthWaitTheirTurn)
{
    ASSERT_NO_FATAL_FAILURE(open(MiB, {}, 2));
    std::vector<std::vector<std::uint8_t>> blocks;
    for (int i = 0; i < 40; ++i)
        blocks.emplace_back(512, static_cast<std::uint8_t>(i + 1));
    int completed = 0, failed = 0;
    auto count = [&](Result<void> result) {
        ++completed;
        failed += result ? 0 : 1;
    };
    for (int i = 0; i < 40; ++i) {
        auto& block = blocks[static_cast<std::size_t>(i)];
        ASSERT_TRUE(m_engine->submit({.op = IoOp::Write, .offset = i * 512ull,
                                      .buffers = {{block.data(), block.size()}}, .done = count}));
        // Needs no kernel work: completes when its turn comes.
        ASSERT_TRUE(m_engine->submit({.op = IoOp::Discard, .offset = 0, .length = 0, .done = count}));
    }
    ASSERT_TRUE(m_engine->flush_submissions());
    ASSERT_TRUE(drive(*m_engine, [&] { return completed == 80; }));
    EXPECT_EQ(failed, 0);
    std::vector<std::uint8_t> back(40 * 512);
    ASSERT_TRUE(m_image->read(0, back));
    for (std::size_t i = 0; i < back.size(); ++i)
        ASSERT_EQ(back[i], i / 512 + 1) << "at byte " << i;
}

TEST_P(IoEngineTest, DestroyingWithRequestsInFlightRunsNoCallbacks)
{
    ASSERT_NO_FATAL_FAILURE(open(8 * MiB, {}, 4));
    std::vector<std::uint8_t> buffer(MiB);
    int called = 0;
    for (int i = 0; i < 32; ++i)
        ASSERT_TRUE(m_engine->submit({.op = IoOp::Read, .offset = (i % 8) * MiB,
                                      .buffers = {{buffer.data(), buffer.size()}},
                                      .done = [&](Result<void>) { ++called; }}));
    ASSERT_TRUE(m_engine->flush_submissions());
    m_engine.reset();
    EXPECT_EQ(called, 0);
}

std::string engine_test_name(const ::testing::TestParamInfo<Param>& param)
{
    std::string engine = std::get<0>(param.param) == IoEngineKind::IoUring ? "IoUring" : "ThreadPool";
    return engine + (std::string(std::get<1>(param.param)) == "/tmp" ? "_tmp" : "_dev_shm");
}

INSTANTIATE_TEST_SUITE_P(Engines, IoEngineTest,
                         ::testing::Combine(::testing::Values(IoEngineKind::IoUring, IoEngineKind::ThreadPool),
                                            ::testing::Values("/tmp", "/dev/shm")),
                         engine_test_name);

TEST(MakeIoEngine, AutomaticPicksIoUringForRawFiles)
{
    TempDir dir;
    std::string path = dir.file("disk.img");
    ASSERT_TRUE(RawImage::create(path, MiB));
    auto image = RawImage::open(path, {});
    ASSERT_TRUE(image);
    auto engine = make_io_engine(**image);
    ASSERT_TRUE(engine);
    EXPECT_EQ((*engine)->name(), "io_uring");  // this host has io_uring
    auto bad_depth = make_io_engine(**image, {.kind = IoEngineKind::IoUring, .queue_depth = 0});
    EXPECT_FALSE(bad_depth);
    EXPECT_FALSE(make_io_engine(**image, {.kind = IoEngineKind::ThreadPool, .threads = 0}));
}
