// Registry: reservation by rename, liveness by flock, stale-folder removal.
#include "control/registry.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "control/state_dir.hpp"

namespace nimbus::control {

namespace {
// Folders being built by a create; never listed, removed when their creator is gone.
constexpr std::string_view BUILDING_PREFIX = ".new-";
}  // namespace

DomainReservation::~DomainReservation()
{
    if (!m_handed_over && m_lock.valid())
        (void)remove_state_folder(domain_dir(m_name));  // still locked by us: nobody else removes it
}

void DomainReservation::hand_over()
{
    m_handed_over = true;
    m_lock.reset();
}

UniqueFd DomainReservation::take_lock()
{
    m_handed_over = true;
    return std::move(m_lock);
}

Liveness probe(const std::string& dir)
{
    UniqueFd lock(::open((dir + "/lock").c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!lock.valid())
        return Liveness::Stale;  // every folder is renamed into place with its lock file
    if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0)
        return errno == EWOULDBLOCK ? Liveness::Live : Liveness::Stale;
    return Liveness::Stale;
}

namespace {
// Removes `dir` if no monitor holds its lock; returns whether it is gone.
bool remove_if_stale(const std::string& dir)
{
    UniqueFd lock(::open((dir + "/lock").c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (lock.valid() && ::flock(lock.get(), LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK)
        return false;
    // Holding the dead monitor's lock (or there being none): nobody else is using the folder.
    return remove_state_folder(dir).has_value();
}
}  // namespace

Result<DomainReservation> reserve_domain(const std::string& name)
{
    if (std::string problem = check_domain_name(name); !problem.empty())
        return fail("domain name", "{}", problem);
    TRY(ensure_run_dir());
    std::string building = fmt::format("{}/{}{}", run_dir(), BUILDING_PREFIX, ::getpid());
    (void)remove_state_folder(building);  // a leftover of an earlier process with our pid
    if (::mkdir(building.c_str(), 0700) != 0)
        return fail_errno(fmt::format("create {}", building));
    UniqueFd lock(::open((building + "/lock").c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!lock.valid() || ::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
        auto error = errno_error(fmt::format("lock {}/lock", building));
        (void)remove_state_folder(building);
        return std::unexpected(error);
    }
    std::string target = domain_dir(name);
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (::rename(building.c_str(), target.c_str()) == 0)
            return DomainReservation(name, std::move(lock));
        if (errno != EEXIST && errno != ENOTEMPTY)
            break;
        if (!remove_if_stale(target)) {
            (void)remove_state_folder(building);
            return fail(fmt::format("create domain '{}'", name), "a domain with that name already exists");
        }
    }
    auto error = errno_error(fmt::format("rename {} to {}", building, target));
    (void)remove_state_folder(building);
    return std::unexpected(error);
}

std::vector<std::string> live_domains()
{
    std::vector<std::string> names;
    std::string dir = run_dir();
    DIR* listing = ::opendir(dir.c_str());
    if (!listing)
        return names;
    std::vector<std::string> entries;
    while (dirent* entry = ::readdir(listing)) {
        std::string_view file = entry->d_name;
        if (file != "." && file != "..")
            entries.emplace_back(file);
    }
    ::closedir(listing);
    for (const std::string& entry : entries) {
        std::string path = fmt::format("{}/{}", dir, entry);
        struct stat info{};
        if (::lstat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))
            continue;
        if (entry.starts_with(BUILDING_PREFIX)) {
            (void)remove_if_stale(path);  // a create that died half-way
            continue;
        }
        if (entry.starts_with('.'))
            continue;
        if (probe(path) == Liveness::Live)
            names.push_back(entry);
        else
            (void)remove_if_stale(path);
    }
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace nimbus::control
