// Monitor lifecycle under the host's KVM with the ticker guest: the monitor started from a
// DomainConfig built in code, then driven through the real CLI and its control socket.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "control/client.hpp"
#include "control/domain_creator.hpp"
#include "control/state_dir.hpp"

namespace nimbus::control {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct CliRun {
    int status = -1;
    std::string output;
};

// Runs the nimbus binary with `args`, `input` on its stdin; stdout and stderr together.
CliRun run_cli(const std::vector<std::string>& args, const std::string& input = "")
{
    int in[2], out[2];
    EXPECT_EQ(::pipe(in), 0);
    EXPECT_EQ(::pipe(out), 0);
    pid_t child = ::fork();
    if (child == 0) {
        ::dup2(in[0], 0);
        ::dup2(out[1], 1);
        ::dup2(out[1], 2);
        ::close(in[1]);
        ::close(out[0]);
        std::vector<char*> argv{const_cast<char*>(NIMBUS_BINARY)};
        for (const auto& arg : args)
            argv.push_back(const_cast<char*>(arg.c_str()));
        argv.push_back(nullptr);
        ::execv(NIMBUS_BINARY, argv.data());
        ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    if (!input.empty()) {
        EXPECT_EQ(::write(in[1], input.data(), input.size()), static_cast<ssize_t>(input.size()));
    }
    ::close(in[1]);
    CliRun run;
    char chunk[4096];
    for (ssize_t got; (got = ::read(out[0], chunk, sizeof chunk)) > 0;) {
        run.output.append(chunk, static_cast<std::size_t>(got));
    }
    ::close(out[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    run.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return run;
}

// Collects what a console PTY prints for `duration`.
std::string read_console(int fd, std::chrono::milliseconds duration)
{
    std::string text;
    auto end = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < end) {
        pollfd ready{fd, POLLIN, 0};
        if (::poll(&ready, 1, 100) <= 0)
            continue;
        char chunk[1024];
        ssize_t got = ::read(fd, chunk, sizeof chunk);
        if (got <= 0)
            break;
        text.append(chunk, static_cast<std::size_t>(got));
    }
    return text;
}

std::vector<long> ticks(const std::string& text)
{
    std::vector<long> numbers;
    std::regex tick("tick ([0-9]+)");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), tick); it != std::sregex_iterator(); ++it)
        numbers.push_back(std::stol((*it)[1]));
    return numbers;
}

// One raw request line on a fresh connection; the reply line.
std::string raw_request(const std::string& name, const std::string& bytes)
{
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, socket_path(name).c_str(), sizeof address.sun_path - 1);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
    std::string reply;
    char c;
    while (::read(fd, &c, 1) == 1 && c != '\n')
        reply.push_back(c);
    ::close(fd);
    return reply;
}

class MonitorLifecycle : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (::access("/dev/kvm", R_OK | W_OK) != 0)
            GTEST_SKIP() << "needs /dev/kvm";
        char pattern[] = "/tmp/nimbus-lifecycle-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        m_root = pattern;
        ::setenv("NIMBUS_RUN_DIR", (m_root + "/run").c_str(), 1);
    }
    void TearDown() override
    {
        if (m_root.empty())
            return;
        for (const auto& name : {"tick1", "tick2"})
            (void)run_cli({"destroy", name});
        fs::remove_all(m_root);
        ::unsetenv("NIMBUS_RUN_DIR");
    }
    static DomainConfig ticker(const std::string& name)
    {
        DomainConfig domain;
        domain.name = name;
        domain.kernel = TICKER_GUEST;
        domain.memory_mib = 32;
        domain.vcpus = 1;
        domain.cmdline = "console=ttyS0";
        return domain;
    }
    std::string m_root;
};

