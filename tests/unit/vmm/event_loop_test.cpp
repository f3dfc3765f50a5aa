// EventLoop: handlers run on readable fds, ticks run, stop() from another thread ends run().
#include <gtest/gtest.h>

#include <unistd.h>

#include <thread>

#include "base/event_fd.hpp"
#include "vmm/event_loop.hpp"

using namespace nimbus;

TEST(EventLoop, RunsHandlerThenStopsFromAnotherThread)
{
    auto loop = EventLoop::create();
    ASSERT_TRUE(loop);
    auto event = EventFd::create();
    ASSERT_TRUE(event);
    int handled = 0;
    ASSERT_TRUE(loop->add(event->fd(), [&] {
        handled += static_cast<int>(*event->consume());
        loop->stop();
    }));
    std::thread signaller([&] { (void)event->signal(3); });
    ASSERT_TRUE(loop->run());
    signaller.join();
    EXPECT_EQ(handled, 3);
}

TEST(EventLoop, TickRunsWhileIdle)
{
    auto loop = EventLoop::create();
    ASSERT_TRUE(loop);
    int ticks = 0;
    loop->set_tick(1, [&] {
        if (++ticks == 3)
            loop->stop();
    });
    ASSERT_TRUE(loop->run());
    EXPECT_GE(ticks, 3);
}

TEST(EventLoop, RemovedFdIsNotDispatched)
{
    auto loop = EventLoop::create();
    ASSERT_TRUE(loop);
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    bool called = false;
    ASSERT_TRUE(loop->add(fds[0], [&] { called = true; }));
    ASSERT_TRUE(loop->remove(fds[0]));
    ASSERT_EQ(::write(fds[1], "x", 1), 1);
    int ticks = 0;
    loop->set_tick(1, [&] {
        if (++ticks == 2)
            loop->stop();
    });
    ASSERT_TRUE(loop->run());
    EXPECT_FALSE(called);
    ::close(fds[0]);
    ::close(fds[1]);
}
