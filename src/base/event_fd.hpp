// EventFd: an eventfd(2) counter used for irqfd, ioeventfd and waking the event loop.
#pragma once

#include <cstdint>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace nimbus {

class EventFd final {
public:
    static Result<EventFd> create(bool nonblocking = true);

    Result<void> signal(std::uint64_t value = 1) const;
    // Returns the counter and resets it; 0 when nothing was signalled (non-blocking).
    Result<std::uint64_t> consume() const;
    int fd() const { return m_fd.get(); }

private:
    explicit EventFd(UniqueFd fd) : m_fd(std::move(fd)) {}
    UniqueFd m_fd;
};

}  // namespace nimbus
