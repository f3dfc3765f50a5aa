// Error formatting.
#include "base/error.hpp"

#include <cstring>

namespace nimbus {

std::string Error::message() const
{
    std::string text = operation;
    if (!detail.empty())
        text += text.empty() ? detail : ": " + detail;
    if (errno_value != 0)
        text += fmt::format(": {}", std::strerror(errno_value));
    return text;
}

Error errno_error(std::string operation)
{
    return Error{std::move(operation), errno, {}};
}

Error make_error(std::string operation, std::string detail)
{
    return Error{std::move(operation), 0, std::move(detail)};
}

}  // namespace nimbus
