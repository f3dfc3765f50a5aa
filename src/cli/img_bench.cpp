// `nimbus img bench`: read or write throughput of our engines, with qemu-img bench's options and
// output; --pattern=rand picks random bufsize-aligned offsets instead of stepping.
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "base/log.hpp"
#include "cli/img_command.hpp"
#include "cli/img_open.hpp"
#include "cli/img_size.hpp"

namespace nimbus::cli {

namespace {

struct BenchArguments {
    std::string format;
    std::uint64_t count = 75000;
    unsigned depth = 64;
    std::string buffer_size = "4096";
    std::string step;
    std::string offset = "0";
    bool write = false;
    bool quiet = false;
    std::string pattern = "seq";
    std::uint64_t flush_interval = 0;
    std::string file;
};

// Hands out request offsets in qemu-img bench's order (or at random), one per request.
class Offsets {
public:
    Offsets(std::uint64_t start, std::uint64_t step, std::uint64_t buffer, std::uint64_t image, bool random)
        : m_next(start), m_step(step), m_buffer(buffer), m_image(image), m_random(random)
    {
    }

    std::uint64_t next()
    {
        std::lock_guard lock(m_mutex);
        if (m_random)
            return m_image <= m_buffer ? 0 : m_generator() % ((m_image - m_buffer) / m_buffer + 1) * m_buffer;
        std::uint64_t offset = m_next;
        m_next += m_step;
        m_next = m_image <= m_buffer ? 0 : m_next % (m_image - m_buffer);
        return offset;
    }

private:
    std::mutex m_mutex;
    std::uint64_t m_next;
    std::uint64_t m_step;
    std::uint64_t m_buffer;
    std::uint64_t m_image;
    bool m_random;
    std::mt19937_64 m_generator{0x6e696d627573};  // fixed: every run sees the same offsets
};

Result<void> bench(const BenchArguments& arguments)
{
    bool random = arguments.pattern == "rand";
    int fill = 0;
    if (!random && arguments.pattern != "seq") {
        char* end = nullptr;
        long value = std::strtol(arguments.pattern.c_str(), &end, 0);
        if (*end != '\0' || value < 0 || value > 255)
            return fail("bench", "--pattern must be seq, rand or a byte value, not '{}'", arguments.pattern);
        fill = static_cast<int>(value);
    }
    if (arguments.depth == 0 || arguments.depth > 1024 || arguments.count == 0)
        return fail("bench", "-d must be 1..1024 and -c at least 1");
    std::uint64_t buffer = TRY(parse_image_size(arguments.buffer_size));
    std::uint64_t step = arguments.step.empty() ? buffer : TRY(parse_image_size(arguments.step));
    std::uint64_t start = TRY(parse_image_size(arguments.offset));
    if (buffer == 0 || buffer > (1u << 30))
        return fail("bench", "-s must be 1 byte to 1 GiB");
    auto image = TRY(open_image(arguments.file, arguments.format,
                                arguments.write ? DiskAccess::ReadWrite : DiskAccess::ReadOnly));
    if (buffer > image->size() || start > image->size() - buffer)
        return fail("bench " + arguments.file, "requests of {} bytes from offset {} do not fit in {} bytes", buffer,
                    start, image->size());
    if (!arguments.quiet)
        fmt::print("Sending {} {} requests, {} bytes each, {} in parallel (starting at offset {}, step size {})\n",
                   arguments.count, arguments.write ? "write" : "read", buffer, arguments.depth, start,
                   random ? std::string("random") : std::to_string(step));
    if (arguments.flush_interval != 0 && !arguments.write)
        return fail("bench", "--flush-interval is only for write benchmarks (-w)");
    if (arguments.flush_interval != 0 && !arguments.quiet)
        fmt::print("Sending flush every {} requests\n", arguments.flush_interval);
    Offsets offsets(start, step, buffer, image->size(), random);
    std::atomic<std::uint64_t> issued{0};
    std::mutex failure_mutex;
    std::optional<Error> failure;
    auto worker = [&] {
        std::vector<std::uint8_t> data(buffer, static_cast<std::uint8_t>(fill));
        for (std::uint64_t index; (index = issued.fetch_add(1)) < arguments.count;) {
            std::uint64_t at = offsets.next();
            auto done = arguments.write ? image->write(at, data) : image->read(at, data);
            if (done && arguments.flush_interval != 0 && (index + 1) % arguments.flush_interval == 0)
                done = image->flush();
            if (!done) {
                std::lock_guard lock(failure_mutex);
                failure = done.error();
                issued = arguments.count;
            }
        }
    };
    auto began = std::chrono::steady_clock::now();
    {
        std::vector<std::jthread> workers;
        auto threads = static_cast<unsigned>(std::min<std::uint64_t>(arguments.depth, arguments.count));
        for (unsigned i = 1; i < threads; ++i)
            workers.emplace_back(worker);
        worker();
    }
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - began;
    if (failure)
        return std::unexpected(*failure);
    if (arguments.write)
        TRY(image->flush());
    if (!arguments.quiet)
        fmt::print("Run completed in {:.3f} seconds.\n", took.count());
    return {};
}

}  // namespace

void add_img_bench(CLI::App& img, int& status)
{
    auto arguments = std::make_shared<BenchArguments>();
    CLI::App* command = img.add_subcommand("bench", "Measure read or write throughput of an image");
    command->add_option("-f", arguments->format, "Image format (probed when absent)");
    command->add_option("-c", arguments->count, "Number of requests (default 75000)");
    command->add_option("-d", arguments->depth, "Requests in flight (default 64)");
    command->add_option("-s", arguments->buffer_size, "Bytes per request (default 4096)");
    command->add_option("-S", arguments->step, "Offset step between requests (default: the request size)");
    command->add_option("-o", arguments->offset, "Offset of the first request (default 0)");
    command->add_flag("-w", arguments->write, "Write instead of read");
    command->add_flag("-q", arguments->quiet, "Print nothing");
    command->add_option("--pattern", arguments->pattern,
                        "seq (stepping, as qemu-img), rand (random aligned offsets) or a byte to write");
    command->add_option("--flush-interval", arguments->flush_interval, "Flush after every N write requests");
    command->add_option("file", arguments->file, "The image")->required();
    command->callback([arguments, &status] {
        if (auto benched = bench(*arguments); !benched) {
            log::error("{}", benched.error().message());
            status = 1;
        }
    });
}

}  // namespace nimbus::cli
