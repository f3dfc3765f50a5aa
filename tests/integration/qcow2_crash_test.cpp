// Qcow2 crash consistency: a writer process is killed with SIGKILL at random moments, again and
// again; each time `qemu-img check` must find no corruption (leaks are allowed) and every write
// flushed before the kill must read back (unflushed ones may or may not have landed).
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <random>
#include <thread>

#include "block/qcow2/qcow2_creator.hpp"
#include "block/qcow2/qcow2_image.hpp"
#include "block/raw_image.hpp"
#include "tests/integration/qcow2_test_support.hpp"
#include "tests/unit/block/block_test_support.hpp"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using namespace nimbus;
using namespace nimbus::testing;
using nimbus::qcow2::CreateOptions;
using nimbus::qcow2::Qcow2Creator;
using nimbus::qcow2::Qcow2Image;

namespace {

constexpr std::uint64_t PAGE = 4096;
constexpr std::uint64_t SECTORS = PAGE / 512;
constexpr std::uint32_t ZERO_VERSION = 0xffffffff;

// The content of a page at a version: words that name the page, the version and the position.
void fill_page(std::uint8_t* out, std::uint64_t page, std::uint32_t version)
{
    if (version == ZERO_VERSION) {
        std::memset(out, 0, PAGE);
        return;
    }
    for (std::uint64_t word = 0; word < PAGE / 8; ++word) {
        std::uint64_t value = (page << 40) ^ (std::uint64_t{version} << 12) ^ word ^ 0x5555000000000000ull;
        std::memcpy(out + word * 8, &value, 8);
    }
}

// What the writer told the parent, one record per line of the pipe.
struct Record {
    char kind;  // 'W' write, 'Z' write-zeroes, 'F' everything issued so far is flushed
    std::uint64_t first_page;
    std::uint64_t pages;
    std::uint32_t version;
};

[[noreturn]] void writer(const std::string& path, std::uint64_t pages, std::uint32_t first_version, int report,
                         std::uint32_t seed)
{
    auto image = Qcow2Image::open(path, OpenMode{.read_only = false});
    if (!image) {
        std::fprintf(stderr, "writer: %s\n", image.error().message().c_str());
        ::_exit(10);
    }
    std::mt19937_64 generator(seed);
    std::vector<std::uint8_t> buffer(16 * PAGE);
    // Frequent flushes in some cycles; in others so rare that dirty metadata is evicted instead.
    const std::uint64_t flush_one_in = seed % 2 == 0 ? 6 : 400;
    for (std::uint32_t version = first_version;; ++version) {
        Record record{'W', generator() % pages, 1 + generator() % 16, version};
        record.pages = std::min(record.pages, pages - record.first_page);
        if (generator() % 8 == 0)
            record.kind = 'Z';
        if (::write(report, &record, sizeof record) != sizeof record)
            ::_exit(11);
        Result<void> done;
        if (record.kind == 'Z') {
            done = (*image)->write_zeroes(record.first_page * PAGE, record.pages * PAGE, generator() % 2 == 0);
        } else {
            for (std::uint64_t i = 0; i < record.pages; ++i)
                fill_page(buffer.data() + i * PAGE, record.first_page + i, version);
            done = (*image)->write(record.first_page * PAGE, std::span(buffer).first(record.pages * PAGE));
        }
        if (!done) {
            std::fprintf(stderr, "writer: %s\n", done.error().message().c_str());
            ::_exit(12);
        }
        if (generator() % flush_one_in == 0) {
            if (!(*image)->flush())
                ::_exit(13);
            Record flushed{'F', 0, 0, version};
            if (::write(report, &flushed, sizeof flushed) != sizeof flushed)
                ::_exit(11);
        }
    }
}

class Qcow2CrashTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (!have_program("qemu-img"))
            GTEST_SKIP() << "qemu-img not installed (Debian package qemu-utils)";
    }

    // Kills a writer `cycles` times on one image, checking after each kill.
    void run_cycles(const std::string& name, CreateOptions options, bool with_backing, int cycles, std::uint32_t seed)
    {
        std::string path = dir.file(name);
        const std::uint64_t pages = *options.size / PAGE;
        std::uint32_t initial = ZERO_VERSION;
        if (with_backing) {
            std::string base = dir.file(name + ".base");
            ASSERT_TRUE(RawImage::create(base, *options.size));
            auto raw = RawImage::open(base, OpenMode{.read_only = false});
            std::vector<std::uint8_t> page(PAGE);
            for (std::uint64_t p = 0; p < pages; ++p) {
                fill_page(page.data(), p, 0);
                ASSERT_TRUE((*raw)->write(p * PAGE, page));
            }
            options.backing_file = name + ".base";
            options.backing_format = "raw";
            initial = 0;
        }
        auto created = Qcow2Creator::create(path, options);
        ASSERT_TRUE(created) << created.error().message();
        // Per 512-byte sector (the smallest cluster, so the unit a kill cannot tear): the version
        // known to be there.
        std::vector<std::uint32_t> settled(pages * SECTORS, initial);
        std::uint32_t version = 1;
        std::mt19937 generator(seed);
        for (int cycle = 0; cycle < cycles; ++cycle) {
            int pipe_fds[2];
            ASSERT_EQ(::pipe(pipe_fds), 0);
            pid_t child = ::fork();
            ASSERT_GE(child, 0);
            if (child == 0) {
                ::close(pipe_fds[0]);
                writer(path, pages, version, pipe_fds[1], seed * 1000 + static_cast<std::uint32_t>(cycle));
            }
            ::close(pipe_fds[1]);
            std::this_thread::sleep_for(std::chrono::milliseconds(20 + generator() % 150));
            ::kill(child, SIGKILL);
            std::vector<Record> records;
            Record record{};
            while (::read(pipe_fds[0], &record, sizeof record) == sizeof record)
                records.push_back(record);
            ::close(pipe_fds[0]);
            int status = 0;
            ::waitpid(child, &status, 0);
            ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped by itself with status " << WEXITSTATUS(status);
            ++m_kills;

            CommandResult check = run_command("qemu-img check " + path);
            ASSERT_TRUE(check.status == 0 || check.status == 3) << name << " cycle " << cycle << "\n" << check.output;
            if (check.status == 3)
                ++m_leaky_kills;

            // Pending versions per page (issued after the page's last flushed write).
            std::uint32_t flushed_upto = 0;
            for (const auto& entry : records)
                if (entry.kind == 'F')
                    flushed_upto = entry.version;
            // Versions issued after a sector's last flushed write may or may not be there.
            std::map<std::uint64_t, std::vector<std::uint32_t>> candidates;
            std::vector<std::uint32_t> must(settled);
            for (const auto& entry : records) {
                if (entry.kind == 'F')
                    continue;
                std::uint32_t content = entry.kind == 'Z' ? ZERO_VERSION : entry.version;
                for (std::uint64_t sector = entry.first_page * SECTORS; sector < (entry.first_page + entry.pages) * SECTORS;
                     ++sector) {
                    if (entry.version <= flushed_upto) {
                        must[sector] = content;
                        candidates.erase(sector);
                    } else {
                        candidates[sector].push_back(content);
                    }
                }
                version = entry.version + 1;
            }
            auto image = Qcow2Image::open(path, OpenMode{.read_only = true});
            ASSERT_TRUE(image) << image.error().message();
            std::vector<std::uint8_t> actual(PAGE);
            std::vector<std::uint8_t> expected(PAGE);
            for (std::uint64_t p = 0; p < pages; ++p) {
                ASSERT_TRUE((*image)->read(p * PAGE, actual));
                for (std::uint64_t index = 0; index < SECTORS; ++index) {
                    std::uint64_t sector = p * SECTORS + index;
                    std::vector<std::uint32_t> allowed{must[sector]};
                    if (auto it = candidates.find(sector); it != candidates.end())
                        allowed.insert(allowed.end(), it->second.begin(), it->second.end());
                    bool matched = false;
                    for (std::uint32_t candidate : allowed) {
                        fill_page(expected.data(), p, candidate);
                        if (std::memcmp(actual.data() + index * 512, expected.data() + index * 512, 512) == 0) {
                            settled[sector] = candidate;
                            matched = true;
                            break;
                        }
                    }
                    ASSERT_TRUE(matched) << name << " cycle " << cycle << ": sector " << sector
                                         << " holds neither its flushed version " << must[sector] << " nor a later write";
                }
            }
            m_records += records.size();
        }
    }

    TempDir dir;
    int m_kills = 0;
    int m_leaky_kills = 0;
    std::size_t m_records = 0;
};

