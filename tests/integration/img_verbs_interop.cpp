// `nimbus img map|compare|measure|resize|bench` against qemu-img: the same answers (JSON, text,
// exit statuses) on the same images, and images we change that qemu-img check/compare call clean.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/integration/qcow2_test_support.hpp"
#include "tests/unit/block/block_test_support.hpp"

using namespace nimbus::testing;
using Json = nlohmann::json;

namespace {

class ImgVerbsInterop : public ::testing::Test {
protected:
    void SetUp() override
    {
        const char* binary = std::getenv("NIMBUS");
        if (binary == nullptr)
            GTEST_SKIP() << "NIMBUS (the nimbus binary) is not set; run through ctest";
        nimbus = binary;
        if (!have_program("qemu-img") || !have_program("qemu-io"))
            GTEST_SKIP() << "qemu-img/qemu-io not installed (Debian package qemu-utils)";
    }

    // Runs "<tool> img ARGS" (ours) and "qemu-img ARGS"; stdout and status must be equal.
    void expect_same(const std::string& arguments, bool json = false)
    {
        CommandResult ours = run_command(nimbus + " img " + arguments, Stderr::Discard);
        CommandResult theirs = run_command("qemu-img " + arguments, Stderr::Discard);
        EXPECT_EQ(ours.status, theirs.status) << arguments << "\n" << ours.output << "\n" << theirs.output;
        if (json && !(ours.output.empty() && theirs.output.empty()))
            EXPECT_EQ(Json::parse(ours.output, nullptr, false), Json::parse(theirs.output, nullptr, false))
                << arguments << "\nours:\n" << ours.output << "\nqemu-img:\n" << theirs.output;
        else
            EXPECT_EQ(ours.output, theirs.output) << arguments;
    }

