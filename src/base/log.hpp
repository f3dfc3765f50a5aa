// Logging to stderr with levels; NIMBUS_LOG=debug|info|warn|error or --verbose sets the level.
#pragma once

#include <string_view>

#include <fmt/format.h>

namespace nimbus::log {

enum class Level { Debug, Info, Warn, Error };

void set_level(Level level);
Level level();
// Reads NIMBUS_LOG from the environment, if set.
void init_from_environment();
void write(Level level, std::string_view text);

template <typename... Args>
void debug(fmt::format_string<Args...> format, Args&&... args)
{
    if (level() <= Level::Debug)
        write(Level::Debug, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void info(fmt::format_string<Args...> format, Args&&... args)
{
    if (level() <= Level::Info)
        write(Level::Info, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> format, Args&&... args)
{
    if (level() <= Level::Warn)
        write(Level::Warn, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void error(fmt::format_string<Args...> format, Args&&... args)
{
    write(Level::Error, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace nimbus::log