TEST_F(MonitorLifecycle, CreateListPauseConsoleDestroy)
{
    auto created = create_domain(ticker("tick1"), StartState::Running);
    ASSERT_TRUE(created) << created.error().message();
    EXPECT_EQ(created->id, 1u);

    CliRun listed = run_cli({"list"});
    EXPECT_EQ(listed.status, 0);
    EXPECT_TRUE(std::regex_search(listed.output, std::regex("tick1 +1 +32 +1 +r-----"))) << listed.output;

    // The same name again is refused while the first one lives.
    auto again = create_domain(ticker("tick1"), StartState::Running);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().message(), "create domain 'tick1': a domain with that name already exists");

    // Malformed and oversized requests get error replies; the monitor keeps serving.
    EXPECT_EQ(raw_request("tick1", "{oops\n"), R"({"error":"not valid JSON","ok":false})");
    EXPECT_EQ(raw_request("tick1", std::string(10000, 'x') + "\n"),
              R"({"error":"request longer than 4096 bytes","ok":false})");
    EXPECT_EQ(raw_request("tick1", R"({"op":"fly"})" "\n"), R"({"error":"unknown request \"fly\"","ok":false})");

    auto client = Client::connect("tick1");
    ASSERT_TRUE(client);
    auto info = client->call("info");
    ASSERT_TRUE(info) << info.error().message();
    EXPECT_EQ((*info)["state"], "running");
    int console = ::open((*info)["console"].get<std::string>().c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK);
    ASSERT_GE(console, 0);
    ::tcflush(console, TCIFLUSH);
    std::string running = read_console(console, 2500ms);
    ASSERT_FALSE(ticks(running).empty()) << running;

    // Paused: no output at all; unpaused: the count continues from where it stood.
    ASSERT_EQ(run_cli({"pause", "tick1"}).status, 0);
    std::string before_pause = read_console(console, 300ms);  // a line in flight
    long last = ticks(running + before_pause).back();
    EXPECT_TRUE(std::regex_search(run_cli({"list"}).output, std::regex("tick1 .* --p---")));
    std::string paused = read_console(console, 2500ms);
    EXPECT_EQ(paused, "");
    ASSERT_EQ(run_cli({"unpause", "tick1"}).status, 0);
    std::string resumed = read_console(console, 2500ms);
    ASSERT_FALSE(ticks(resumed).empty()) << resumed;
    EXPECT_EQ(ticks(resumed).front(), last + 1);
    ::close(console);

    // The CLI console: typed bytes reach the guest, Ctrl-] detaches with status 0.
    CliRun attached = run_cli({"console", "tick1"}, "k\x1d");
    EXPECT_EQ(attached.status, 0) << attached.output;
    auto after = Client::connect("tick1");
    ASSERT_TRUE(after);
    auto still = after->call("info");
    ASSERT_TRUE(still);
    EXPECT_EQ((*still)["state"], "running");
    int again_console = ::open((*still)["console"].get<std::string>().c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK);
    ASSERT_GE(again_console, 0);
    ::tcflush(again_console, TCIFLUSH);
    ASSERT_TRUE(after->call("console"));  // replay: the key's echo is among the recent output
    EXPECT_NE(read_console(again_console, 500ms).find("ticker: key 0x6b"), std::string::npos);
    ::close(again_console);

    // destroy returns once the monitor has exited and removed its folder.
    CliRun destroyed = run_cli({"destroy", "tick1"});
    EXPECT_EQ(destroyed.status, 0) << destroyed.output;
    EXPECT_FALSE(fs::exists(m_root + "/run/tick1"));
    EXPECT_TRUE(fs::is_empty(m_root + "/run"));
    CliRun gone = run_cli({"pause", "tick1"});
    EXPECT_EQ(gone.status, 1);
    EXPECT_NE(gone.output.find("domain 'tick1': no such domain"), std::string::npos) << gone.output;
}

TEST_F(MonitorLifecycle, StartPausedThenKilledMonitorLeavesNothingListed)
{
    auto created = create_domain(ticker("tick2"), StartState::Paused);
    ASSERT_TRUE(created) << created.error().message();
    EXPECT_TRUE(std::regex_search(run_cli({"list"}).output, std::regex("tick2 .* --p---")));
    CliRun json = run_cli({"list", "--json"});
    EXPECT_NE(json.output.find(R"("state":"paused")"), std::string::npos) << json.output;

    ASSERT_EQ(::kill(created->monitor_pid, SIGKILL), 0);
    for (int i = 0; i < 50 && ::kill(created->monitor_pid, 0) == 0; ++i)
        std::this_thread::sleep_for(100ms);
    CliRun listed = run_cli({"list"});
    EXPECT_EQ(listed.output.find("tick2"), std::string::npos) << listed.output;
    EXPECT_FALSE(fs::exists(m_root + "/run/tick2"));
    auto reborn = create_domain(ticker("tick2"), StartState::Running);  // the name is free again
    ASSERT_TRUE(reborn) << reborn.error().message();
    EXPECT_EQ(run_cli({"destroy", "tick2"}).status, 0);
}

