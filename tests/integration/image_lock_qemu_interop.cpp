// Image locking against real QEMU: qemu-io, qemu-img and a qemu-system guest refuse our images and
// we refuse theirs, through the same OFD lock bytes.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/unique_fd.hpp"
#include "block/raw_image.hpp"

extern char** environ;

using namespace nimbus;

namespace {

constexpr OpenMode READ_WRITE{.read_only = false};
constexpr OpenMode READ_ONLY{.read_only = true};

bool have_program(const std::string& name)
{
    return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

// A child process with its stdin on a pipe we hold and its stderr in a file.
class Child final {
public:
    Child(std::vector<std::string> argv, const std::string& stderr_path)
    {
        int stdin_pipe[2];
        EXPECT_EQ(::pipe2(stdin_pipe, O_CLOEXEC), 0);
        m_stdin.reset(stdin_pipe[1]);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, stdin_pipe[0], 0);
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        std::vector<char*> args;
        for (auto& arg : argv)
            args.push_back(arg.data());
        args.push_back(nullptr);
        EXPECT_EQ(::posix_spawnp(&m_pid, args[0], &actions, nullptr, args.data(), environ), 0);
        posix_spawn_file_actions_destroy(&actions);
        ::close(stdin_pipe[0]);
    }
    ~Child()
    {
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
        }
    }
    // Closes its stdin and waits; returns the exit status, or -1 if it had to be killed.
    int finish(std::chrono::seconds patience = std::chrono::seconds(20))
    {
        m_stdin.reset();
        auto deadline = std::chrono::steady_clock::now() + patience;
        int status = 0;
        while (::waitpid(m_pid, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(m_pid, SIGKILL);
                ::waitpid(m_pid, &status, 0);
                m_pid = -1;
                return -1;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        m_pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    bool running() { return m_pid > 0 && ::waitpid(m_pid, nullptr, WNOHANG) == 0; }

private:
    pid_t m_pid = -1;
    UniqueFd m_stdin;
};

std::string read_text(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

bool byte_locked(const std::string& path, off_t byte)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    lock.l_start = byte;
    lock.l_len = 1;
    return fd.valid() && ::fcntl(fd.get(), F_OFD_GETLK, &lock) == 0 && lock.l_type != F_UNLCK;
}

// Waits until a QEMU process has taken its lock on `byte`, i.e. has the image open.
bool wait_for_lock(Child& child, const std::string& path, off_t byte)
{
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline && child.running()) {
        if (byte_locked(path, byte))
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

// Runs a command to completion; returns its exit status and leaves its stderr in `stderr_text`.
int run(std::vector<std::string> argv, const std::string& stderr_path, std::string& stderr_text)
{
    Child child(std::move(argv), stderr_path);
    int status = child.finish();
    stderr_text = read_text(stderr_path);
    return status;
}

class QemuInterop : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (!have_program("qemu-io") || !have_program("qemu-img"))
            GTEST_SKIP() << "qemu-io/qemu-img not installed (Debian package qemu-utils)";
        char pattern[] = "/tmp/nimbus-lock-interop-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        m_dir = pattern;
        m_image = m_dir + "/x.img";
        m_stderr = m_dir + "/stderr.txt";
        ASSERT_TRUE(RawImage::create(m_image, 1024 * 1024));
    }
    void TearDown() override
    {
        if (!m_dir.empty())
            std::filesystem::remove_all(m_dir);
    }

    std::string m_dir, m_image, m_stderr;
};

}  // namespace

TEST_F(QemuInterop, OurOpenFailsWhileQemuIoHoldsTheImage)
{
    Child qemu_io({"qemu-io", "-f", "raw", m_image}, m_stderr);  // waits for commands on stdin
    ASSERT_TRUE(wait_for_lock(qemu_io, m_image, 101)) << read_text(m_stderr);

    auto writer = RawImage::open(m_image, READ_WRITE);
    ASSERT_FALSE(writer);
    EXPECT_EQ(writer.error().message(), "disk image " + m_image +
                                            " is in use by another process (write lock held); is another guest using it?");
    EXPECT_FALSE(RawImage::open(m_image, READ_ONLY));  // a reader denies others write, qemu-io writes

    EXPECT_EQ(qemu_io.finish(), 0);
    EXPECT_TRUE(RawImage::open(m_image, READ_WRITE)) << "the lock was not released with qemu-io";
}

TEST_F(QemuInterop, QemuFailsWhileWeHoldTheImage)
{
    std::string error;
    {
        auto image = RawImage::open(m_image, READ_WRITE);
        ASSERT_TRUE(image);
        EXPECT_NE(run({"qemu-io", "-f", "raw", "-c", "read 0 512", m_image}, m_stderr, error), 0);
        EXPECT_NE(error.find("Failed to get \"write\" lock"), std::string::npos) << error;
        // convert reads its source without letting others write it: it sees our write permission.
        std::string copy = m_dir + "/copy.img";
        EXPECT_NE(run({"qemu-img", "convert", "-f", "raw", "-O", "raw", m_image, copy}, m_stderr, error), 0);
        EXPECT_NE(error.find("Failed to get shared \"write\" lock"), std::string::npos) << error;
        EXPECT_EQ(run({"qemu-img", "convert", "-U", "-f", "raw", "-O", "raw", m_image, copy}, m_stderr, error), 0)
            << error;
    }
    {
        auto image = RawImage::open(m_image, READ_ONLY);
        ASSERT_TRUE(image);
        EXPECT_NE(run({"qemu-io", "-f", "raw", "-c", "read 0 512", m_image}, m_stderr, error), 0);
        EXPECT_NE(error.find("Failed to get \"write\" lock"), std::string::npos) << error;
        // Readers coexist.
        EXPECT_EQ(run({"qemu-io", "-r", "-f", "raw", "-c", "read 0 512", m_image}, m_stderr, error), 0) << error;
    }
    EXPECT_EQ(run({"qemu-io", "-f", "raw", "-c", "write 0 512", m_image}, m_stderr, error), 0) << error;
}

TEST_F(QemuInterop, QemuGuestAndNimbusExcludeEachOther)
{
    if (!have_program("qemu-system-x86_64"))
        GTEST_SKIP() << "qemu-system-x86_64 not installed";
    std::vector<std::string> guest{"qemu-system-x86_64", "-M", "pc", "-accel", "tcg", "-S", "-display", "none",
                                   "-nodefaults", "-drive", "file=" + m_image + ",format=raw,if=virtio"};
    {
        Child qemu(guest, m_stderr);  // -S: created, never started; holds the drive until killed
        ASSERT_TRUE(wait_for_lock(qemu, m_image, 201)) << read_text(m_stderr);
        EXPECT_FALSE(RawImage::open(m_image, READ_WRITE));
        EXPECT_FALSE(RawImage::open(m_image, READ_ONLY));
    }
    auto image = RawImage::open(m_image, READ_WRITE);
    ASSERT_TRUE(image);
    std::string error;
    EXPECT_NE(run(guest, m_stderr, error), 0);
    EXPECT_NE(error.find("Failed to get \"write\" lock"), std::string::npos) << error;
}
