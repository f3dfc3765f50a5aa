// Error and Result<T>: what failed, why, and the errno where the kernel told us.
#pragma once

#include <cerrno>
#include <expected>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace nimbus {

struct Error final {
    std::string operation;  // what we were doing, e.g. "open /boot/vmlinux"
    int errno_value = 0;    // 0 when the failure is ours, not the kernel's
    std::string detail;     // human explanation, may be empty

    std::string message() const;
};

template <typename T>
using Result = std::expected<T, Error>;

// An error from the current errno, for a failed system call.
Error errno_error(std::string operation);
// An error of our own (bad input, guest mistake, unsupported feature).
Error make_error(std::string operation, std::string detail);

template <typename... Args>
std::unexpected<Error> fail(std::string operation, fmt::format_string<Args...> format, Args&&... args)
{
    return std::unexpected(make_error(std::move(operation), fmt::format(format, std::forward<Args>(args)...)));
}

inline std::unexpected<Error> fail_errno(std::string operation)
{
    return std::unexpected(errno_error(std::move(operation)));
}

}  // namespace nimbus

// Propagates the error of a Result, or yields its value (GCC statement expression).
#define TRY(expression)                                              \
    ({                                                               \
        auto _nimbus_result = (expression);                          \
        if (!_nimbus_result)                                         \
            return std::unexpected(std::move(_nimbus_result).error()); \
        *std::move(_nimbus_result);                                  \
    })
