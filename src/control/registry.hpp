// Registry: the domains that exist are the state folders whose monitor still holds its lock.
#pragma once

#include <string>
#include <vector>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace nimbus::control {

// A domain's state folder, created and locked; the lock passes to the monitor across fork().
// Destroying an unreleased reservation removes the folder (a create that failed leaves nothing).
class DomainReservation final {
public:
    DomainReservation(std::string name, UniqueFd lock) : m_name(std::move(name)), m_lock(std::move(lock)) {}
    DomainReservation(DomainReservation&&) = default;
    DomainReservation& operator=(DomainReservation&&) = default;
    ~DomainReservation();

    const std::string& name() const { return m_name; }
    int lock_fd() const { return m_lock.get(); }
    // The monitor owns the folder now: closing our copy of the lock leaves the monitor's in force.
    void hand_over();
    // In the monitor: the lock is its own now, and the folder its to remove.
    UniqueFd take_lock();

private:
    std::string m_name;
    UniqueFd m_lock;
    bool m_handed_over = false;
};

// Creates run_dir()/<name>/ atomically (a locked folder renamed into place), or says that a live
// domain has that name. A stale folder of that name (its monitor died) is removed first.
Result<DomainReservation> reserve_domain(const std::string& name);

// Whether a monitor holds <dir>/lock.
enum class Liveness { Live, Stale };
Liveness probe(const std::string& dir);

// Names of the live domains, sorted; removes stale folders on the way, so a monitor that died
// (killed, crashed) leaves nothing behind that shows up here.
std::vector<std::string> live_domains();

}  // namespace nimbus::control
