// EventLoop: one epoll thread that runs fd handlers (console input, ioeventfds, timers).
#pragma once

#include <functional>
#include <map>

#include "base/error.hpp"
#include "base/event_fd.hpp"
#include "base/unique_fd.hpp"

namespace nimbus {

class EventLoop final {
public:
    using Handler = std::function<void()>;

    static Result<EventLoop> create();

    // Only from the loop's own thread or before run(): the handler table is not locked.
    Result<void> add(int fd, Handler on_readable);
    Result<void> remove(int fd);
    // Called after every wake-up and at least every `idle_ms` milliseconds while run() lasts.
    void set_tick(int idle_ms, Handler on_tick);

    // Runs until stop(); returns an error only when epoll itself fails.
    Result<void> run();
    // Safe from any thread.
    void stop();

private:
    EventLoop(UniqueFd epoll, EventFd wake) : m_epoll(std::move(epoll)), m_wake(std::move(wake)) {}

    UniqueFd m_epoll;
    EventFd m_wake;
    std::map<int, Handler> m_handlers;
    Handler m_tick;
    int m_tick_ms = -1;
};

}  // namespace nimbus
