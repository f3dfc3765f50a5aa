// Bus: maps PIO ports or MMIO addresses to devices; unclaimed accesses are open bus.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_set>

#include "base/error.hpp"
#include "devices/bus_device.hpp"

namespace nimbus {

class Bus final {
public:
    explicit Bus(std::string name) : m_name(std::move(name)) {}

    // Only before vCPUs run: the map is read without a lock afterwards.
    Result<void> insert(std::uint64_t base, std::uint64_t size, std::shared_ptr<BusDevice> device);

    // Dispatches to the device covering [address, address + size); an access that hits none reads
    // as all ones (open bus) and is logged at debug level once per address.
    void read(std::uint64_t address, std::span<std::uint8_t> data);
    void write(std::uint64_t address, std::span<const std::uint8_t> data);

private:
    struct Entry {
        std::uint64_t size;
        std::shared_ptr<BusDevice> device;
    };
    // Returns the device and the offset of `address` inside it, or nullptr.
    BusDevice* find(std::uint64_t address, std::uint64_t length, std::uint64_t& offset) const;
    void note_unclaimed(std::uint64_t address, std::size_t length, bool is_write);

    std::string m_name;
    std::map<std::uint64_t, Entry> m_entries;
    std::mutex m_unclaimed_lock;
    std::unordered_set<std::uint64_t> m_unclaimed_logged;
};

}  // namespace nimbus
