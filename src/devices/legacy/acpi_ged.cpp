// AcpiGed: latched event bits, write-1-to-clear, and the line level that follows them.
#include "devices/legacy/acpi_ged.hpp"

#include <algorithm>

namespace nimbus {

void AcpiGed::raise(std::uint8_t events)
{
    std::lock_guard lock(m_mutex);
    m_pending = static_cast<std::uint8_t>(m_pending | events);
    update_line();
}

std::uint8_t AcpiGed::pending() const
{
    std::lock_guard lock(m_mutex);
    return m_pending;
}

void AcpiGed::read(std::uint64_t offset, std::span<std::uint8_t> data)
{
    std::ranges::fill(data, std::uint8_t{0});
    if (offset != 0 || data.empty())
        return;
    std::lock_guard lock(m_mutex);
    data[0] = m_pending;
}

void AcpiGed::write(std::uint64_t offset, std::span<const std::uint8_t> data)
{
    // Guest-controlled: one byte at offset 0 matters; wider or misplaced writes use only that byte.
    if (offset != 0 || data.empty())
        return;
    std::lock_guard lock(m_mutex);
    m_pending = static_cast<std::uint8_t>(m_pending & ~data[0]);
    update_line();
}

void AcpiGed::update_line()
{
    bool asserted = m_pending != 0;
    if (asserted == m_asserted)
        return;
    m_asserted = asserted;
    m_line(asserted);
}

}  // namespace nimbus
