// Logging: one atomic level, whole lines written with a single write(2) so threads do not interleave.
#include "base/log.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

namespace nimbus::log {

namespace {
std::atomic<Level> g_level{Level::Warn};

const char* prefix(Level level)
{
    switch (level) {
    case Level::Debug: return "nimbus: debug: ";
    case Level::Info: return "nimbus: ";
    case Level::Warn: return "nimbus: warning: ";
    case Level::Error: return "nimbus: error: ";
    }
    return "nimbus: ";
}
}  // namespace

void set_level(Level new_level)
{
    g_level.store(new_level, std::memory_order_relaxed);
}

Level level()
{
    return g_level.load(std::memory_order_relaxed);
}

void init_from_environment()
{
    const char* value = std::getenv("NIMBUS_LOG");
    if (value == nullptr)
        return;
    std::string_view name(value);
    if (name == "debug")
        set_level(Level::Debug);
    else if (name == "info")
        set_level(Level::Info);
    else if (name == "warn")
        set_level(Level::Warn);
    else if (name == "error")
        set_level(Level::Error);
}

void write(Level message_level, std::string_view text)
{
    // A raw terminal needs \r\n; stderr may be the guest's console.
    std::string line = fmt::format("{}{}\r\n", prefix(message_level), text);
    if (!isatty(STDERR_FILENO))
        line.erase(line.size() - 2, 1);
    ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
    (void)ignored;
}

}  // namespace nimbus::log
