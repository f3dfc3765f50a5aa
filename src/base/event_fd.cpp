// EventFd: eventfd(2) wrapper.
#include "base/event_fd.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

namespace nimbus {

Result<EventFd> EventFd::create(bool nonblocking)
{
    int fd = ::eventfd(0, EFD_CLOEXEC | (nonblocking ? EFD_NONBLOCK : 0));
    if (fd < 0)
        return fail_errno("eventfd");
    return EventFd(UniqueFd(fd));
}

Result<void> EventFd::signal(std::uint64_t value) const
{
    if (::write(m_fd.get(), &value, sizeof value) != sizeof value)
        return fail_errno("write eventfd");
    return {};
}

Result<std::uint64_t> EventFd::consume() const
{
    std::uint64_t value = 0;
    if (::read(m_fd.get(), &value, sizeof value) != sizeof value) {
        if (errno == EAGAIN)
            return 0;
        return fail_errno("read eventfd");
    }
    return value;
}

}  // namespace nimbus