    std::string nimbus;
    TempDir dir;
};

TEST_F(ImgVerbsInterop, MapMatchesQemuImg)
{
    std::string base = dir.file("base.raw");
    must_run("qemu-img create -q -f raw " + base + " 1M");
    must_run("qemu-io -f raw -c 'write -P 1 64k 4k' -c 'write -P 2 300k 100k' " + base);
    std::string top = dir.file("top.qcow2");
    must_run("qemu-img create -q -f qcow2 -b base.raw -F raw " + top + " 2M");
    must_run("qemu-io -c 'write -z 128k 64k' -c 'write -P 3 0 64k' -c 'write -P 4 1500k 10k' " + top);
    std::string middle = dir.file("chain.qcow2");
    must_run("qemu-img create -q -f qcow2 -b top.qcow2 -F qcow2 " + middle + " 3M");
    must_run("qemu-io -c 'write -P 5 192k 64k' " + middle);
    std::string prealloc = dir.file("prealloc.qcow2");
    must_run("qemu-img create -q -f qcow2 -o preallocation=metadata,cluster_size=4k " + prealloc + " 1M");
    must_run("qemu-io -c 'write -P 6 0 6k' " + prealloc);
    std::string compressed = dir.file("compressed.qcow2");
    must_run("qemu-img convert -c -O qcow2 " + top + " " + compressed);
    std::string v2 = dir.file("v2.qcow2");
    must_run("qemu-img create -q -f qcow2 -o compat=0.10 " + v2 + " 5M");
    must_run("qemu-io -c 'write -P 7 1M 130k' " + v2);
    for (const std::string& image : {base, top, middle, prealloc, compressed, v2}) {
        expect_same("map --output=json " + image, true);
        expect_same("map " + image);
    }
    expect_same("map --output=json -f raw " + top, true);
    // Images we create and write (sub-cluster writes leave holes in preallocated clusters).
    for (std::string options : {"preallocation=metadata", "preallocation=off", "preallocation=falloc"}) {
        std::string ours = dir.file("ours-" + options.substr(15) + ".qcow2");
        must_run(nimbus + " img create -q -f qcow2 -o " + options + " " + ours + " 8M");
        must_run(nimbus + " img bench -q -w -c 100 -s 3k -S 70k " + ours);
        expect_same("map --output=json " + ours, true);
        expect_same("measure --output=json -O qcow2 " + ours, true);
    }
}

TEST_F(ImgVerbsInterop, CompareMatchesQemuImg)
{
    std::string a = dir.file("a.qcow2");
    std::string b = dir.file("b.raw");
    std::string c = dir.file("c.raw");
    must_run("qemu-img create -q -f qcow2 " + a + " 4M");
    must_run("qemu-io -c 'write -P 9 1M 70k' " + a);
    must_run("qemu-img convert -O raw " + a + " " + b);
    expect_same("compare " + a + " " + b);
    expect_same("compare -f qcow2 -F raw " + a + " " + b);
    must_run("qemu-io -f raw -c 'write -P 8 2000k 1' " + b);
    expect_same("compare " + a + " " + b);
    must_run("qemu-img create -q -f raw " + c + " 6M");
    must_run("qemu-io -f raw -c 'write -P 9 1M 70k' " + c);
    expect_same("compare " + a + " " + c);  // longer, zero tail: identical with a warning
    expect_same("compare -s " + a + " " + c);
    must_run("qemu-io -f raw -c 'write -P 1 5M 512' " + c);
    expect_same("compare " + a + " " + c);
    expect_same("compare " + c + " " + a);
    expect_same("compare -q " + c + " " + a);
    expect_same("compare " + a + " " + dir.file("missing.qcow2"));
}

TEST_F(ImgVerbsInterop, MeasureMatchesQemuImg)
{
    for (std::string options : {"", " -o cluster_size=4k", " -o cluster_size=2M,refcount_bits=64",
                                " -o cluster_size=512,refcount_bits=1"})
        for (std::string size : {"1", "10G", "3T", "12345K"}) {
            expect_same("measure --output=json -O qcow2" + options + " --size " + size, true);
            expect_same("measure -O qcow2" + options + " --size " + size);
        }
    expect_same("measure -O raw --size 10G");
    std::string raw = dir.file("data.raw");
    must_run("qemu-img create -q -f raw " + raw + " 3M");
    must_run("qemu-io -f raw -c 'write -P 1 64k 4k' -c 'write -P 2 1000k 300k' " + raw);
    std::string top = dir.file("top.qcow2");
    must_run("qemu-img create -q -f qcow2 -b data.raw -F raw " + top + " 5M");
    must_run("qemu-io -c 'write -z 1M 64k' -c 'write -P 3 4M 4k' " + top);
    for (const std::string& image : {raw, top})
        for (std::string target : {"qcow2", "raw", "qcow2 -o cluster_size=4k"}) {
            expect_same("measure --output=json -O " + target + " " + image, true);
            expect_same("measure -O " + target + " " + image);
        }
}

TEST_F(ImgVerbsInterop, ResizeLikeQemuImg)
{
    std::string ours = dir.file("ours.raw");
    std::string theirs = dir.file("theirs.raw");
    for (const std::string& path : {ours, theirs}) {
        must_run("qemu-img create -q -f raw " + path + " 3M");
        must_run("qemu-io -f raw -c 'write -P 4 0 3M' " + path);
    }
    for (std::string change : {"+1M", "-2M", "7340032", "1G", "--shrink 5M", "--shrink -- -1M"}) {
        CommandResult mine = run_command(nimbus + " img resize -f raw " + ours + " " + change, Stderr::Discard);
        CommandResult qemu = run_command("qemu-img resize -f raw " + theirs + " " + change, Stderr::Discard);
        EXPECT_EQ(mine.status, qemu.status) << change;
        EXPECT_EQ(mine.output, qemu.output) << change;
        EXPECT_EQ(std::filesystem::file_size(ours), std::filesystem::file_size(theirs)) << change;
        must_run("qemu-img compare -f raw -F raw " + ours + " " + theirs);
    }
    // qcow2 with 512-byte clusters: one L1 cluster covers 2 MiB, so growing to 64 MiB moves the L1.
    std::string image = dir.file("grow.qcow2");
    std::string copy = dir.file("grow.raw");
    must_run("qemu-img create -q -f qcow2 -o cluster_size=512 " + image + " 1M");
    must_run("qemu-io -c 'write -P 5 0 1M' " + image);
    must_run(nimbus + " img resize " + image + " 64M");
    must_run("qemu-img check " + image);
    must_run("qemu-io -c 'write -P 6 63M 1M' " + image);
    must_run("qemu-img check " + image);
    must_run("qemu-img create -q -f raw " + copy + " 64M");
    must_run("qemu-io -f raw -c 'write -P 5 0 1M' -c 'write -P 6 63M 1M' " + copy);
    must_run("qemu-img compare " + image + " " + copy);
    // Growing within the L1 table's cluster, then shrinking (refused without --shrink).
    must_run(nimbus + " img resize " + image + " +100K");
    must_run("qemu-img check " + image);
    EXPECT_EQ(run_command(nimbus + " img resize " + image + " 2M", Stderr::Discard).status, 1);
    must_run("qemu-img check " + image);
    must_run(nimbus + " img resize --shrink " + image + " 2M");
    must_run("qemu-img check " + image);
    must_run("qemu-img resize -f raw --shrink " + copy + " 2M");
    must_run("qemu-img compare " + image + " " + copy);
    EXPECT_EQ(Json::parse(must_run("qemu-img info --output=json " + image))["virtual-size"], 2 << 20);
    // Snapshots forbid shrinking, as in qemu-img.
    must_run("qemu-img snapshot -c s1 " + image);
    EXPECT_EQ(run_command(nimbus + " img resize --shrink " + image + " 1M", Stderr::Discard).status, 1);
    must_run(nimbus + " img resize " + image + " 4M");
    must_run("qemu-img check " + image);
}

TEST_F(ImgVerbsInterop, BenchWritesWhatQemuIoReads)
{
    std::string image = dir.file("bench.qcow2");
    must_run("qemu-img create -q -f qcow2 " + image + " 16M");
    std::string ours = must_run(nimbus + " img bench -w -c 1024 -d 4 -s 8K --pattern=0x5a " + image);
    EXPECT_EQ(ours.substr(0, ours.find(" (")),
              "Sending 1024 write requests, 8192 bytes each, 4 in parallel");
    EXPECT_NE(ours.find("Run completed in "), std::string::npos) << ours;
    must_run("qemu-img check " + image);
    must_run("qemu-io -c 'read -P 0x5a 0 8M' " + image);
    std::string theirs = must_run("qemu-img bench -c 100 -d 2 -S 64k " + image);
    ours = must_run(nimbus + " img bench -c 100 -d 2 -S 64k " + image);
    EXPECT_EQ(ours.substr(0, ours.find('\n')), theirs.substr(0, theirs.find('\n')));
    must_run(nimbus + " img bench -w -c 300 -d 3 --pattern=rand --flush-interval=50 " + image);
    must_run("qemu-img check " + image);
    EXPECT_EQ(run_command(nimbus + " img bench -s 32M " + image, Stderr::Discard).status, 1);
}

TEST_F(ImgVerbsInterop, RebaseKeepsWhatTheImageShows)
{
    std::string old_base = dir.file("old.raw");
    std::string new_base = dir.file("new.qcow2");
    std::string top = dir.file("top.qcow2");
    std::string expected = dir.file("expected.raw");
    must_run("qemu-img create -q -f raw " + old_base + " 4M");
    must_run("qemu-io -f raw -c 'write -P 1 0 4M' " + old_base);
    must_run("qemu-img create -q -f qcow2 " + new_base + " 2M");
    must_run("qemu-io -c 'write -P 1 0 1M' -c 'write -P 2 1M 512k' " + new_base);
    must_run("qemu-img create -q -f qcow2 -b old.raw -F raw " + top + " 4M");
    must_run("qemu-io -c 'write -P 3 100k 10k' " + top);
    must_run("qemu-img convert -O raw " + top + " " + expected);
    must_run(nimbus + " img rebase -p -b new.qcow2 -F qcow2 " + top);
    must_run("qemu-img check " + top);
    must_run("qemu-img compare " + top + " " + expected);
    Json info = Json::parse(must_run("qemu-img info --output=json " + top));
    EXPECT_EQ(info["backing-filename"], "new.qcow2");
    EXPECT_EQ(info["backing-filename-format"], "qcow2");
    // Only the clusters that differ were copied: the first MiB still comes from the backing file.
    Json map = Json::parse(must_run("qemu-img map --output=json " + top));
    EXPECT_EQ(map[0]["depth"], 1) << map.dump();
    // Unsafe: the header changes, the data does not.
    must_run(nimbus + " img rebase -u -b old.raw -F raw " + top);
    must_run("qemu-img check " + top);
    must_run("qemu-img compare " + top + " " + expected);
    // No backing file at all: everything is copied in.
    must_run(nimbus + " img rebase -b '' " + top);
    must_run("qemu-img check " + top);
    must_run("qemu-img compare " + top + " " + expected);
    EXPECT_FALSE(Json::parse(must_run("qemu-img info --output=json " + top)).contains("backing-filename"));
    EXPECT_EQ(run_command(nimbus + " img rebase -b missing.raw " + top, Stderr::Discard).status, 1);
}

TEST_F(ImgVerbsInterop, CommitLikeQemuImg)
{
    for (std::string base_format : {"raw", "qcow2"}) {
        for (std::string keep : {"", " -d"}) {
            std::string ours_base = dir.file("ours." + base_format);
            std::string theirs_base = dir.file("theirs." + base_format);
            std::string ours_top = dir.file("ours.qcow2top");
            std::string theirs_top = dir.file("theirs.qcow2top");
            for (auto [base, top] : {std::pair{ours_base, ours_top}, std::pair{theirs_base, theirs_top}}) {
                std::filesystem::remove(base);
                std::filesystem::remove(top);
                must_run("qemu-img create -q -f " + base_format + " " + base + " 3M");
                must_run("qemu-io -f " + base_format + " -c 'write -P 1 0 3M' " + base);
                must_run("qemu-img create -q -f qcow2 -b " + base + " -F " + base_format + " " + top);
                must_run("qemu-io -c 'write -P 2 70k 100k' -c 'write -z 1M 64k' -c 'write -P 3 2047k 2k' " + top);
            }
            EXPECT_EQ(must_run(nimbus + " img commit" + keep + " " + ours_top),
                      must_run("qemu-img commit" + keep + " " + theirs_top));
            must_run("qemu-img compare -f " + base_format + " -F " + base_format + " " + ours_base + " " + theirs_base);
            must_run("qemu-img compare " + ours_top + " " + theirs_top);
            must_run("qemu-img check " + ours_top);
            if (base_format == "qcow2")
                must_run("qemu-img check " + ours_base);
            // The same extents; a committed zero cluster may be unallocated in a qcow2 base without
            // a backing file (ours) or a zero cluster (qemu-img's): both read as zeros.
            auto map = [](const std::string& path) {
                Json extents = Json::parse(must_run("qemu-img map --output=json " + path));
                for (Json& extent : extents)
                    if (extent["zero"] == true && extent["data"] == false)
                        extent.erase("present");
                return extents;
            };
            EXPECT_EQ(map(ours_top), map(theirs_top)) << base_format << keep;
        }
    }
}

}  // namespace
