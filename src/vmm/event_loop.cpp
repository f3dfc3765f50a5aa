// EventLoop: epoll dispatch.
#include "vmm/event_loop.hpp"

#include <sys/epoll.h>

#include <atomic>

namespace nimbus {

Result<EventLoop> EventLoop::create()
{
    int epoll = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll < 0)
        return fail_errno("epoll_create1");
    EventLoop loop(UniqueFd(epoll), TRY(EventFd::create()));
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = loop.m_wake.fd();
    if (::epoll_ctl(epoll, EPOLL_CTL_ADD, loop.m_wake.fd(), &event) < 0)
        return fail_errno("epoll_ctl add wake eventfd");
    return loop;
}

Result<void> EventLoop::add(int fd, Handler on_readable)
{
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = fd;
    if (::epoll_ctl(m_epoll.get(), EPOLL_CTL_ADD, fd, &event) < 0)
        return fail_errno(fmt::format("epoll_ctl add fd {}", fd));
    m_handlers[fd] = std::move(on_readable);
    return {};
}

Result<void> EventLoop::remove(int fd)
{
    m_handlers.erase(fd);
    if (::epoll_ctl(m_epoll.get(), EPOLL_CTL_DEL, fd, nullptr) < 0)
        return fail_errno(fmt::format("epoll_ctl del fd {}", fd));
    return {};
}

void EventLoop::set_tick(int idle_ms, Handler on_tick)
{
    m_tick_ms = idle_ms;
    m_tick = std::move(on_tick);
}

Result<void> EventLoop::run()
{
    constexpr int MAX_EVENTS = 16;
    epoll_event events[MAX_EVENTS];
    for (;;) {
        int count = ::epoll_wait(m_epoll.get(), events, MAX_EVENTS, m_tick_ms);
        if (count < 0) {
            if (errno == EINTR)
                continue;
            return fail_errno("epoll_wait");
        }
        for (int i = 0; i < count; ++i) {
            int fd = events[i].data.fd;
            if (fd == m_wake.fd()) {
                (void)m_wake.consume();
                return {};
            }
            auto handler = m_handlers.find(fd);
            if (handler != m_handlers.end())
                handler->second();
        }
        if (m_tick)
            m_tick();
    }
}

void EventLoop::stop()
{
    (void)m_wake.signal();
}

}  // namespace nimbus