TEST_F(Qcow2CrashTest, KilledWritersLeaveConsistentImages)
{
    auto start = std::chrono::steady_clock::now();
    // Small clusters and large disks so L2 tables and refcount blocks are evicted, and (512-byte
    // clusters) the refcount table grows.
    run_cycles("c4k.qcow2", {.size = 256ull << 20, .cluster_bits = 12}, false, 8, 1);
    run_cycles("c512.qcow2", {.size = 16ull << 20, .cluster_bits = 9}, false, 12, 2);
    run_cycles("c512-b.qcow2", {.size = 16ull << 20, .cluster_bits = 9}, false, 12, 12);
    run_cycles("v2.qcow2", {.size = 64ull << 20, .version = 2, .cluster_bits = 12}, false, 6, 3);
    run_cycles("backing.qcow2", {.size = 32ull << 20, .cluster_bits = 13}, true, 8, 4);
    run_cycles("lazy.qcow2", {.size = 64ull << 20, .cluster_bits = 12, .lazy_refcounts = true}, false, 6, 5);
    run_cycles("c64k.qcow2", {.size = 512ull << 20}, false, 6, 6);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("crash test: %d kills (%d left leaks), %zu writes issued, %.1f s\n", m_kills, m_leaky_kills, m_records,
                seconds);
}

}  // namespace
