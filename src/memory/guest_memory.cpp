// GuestMemory: region layout and checked access.
#include "memory/guest_memory.hpp"

namespace nimbus {

Result<GuestMemory> GuestMemory::create(std::uint64_t size)
{
    if (size == 0)
        return fail("guest memory", "size must be greater than 0");
    if (size % 4096 != 0)
        return fail("guest memory", "size {} is not a multiple of 4 KiB", size);

    std::vector<GuestRegion> regions;
    std::uint64_t low = std::min(size, MMIO_HOLE_START);
    regions.push_back({0, TRY(MappedRegion::anonymous(low))});
    if (size > low)
        regions.push_back({MMIO_HOLE_END, TRY(MappedRegion::anonymous(size - low))});
    return GuestMemory(std::move(regions), size);
}

bool GuestMemory::contains(std::uint64_t address, std::uint64_t length) const
{
    return span(address, length).has_value();
}

Result<std::span<std::uint8_t>> GuestMemory::span(std::uint64_t address, std::uint64_t length) const
{
    for (const GuestRegion& region : m_regions) {
        if (address < region.guest_address || address >= region.end())
            continue;
        std::uint64_t offset = address - region.guest_address;
        // Compare against the room left rather than computing address + length, which may wrap.
        if (length > region.size() - offset)
            break;
        return std::span<std::uint8_t>(region.mapping.data() + offset, length);
    }
    return fail("guest memory access", "range [{:#x}, +{:#x}) is not inside guest RAM", address, length);
}

Result<void> GuestMemory::read(std::uint64_t address, std::span<std::uint8_t> out) const
{
    auto source = TRY(span(address, out.size()));
    std::memcpy(out.data(), source.data(), out.size());
    return {};
}

Result<void> GuestMemory::write(std::uint64_t address, std::span<const std::uint8_t> data) const
{
    auto target = TRY(span(address, data.size()));
    std::memcpy(target.data(), data.data(), data.size());
    return {};
}

}  // namespace nimbus
