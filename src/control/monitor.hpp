// Monitor: the process that owns one guest, serves its control socket and applies on_* actions.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "base/unique_fd.hpp"
#include "config/domain_config.hpp"
#include "control/protocol.hpp"
#include "vmm/console_pty.hpp"
#include "vmm/event_loop.hpp"
#include "vmm/vm.hpp"

namespace nimbus::control {

struct MonitorSettings final {
    DomainConfig domain;
    VmConfig vm;               // what each (re)start of the guest builds
    std::uint32_t id = 1;      // xl's domain ID, shown by list
    bool start_paused = false; // create -p
};

// Threads: the caller's (run()) serves the control socket on its own EventLoop; one guest thread
// runs the Vm (which has its own event loop and vCPU threads) and replaces it on restart.
// m_mutex guards m_vm, m_state and the intent flags between the two.
class Monitor final {
public:
    Monitor(MonitorSettings settings, UniqueFd lock, UniqueFd listener, ConsolePty console, EventLoop loop,
            std::unique_ptr<Vm> first_vm);
    ~Monitor();
    // Serves until the guest is gone for good; then removes the state folder. Returns the exit status.
    int run();

private:
    enum class State { Running, Paused, ShuttingDown, Shutdown, Crashed };
    enum class After { Finish, Restart, Preserve };
    struct Connection {
        UniqueFd fd;
        LineReader reader;
        bool closed = false;
    };

    void guest_thread(std::unique_ptr<Vm> vm);
    After decide(VmExitReason reason);
    void accept_clients();
    void serve(int fd);
    std::string handle(const std::string& line);
    std::string handle(const Request& request);
    nlohmann::json info();
    static const char* state_name(State state);

    MonitorSettings m_settings;
    UniqueFd m_lock;
    UniqueFd m_listener;
    ConsolePty m_console;
    EventLoop m_loop;
    std::unique_ptr<Vm> m_first_vm;
    std::map<int, Connection> m_connections;

    std::mutex m_mutex;
    std::condition_variable m_released;  // a preserved guest waits here for destroy
    Vm* m_vm = nullptr;
    State m_state = State::Running;
    bool m_destroy_requested = false;
    bool m_reboot_requested = false;
    std::uint64_t m_past_cpu_ns = 0;  // vCPU time of earlier lives (before restarts)
    int m_exit_status = 0;
};

// Forks the monitor for `settings` into its own session and returns its pid once it serves its
// socket with the guest built (paused if asked), or the error that stopped it. The reservation's
// folder passes to the monitor, which removes it when it exits.
Result<pid_t> launch_monitor(const MonitorSettings& settings, class DomainReservation reservation);

}  // namespace nimbus::control
