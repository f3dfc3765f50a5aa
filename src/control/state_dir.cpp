// StateDir: paths, permissions and removal.
#include "control/state_dir.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>

namespace nimbus::control {

namespace {
constexpr std::size_t MAX_NAME = 64;
}

std::string run_dir()
{
    const char* configured = std::getenv("NIMBUS_RUN_DIR");
    return configured && *configured ? configured : "/run/nimbus";
}

Result<void> ensure_run_dir()
{
    std::string dir = run_dir();
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        return fail_errno(fmt::format("create state folder {}", dir));
    struct stat info{};
    if (::lstat(dir.c_str(), &info) != 0)
        return fail_errno(fmt::format("stat {}", dir));
    if (!S_ISDIR(info.st_mode))
        return fail(dir, "not a folder");
    if (info.st_uid != ::geteuid())
        return fail(dir, "owned by uid {}, not by us (uid {})", info.st_uid, ::geteuid());
    if ((info.st_mode & 0077) != 0 && ::chmod(dir.c_str(), 0700) != 0)
        return fail_errno(fmt::format("chmod 0700 {}", dir));
    return {};
}

std::string domain_dir(std::string_view name)
{
    return fmt::format("{}/{}", run_dir(), name);
}

std::string socket_path(std::string_view name)
{
    return domain_dir(name) + "/control.sock";
}

std::string console_link(std::string_view name)
{
    return domain_dir(name) + "/console";
}

std::string lock_path(std::string_view name)
{
    return domain_dir(name) + "/lock";
}

std::string log_path(std::string_view name)
{
    return domain_dir(name) + "/monitor.log";
}

std::string check_domain_name(std::string_view name)
{
    if (name.empty())
        return "the domain name is empty";
    if (name.size() > MAX_NAME)
        return fmt::format("domain name '{}' is longer than {} characters", name, MAX_NAME);
    if (name.front() == '.' || name.front() == '-')
        return fmt::format("domain name '{}' must not start with '{}'", name, name.front());
    for (char c : name) {
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                     c == '-' || c == '.';
        if (!plain)
            return fmt::format("domain name '{}' has '{}': use letters, digits, '_', '-' and '.'", name, c);
    }
    if (socket_path(name).size() >= sizeof(sockaddr_un{}.sun_path))
        return fmt::format("the control socket path {} is too long for a unix socket (NIMBUS_RUN_DIR?)",
                           socket_path(name));
    return {};
}

Result<void> remove_state_folder(const std::string& dir)
{
    DIR* listing = ::opendir(dir.c_str());
    if (!listing)
        return errno == ENOENT ? Result<void>{} : fail_errno(fmt::format("open {}", dir));
    while (dirent* entry = ::readdir(listing)) {
        std::string_view file = entry->d_name;
        if (file == "." || file == "..")
            continue;
        std::string path = fmt::format("{}/{}", dir, file);
        if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
            ::closedir(listing);
            return fail_errno(fmt::format("remove {}", path));
        }
    }
    ::closedir(listing);
    if (::rmdir(dir.c_str()) != 0 && errno != ENOENT)
        return fail_errno(fmt::format("remove {}", dir));
    return {};
}

}  // namespace nimbus::control
