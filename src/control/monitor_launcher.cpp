// launch_monitor: fork into a new session, build the guest, report readiness through a pipe.
#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <vector>

#include "base/log.hpp"
#include "control/monitor.hpp"
#include "control/registry.hpp"
#include "control/state_dir.hpp"

namespace nimbus::control {

namespace {
Result<UniqueFd> listen_on(const std::string& path)
{
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd.valid())
        return fail_errno("socket");
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    // The umask (077) makes the socket 0600 from the start; the chmod says so explicitly.
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
        return fail_errno(fmt::format("bind {}", path));
    if (::chmod(path.c_str(), 0600) != 0)
        return fail_errno(fmt::format("chmod {}", path));
    if (::listen(fd.get(), 16) != 0)
        return fail_errno(fmt::format("listen {}", path));
    return fd;
}

// In the monitor process: everything that can fail before the guest runs.
Result<std::unique_ptr<Monitor>> build_monitor(const MonitorSettings& settings, UniqueFd lock)
{
    const std::string& name = settings.domain.name;
    auto console = TRY(ConsolePty::open());
    if (::symlink(console.slave_path().c_str(), console_link(name).c_str()) != 0)
        return fail_errno(fmt::format("symlink {}", console_link(name)));
    auto vm = TRY(Vm::create(settings.vm));
    auto loop = TRY(EventLoop::create());
    auto listener = TRY(listen_on(socket_path(name)));
    return std::make_unique<Monitor>(settings, std::move(lock), std::move(listener), std::move(console),
                                     std::move(loop), std::move(vm));
}

void write_all(int fd, std::string_view text)
{
    while (!text.empty()) {
        ssize_t written = ::write(fd, text.data(), text.size());
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return;
        text.remove_prefix(static_cast<std::size_t>(written));
    }
}

void close_other_fds(std::initializer_list<int> keep)
{
    std::vector<int> open_fds;
    if (DIR* listing = ::opendir("/proc/self/fd")) {
        while (dirent* entry = ::readdir(listing))
            if (entry->d_name[0] != '.')
                open_fds.push_back(std::atoi(entry->d_name));
        ::closedir(listing);
    }
    for (int fd : open_fds)
        if (fd > STDERR_FILENO && std::find(keep.begin(), keep.end(), fd) == keep.end())
            ::close(fd);  // the listing's own fd is already closed: EBADF, harmless
}

[[noreturn]] void monitor_main(const MonitorSettings& settings, DomainReservation reservation, UniqueFd ready)
{
    const std::string& name = settings.domain.name;
    write_all(ready.get(), fmt::format("{}\n", ::getpid()));
    ::umask(077);
    int null_fd = ::open("/dev/null", O_RDWR);
    int log_fd = ::open(log_path(name).c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(null_fd, STDOUT_FILENO);
    if (log_fd >= 0)
        ::dup2(log_fd, STDERR_FILENO);
    UniqueFd lock = reservation.take_lock();
    // Whatever else `create` had open (a caller's pipe, a terminal) must not stay open for the
    // monitor's lifetime: a shell reading `$(nimbus create ...)` would wait for the guest's end.
    close_other_fds({lock.get(), ready.get()});
    // Blocked in every thread: the Vm's signalfd turns them into a clean destroy.
    sigset_t signals;
    sigemptyset(&signals);
    for (int signal_number : {SIGINT, SIGTERM, SIGHUP})
        sigaddset(&signals, signal_number);
    ::pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    auto monitor = build_monitor(settings, std::move(lock));
    if (!monitor) {
        write_all(ready.get(), monitor.error().message());
        (void)remove_state_folder(domain_dir(name));
        ::_exit(1);
    }
    log::info("domain '{}' (id {}) started, pid {}", name, settings.id, ::getpid());
    write_all(ready.get(), "ok");
    ready.reset();
    int status = (*monitor)->run();
    monitor->reset();
    ::_exit(status);
}
}  // namespace

Result<pid_t> launch_monitor(const MonitorSettings& settings, DomainReservation reservation)
{
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
        return fail_errno("pipe");
    UniqueFd ready_read(pipe_fds[0]);
    UniqueFd ready_write(pipe_fds[1]);
    std::fflush(nullptr);
    pid_t middle = ::fork();
    if (middle < 0)
        return fail_errno("fork");
    if (middle == 0) {
        // A new session with no terminal; the second fork makes the monitor a child of init
        // (or the nearest subreaper), so nobody has to wait for it.
        ready_read.reset();
        ::setsid();
        pid_t monitor = ::fork();
        if (monitor < 0)
            ::_exit(1);
        if (monitor > 0)
            ::_exit(0);
        monitor_main(settings, std::move(reservation), std::move(ready_write));
    }
    ready_write.reset();
    int middle_status = 0;
    while (::waitpid(middle, &middle_status, 0) < 0 && errno == EINTR) {
    }
    std::string report;
    char chunk[512];
    for (;;) {
        ssize_t got = ::read(ready_read.get(), chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        report.append(chunk, static_cast<std::size_t>(got));
    }
    std::size_t newline = report.find('\n');
    if (newline == std::string::npos)
        return fail(fmt::format("start domain '{}'", settings.domain.name), "the monitor could not be started");
    pid_t pid = static_cast<pid_t>(std::stol(report.substr(0, newline)));
    std::string outcome = report.substr(newline + 1);
    if (outcome.empty())  // it died before saying why; our reservation removes the folder
        return fail(fmt::format("start domain '{}'", settings.domain.name), "the monitor exited during start-up");
    if (outcome != "ok") {
        reservation.hand_over();  // the monitor removed the folder itself
        return std::unexpected(make_error(fmt::format("start domain '{}'", settings.domain.name), outcome));
    }
    reservation.hand_over();
    return pid;
}

}  // namespace nimbus::control
