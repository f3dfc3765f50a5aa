// ConsolePty: a guest console on a PTY the monitor owns, that never blocks the guest.
#pragma once

#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace nimbus {

// Guest output goes two ways: into a ring of the last RING_SIZE bytes, and non-blocking into
// the PTY master. When nobody reads the slave the PTY's buffer fills and further bytes are
// dropped from it (the guest never waits for a reader); a client that attaches first discards
// what the PTY kept (tcflush on the slave), then asks for replay(), which writes the ring, so it
// sees the most recent output in order and then the live stream. The monitor keeps the slave
// open itself, so the master never reports a hang-up when clients come and go.
class ConsolePty final {
public:
    // Small enough that a replay fits in what a Linux PTY buffers for a reader (~12 KiB measured).
    static constexpr std::size_t RING_SIZE = 8 * 1024;

    static Result<ConsolePty> open();
    ConsolePty(ConsolePty&&) = default;

    // Guest output; any thread.
    void write(std::span<const std::uint8_t> bytes);
    // Writes the ring to the master (as much as the PTY takes); any thread.
    void replay();
    // The master fd: readable when a client typed something (the guest's input).
    int master_fd() const { return m_master.get(); }
    const std::string& slave_path() const { return m_slave_path; }

private:
    ConsolePty(UniqueFd master, UniqueFd slave, std::string slave_path);
    void write_master(std::span<const std::uint8_t> bytes);

    UniqueFd m_master;
    UniqueFd m_slave;  // held so the master never sees EIO/HUP between clients
    std::string m_slave_path;
    std::unique_ptr<std::mutex> m_mutex = std::make_unique<std::mutex>();  // ring and master writes
    std::vector<std::uint8_t> m_ring;
    std::size_t m_ring_start = 0;  // oldest byte once the ring is full
};

}  // namespace nimbus