TEST_F(MonitorLifecycle, BadKernelIsReportedAndLeavesNothing)
{
    DomainConfig domain = ticker("tick1");
    domain.kernel = m_root + "/missing-vmlinux";
    auto created = create_domain(domain, StartState::Running);
    ASSERT_FALSE(created);
    EXPECT_NE(created.error().message().find("missing-vmlinux"), std::string::npos);
    domain.kernel = "/etc/hostname";  // exists, but no kernel: the monitor itself fails to build the VM
    created = create_domain(domain, StartState::Running);
    ASSERT_FALSE(created);
    EXPECT_NE(created.error().message().find("not an ELF vmlinux or a bzImage"), std::string::npos)
        << created.error().message();
    domain.kernel = TICKER_GUEST;
    domain.memory_mib = 1u << 30;  // 1 PiB
    created = create_domain(domain, StartState::Running);
    ASSERT_FALSE(created);
    EXPECT_NE(created.error().message().find("MiB available"), std::string::npos) << created.error().message();
    domain.memory_mib = 32;
    domain.vcpus = 0;
    created = create_domain(domain, StartState::Running);
    ASSERT_FALSE(created);
    EXPECT_NE(created.error().message().find("vcpus = 0"), std::string::npos) << created.error().message();
    EXPECT_TRUE(!fs::exists(m_root + "/run") || fs::is_empty(m_root + "/run"));
}

TEST_F(MonitorLifecycle, SigtermIsADestroyThatCleansUp)
{
    auto created = create_domain(ticker("tick1"), StartState::Paused);  // paused: vCPUs must still end
    ASSERT_TRUE(created) << created.error().message();
    ASSERT_EQ(::kill(created->monitor_pid, SIGTERM), 0);
    for (int i = 0; i < 100 && ::kill(created->monitor_pid, 0) == 0; ++i)
        std::this_thread::sleep_for(50ms);
    EXPECT_NE(::kill(created->monitor_pid, 0), 0) << "the monitor ignored SIGTERM";
    EXPECT_TRUE(fs::is_empty(m_root + "/run"));
}

// The hello guest resets when done: on_reboot decides between a new boot and the end.
TEST_F(MonitorLifecycle, OnRebootRestartBootsAgainAndDestroyEnds)
{
    DomainConfig domain = ticker("tick1");
    domain.kernel = HELLO_GUEST;
    domain.on_reboot = EventAction::Restart;
    auto created = create_domain(domain, StartState::Paused);
    ASSERT_TRUE(created) << created.error().message();
    auto client = Client::connect("tick1");
    ASSERT_TRUE(client);
    auto info = client->call("info");
    ASSERT_TRUE(info);
    int console = ::open((*info)["console"].get<std::string>().c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK);
    ASSERT_GE(console, 0);
    ::tcflush(console, TCIFLUSH);
    ASSERT_EQ(run_cli({"unpause", "tick1"}).status, 0);
    std::string output = read_console(console, 2000ms);
    ::close(console);
    std::size_t boots = 0;
    for (std::size_t at = output.find("nimbus test guest: hello"); at != std::string::npos;
         at = output.find("nimbus test guest: hello", at + 1))
        ++boots;
    EXPECT_GE(boots, 2u) << output;
    EXPECT_EQ(run_cli({"destroy", "tick1"}).status, 0);

    domain.on_reboot = EventAction::Destroy;
    created = create_domain(domain, StartState::Running);
    ASSERT_TRUE(created) << created.error().message();
    for (int i = 0; i < 100 && ::kill(created->monitor_pid, 0) == 0; ++i)
        std::this_thread::sleep_for(50ms);
    EXPECT_NE(::kill(created->monitor_pid, 0), 0) << "the monitor outlived its guest";
    EXPECT_TRUE(fs::is_empty(m_root + "/run"));
}

}  // namespace
}  // namespace nimbus::control
