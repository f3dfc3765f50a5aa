// Bus: range lookup and open-bus handling.
#include "vmm/bus.hpp"

#include <algorithm>

#include "base/log.hpp"

namespace nimbus {

Result<void> Bus::insert(std::uint64_t base, std::uint64_t size, std::shared_ptr<BusDevice> device)
{
    if (size == 0 || base + size < base)
        return fail(m_name, "invalid range at {:#x} of size {:#x}", base, size);
    auto next = m_entries.lower_bound(base);
    if (next != m_entries.end() && next->first < base + size)
        return fail(m_name, "range {:#x}+{:#x} overlaps the device at {:#x}", base, size, next->first);
    if (next != m_entries.begin()) {
        auto previous = std::prev(next);
        if (previous->first + previous->second.size > base)
            return fail(m_name, "range {:#x}+{:#x} overlaps the device at {:#x}", base, size, previous->first);
    }
    m_entries.emplace(base, Entry{size, std::move(device)});
    return {};
}

BusDevice* Bus::find(std::uint64_t address, std::uint64_t length, std::uint64_t& offset) const
{
    auto it = m_entries.upper_bound(address);
    if (it == m_entries.begin())
        return nullptr;
    --it;
    std::uint64_t relative = address - it->first;
    if (relative >= it->second.size || length > it->second.size - relative)
        return nullptr;
    offset = relative;
    return it->second.device.get();
}

void Bus::read(std::uint64_t address, std::span<std::uint8_t> data)
{
    std::uint64_t offset = 0;
    if (BusDevice* device = find(address, data.size(), offset)) {
        device->read(offset, data);
        return;
    }
    std::ranges::fill(data, std::uint8_t{0xff});
    note_unclaimed(address, data.size(), false);
}

void Bus::write(std::uint64_t address, std::span<const std::uint8_t> data)
{
    std::uint64_t offset = 0;
    if (BusDevice* device = find(address, data.size(), offset)) {
        device->write(offset, data);
        return;
    }
    note_unclaimed(address, data.size(), true);
}

void Bus::note_unclaimed(std::uint64_t address, std::size_t length, bool is_write)
{
    if (log::level() > log::Level::Debug)
        return;
    std::lock_guard guard(m_unclaimed_lock);
    if (m_unclaimed_logged.insert(address).second)
        log::debug("{}: {}-byte {} at {:#x} hits no device (open bus)", m_name, length, is_write ? "write" : "read",
                   address);
}

}  // namespace nimbus
