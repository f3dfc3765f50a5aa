// Monitor: the guest thread's restart loop and the control socket's request handling.
#include "control/monitor.hpp"

#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <initializer_list>
#include <thread>

#include "base/log.hpp"
#include "config/domain_config_json.hpp"
#include "control/state_dir.hpp"

namespace nimbus::control {

Monitor::Monitor(MonitorSettings settings, UniqueFd lock, UniqueFd listener, ConsolePty console, EventLoop loop,
                 std::unique_ptr<Vm> first_vm)
    : m_settings(std::move(settings)), m_lock(std::move(lock)), m_listener(std::move(listener)),
      m_console(std::move(console)), m_loop(std::move(loop)), m_first_vm(std::move(first_vm))
{
}

Monitor::~Monitor() = default;

int Monitor::run()
{
    {
        // Published before the socket is served, so a request never finds the first guest missing.
        std::lock_guard lock(m_mutex);
        m_vm = m_first_vm.get();
        if (m_settings.start_paused) {
            m_first_vm->pause();
            m_state = State::Paused;
        }
    }
    if (auto added = m_loop.add(m_listener.get(), [this] { accept_clients(); }); !added) {
        log::error("{}", added.error().message());
        return 1;
    }
    // SIGTERM/SIGINT/SIGHUP (blocked in every thread by the launcher) mean destroy, whether a Vm
    // runs (its own signalfd may see them first: the same outcome) or a preserved guest waits.
    sigset_t signals;
    sigemptyset(&signals);
    for (int signal_number : {SIGINT, SIGTERM, SIGHUP})
        sigaddset(&signals, signal_number);
    UniqueFd signal_fd(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
    if (signal_fd.valid()) {
        (void)m_loop.add(signal_fd.get(), [this, fd = signal_fd.get()] {
            signalfd_siginfo info{};
            while (::read(fd, &info, sizeof info) == sizeof info) {
            }
            (void)handle(Request{"destroy", nlohmann::json::object()});
        });
    }
    // Connections closed by a handler are dropped here, outside any handler of theirs.
    m_loop.set_tick(1000, [this] {
        std::erase_if(m_connections, [this](auto& entry) {
            if (!entry.second.closed)
                return false;
            (void)m_loop.remove(entry.first);
            return true;
        });
    });
    std::thread guest([this, vm = std::move(m_first_vm)]() mutable { guest_thread(std::move(vm)); });
    auto served = m_loop.run();
    guest.join();
    if (!served)
        log::error("{}", served.error().message());
    // Removed while we still hold the lock; clients waiting on their connection see it close
    // only after this, when the process exits.
    (void)remove_state_folder(domain_dir(m_settings.domain.name));
    return served ? m_exit_status : 1;
}

Monitor::After Monitor::decide(VmExitReason reason)
{
    auto action = [](EventAction event_action) {
        switch (event_action) {
        case EventAction::Destroy:
        case EventAction::CoredumpDestroy: return After::Finish;
        case EventAction::Restart:
        case EventAction::RenameRestart:
        case EventAction::CoredumpRestart:
        case EventAction::SoftReset: return After::Restart;
        case EventAction::Preserve: return After::Preserve;
        }
        return After::Finish;
    };
    const DomainConfig& domain = m_settings.domain;
    switch (reason) {
    case VmExitReason::PowerOff:
        // A `reboot` command is a power-button press with the intent kept here (see handle()).
        log::info("guest powered off{}", m_reboot_requested ? " (reboot requested)" : "");
        return action(m_reboot_requested ? domain.on_reboot : domain.on_poweroff);
    case VmExitReason::Reset: log::info("guest reset"); return action(domain.on_reboot);
    case VmExitReason::Crash:
    case VmExitReason::Error:
        log::error("guest crashed or failed");
        m_exit_status = 1;
        return action(domain.on_crash);
    case VmExitReason::Interrupted: return After::Finish;  // destroy, or SIGTERM/SIGINT to the monitor
    }
    return After::Finish;
}

void Monitor::guest_thread(std::unique_ptr<Vm> vm)
{
    for (;;) {
        {
            std::lock_guard lock(m_mutex);
            m_vm = vm.get();
            if (m_destroy_requested)
                vm->request_exit(VmExitReason::Interrupted);
        }
        auto reason = vm->run(m_console.master_fd(),
                              [this](std::span<const std::uint8_t> bytes) { m_console.write(bytes); }, false);
        After after;
        {
            std::lock_guard lock(m_mutex);
            m_vm = nullptr;
            m_past_cpu_ns += vm->vcpu_time_ns();
            if (!reason)
                log::error("{}", reason.error().message());
            after = m_destroy_requested ? After::Finish : decide(reason ? *reason : VmExitReason::Error);
            m_reboot_requested = false;
            m_state = after == After::Preserve
                          ? (reason && *reason == VmExitReason::PowerOff ? State::Shutdown : State::Crashed)
                          : State::Running;
        }
        vm.reset();
        if (after == After::Finish)
            break;
        if (after == After::Preserve) {
            std::unique_lock lock(m_mutex);
            m_released.wait(lock, [this] { return m_destroy_requested; });
            break;
        }
        log::info("restarting the guest");
        auto next = Vm::create(m_settings.vm);
        if (!next) {
            log::error("restart: {}", next.error().message());
            m_exit_status = 1;
            break;
        }
        vm = std::move(*next);
    }
    m_loop.stop();
}

void Monitor::accept_clients()
{
    for (;;) {
        int fd = ::accept4(m_listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;  // EAGAIN: all accepted; other errors: the next readiness retries
        Connection connection{UniqueFd(fd), LineReader(MAX_REQUEST_BYTES)};
        if (auto added = m_loop.add(fd, [this, fd] { serve(fd); }); !added) {
            log::warn("{}", added.error().message());
            continue;
        }
        m_connections.insert_or_assign(fd, std::move(connection));
    }
}

void Monitor::serve(int fd)
{
    auto found = m_connections.find(fd);
    if (found == m_connections.end() || found->second.closed)
        return;
    Connection& connection = found->second;
    char chunk[4096];
    ssize_t got = ::read(fd, chunk, sizeof chunk);
    if (got < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (got <= 0) {
        connection.closed = true;
        return;
    }
    connection.reader.feed({chunk, static_cast<std::size_t>(got)});
    while (auto line = connection.reader.next()) {
        std::string reply = line->oversized ? error_reply(fmt::format("request longer than {} bytes", MAX_REQUEST_BYTES))
                                            : handle(line->text);
        // Replies are small; a client that does not read them is dropped rather than waited for.
        if (::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT) != static_cast<ssize_t>(reply.size())) {
            connection.closed = true;
            return;
        }
    }
}

std::string Monitor::handle(const std::string& line)
{
    auto request = parse_request(line);
    if (!request)
        return error_reply(request.error().detail);
    return handle(*request);
}

const char* Monitor::state_name(State state)
{
    switch (state) {
    case State::Running: return "running";
    case State::Paused: return "paused";
    case State::ShuttingDown: return "shutting-down";
    case State::Shutdown: return "shutdown";
    case State::Crashed: return "crashed";
    }
    return "unknown";
}

nlohmann::json Monitor::info()
{
    std::lock_guard lock(m_mutex);
    std::uint64_t cpu_ns = m_past_cpu_ns + (m_vm ? m_vm->vcpu_time_ns() : 0);
    return {{"name", m_settings.domain.name},
            {"id", m_settings.id},
            {"memory_mib", m_settings.vm.memory_mib},
            {"vcpus", m_settings.vm.vcpus},
            {"state", state_name(m_state)},
            {"cpu_time_ns", cpu_ns},
            {"pid", ::getpid()},
            {"console", m_console.slave_path()},
            {"config", domain_config_to_json(m_settings.domain)}};
}

std::string Monitor::handle(const Request& request)
{
    const std::string& op = request.op;
    if (op == "info")
        return ok_reply(info());
    if (op == "console") {
        m_console.replay();
        return ok_reply({{"console", m_console.slave_path()}});
    }
    std::lock_guard lock(m_mutex);
    if (op == "destroy") {
        m_destroy_requested = true;
        if (m_vm)
            m_vm->request_exit(VmExitReason::Interrupted);
        m_released.notify_all();
        return ok_reply();
    }
    if (op == "shutdown" || op == "reboot") {
        if (!m_vm || m_state == State::Paused)
            return error_reply(fmt::format("the guest is {}; it cannot answer the power button", state_name(m_state)));
        // Recorded here, applied by decide() when the guest powers off (see cli/reboot_command.cpp).
        m_reboot_requested = op == "reboot";
        m_state = State::ShuttingDown;
        m_vm->press_power_button();
        return ok_reply();
    }
    if (op == "pause" || op == "unpause") {
        if (!m_vm)
            return error_reply(fmt::format("the guest is {}", state_name(m_state)));
        if (op == "pause") {
            m_vm->pause();
            m_state = State::Paused;
        } else {
            m_vm->resume();
            m_state = State::Running;
        }
        return ok_reply();
    }
    return error_reply(fmt::format("unknown request \"{}\"", op));
}

}  // namespace nimbus::control
