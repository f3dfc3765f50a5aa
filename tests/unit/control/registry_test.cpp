// Registry and state folder: reservation, liveness by lock, stale folders, names, permissions.
#include "control/registry.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "control/state_dir.hpp"

namespace nimbus::control {
namespace {

namespace fs = std::filesystem;

class RegistryTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        char pattern[] = "/tmp/nimbus-registry-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        m_root = pattern;
        m_run = m_root + "/run";
        ::setenv("NIMBUS_RUN_DIR", m_run.c_str(), 1);
    }
    void TearDown() override
    {
        ::unsetenv("NIMBUS_RUN_DIR");
        fs::remove_all(m_root);
    }
    // A folder as a monitor that was killed leaves it: lock (unlocked), socket file, console link.
    void make_dead_monitor_folder(const std::string& name)
    {
        fs::create_directories(m_run + "/" + name);
        for (const char* file : {"/lock", "/control.sock", "/monitor.log"})
            ::close(::open((m_run + "/" + name + file).c_str(), O_CREAT | O_WRONLY, 0600));
        fs::create_symlink("/dev/pts/999", m_run + "/" + name + "/console");
    }

    std::string m_root;
    std::string m_run;
};

TEST_F(RegistryTest, ReservationCreatesAPrivateFolderAndIsListed)
{
    auto reservation = reserve_domain("guest1");
    ASSERT_TRUE(reservation) << reservation.error().message();
    struct stat info{};
    ASSERT_EQ(::stat(m_run.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0700u);
    EXPECT_TRUE(fs::exists(m_run + "/guest1/lock"));
    EXPECT_EQ(live_domains(), std::vector<std::string>{"guest1"});
    EXPECT_EQ(probe(m_run + "/guest1"), Liveness::Live);
}

TEST_F(RegistryTest, SecondReservationOfALiveNameIsRefused)
{
    auto first = reserve_domain("guest1");
    ASSERT_TRUE(first);
    auto second = reserve_domain("guest1");
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().message(), "create domain 'guest1': a domain with that name already exists");
    EXPECT_TRUE(fs::exists(m_run + "/guest1/lock"));  // the first one is untouched
    // No half-built folder of the refused attempt is left behind.
    for (const auto& entry : fs::directory_iterator(m_run))
        EXPECT_EQ(entry.path().filename(), "guest1");
}

TEST_F(RegistryTest, ReleasingAnUnusedReservationRemovesTheFolder)
{
    {
        auto reservation = reserve_domain("guest1");
        ASSERT_TRUE(reservation);
    }
    EXPECT_FALSE(fs::exists(m_run + "/guest1"));
    EXPECT_TRUE(live_domains().empty());
}

TEST_F(RegistryTest, StaleFolderOfADeadMonitorIsNotListedAndIsRemoved)
{
    ASSERT_TRUE(ensure_run_dir());
    make_dead_monitor_folder("ghost");
    EXPECT_EQ(probe(m_run + "/ghost"), Liveness::Stale);
    EXPECT_TRUE(live_domains().empty());
    EXPECT_FALSE(fs::exists(m_run + "/ghost"));
}

TEST_F(RegistryTest, FolderWithoutLockFileIsStale)
{
    ASSERT_TRUE(ensure_run_dir());
    fs::create_directories(m_run + "/half");
    EXPECT_TRUE(live_domains().empty());
    EXPECT_FALSE(fs::exists(m_run + "/half"));
}

TEST_F(RegistryTest, LockHeldByAProcessThatDiedIsStale)
{
    // The monitor's lock lives as long as its process: a child reserves, hands the lock to
    // nobody and exits without cleaning up, as a SIGKILLed monitor would.
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        auto reservation = reserve_domain("killed");
        if (!reservation)
            ::_exit(1);
        ::_exit(0);  // no destructors: the folder stays, the lock goes with the process
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ASSERT_TRUE(fs::exists(m_run + "/killed/lock"));
    EXPECT_TRUE(live_domains().empty());
    EXPECT_FALSE(fs::exists(m_run + "/killed"));
}

TEST_F(RegistryTest, StaleFolderDoesNotBlockANewDomainOfThatName)
{
    ASSERT_TRUE(ensure_run_dir());
    make_dead_monitor_folder("guest1");
    auto reservation = reserve_domain("guest1");
    ASSERT_TRUE(reservation) << reservation.error().message();
    EXPECT_FALSE(fs::exists(m_run + "/guest1/control.sock"));  // the old leftovers are gone
    EXPECT_EQ(live_domains(), std::vector<std::string>{"guest1"});
}

TEST_F(RegistryTest, HalfBuiltFolderOfADeadCreateIsRemoved)
{
    ASSERT_TRUE(ensure_run_dir());
    make_dead_monitor_folder(".new-99999999");
    EXPECT_TRUE(live_domains().empty());
    EXPECT_FALSE(fs::exists(m_run + "/.new-99999999"));
}

TEST_F(RegistryTest, RunDirPermissionsAreTightened)
{
    ASSERT_EQ(::mkdir(m_run.c_str(), 0755), 0);
    ASSERT_TRUE(ensure_run_dir());
    struct stat info{};
    ASSERT_EQ(::stat(m_run.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0700u);
}

TEST_F(RegistryTest, RunDirThatIsAFileIsRefused)
{
    ::close(::open(m_run.c_str(), O_CREAT | O_WRONLY, 0600));
    auto made = ensure_run_dir();
    ASSERT_FALSE(made);
    EXPECT_NE(made.error().message().find("not a folder"), std::string::npos);
    EXPECT_FALSE(reserve_domain("guest1"));
}

TEST_F(RegistryTest, DomainNames)
{
    EXPECT_EQ(check_domain_name("guest1"), "");
    EXPECT_EQ(check_domain_name("web-01.lab_a"), "");
    EXPECT_NE(check_domain_name(""), "");
    EXPECT_NE(check_domain_name(".hidden"), "");
    EXPECT_NE(check_domain_name("-flag"), "");
    EXPECT_NE(check_domain_name("a/b"), "");
    EXPECT_NE(check_domain_name("a b"), "");
    EXPECT_NE(check_domain_name(std::string(65, 'a')), "");
    auto refused = reserve_domain("up/../escape");
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message().find("'/'"), std::string::npos);
}

TEST_F(RegistryTest, OverlongSocketPathIsRefused)
{
    ::setenv("NIMBUS_RUN_DIR", (m_run + "/" + std::string(90, 'd')).c_str(), 1);
    EXPECT_NE(check_domain_name("guest1").find("too long for a unix socket"), std::string::npos);
}

}  // namespace
}  // namespace nimbus::control
