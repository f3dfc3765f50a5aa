// CmosRtc: index/data ports, the clock in BCD or binary, and the memory-size bytes.
#include "devices/legacy/cmos_rtc.hpp"

#include <algorithm>
#include <ctime>

namespace nimbus {

namespace {
constexpr std::uint8_t SECONDS = 0x00;
constexpr std::uint8_t MINUTES = 0x02;
constexpr std::uint8_t HOURS = 0x04;
constexpr std::uint8_t DAY_OF_WEEK = 0x06;
constexpr std::uint8_t DAY_OF_MONTH = 0x07;
constexpr std::uint8_t MONTH = 0x08;
constexpr std::uint8_t YEAR = 0x09;
constexpr std::uint8_t STATUS_A = 0x0a;
constexpr std::uint8_t STATUS_B = 0x0b;
constexpr std::uint8_t STATUS_C = 0x0c;
constexpr std::uint8_t STATUS_D = 0x0d;
constexpr std::uint8_t CENTURY = 0x32;

constexpr std::uint8_t STATUS_A_DEFAULT = 0x26;  // 32.768 kHz time base, 1024 Hz rate, UIP clear
constexpr std::uint8_t STATUS_A_UIP = 0x80;
constexpr std::uint8_t STATUS_B_24_HOUR = 0x02;
constexpr std::uint8_t STATUS_B_BINARY = 0x04;
constexpr std::uint8_t STATUS_D_VALID = 0x80;    // battery good: RAM and time valid
constexpr std::uint8_t HOUR_PM = 0x80;
constexpr std::uint8_t INDEX_MASK = 0x7f;
constexpr std::uint8_t NMI_MASK = 0x80;

constexpr std::uint64_t KIB = 1024;
constexpr std::uint64_t MIB = 1024 * KIB;
constexpr std::uint64_t CHUNK = 64 * KIB;

std::uint8_t to_bcd(int value)
{
    return static_cast<std::uint8_t>(((value / 10) << 4) | (value % 10));
}

void put_le(std::array<std::uint8_t, 128>& ram, std::size_t index, std::uint64_t value, std::size_t bytes)
{
    for (std::size_t i = 0; i < bytes; ++i)
        ram[index + i] = static_cast<std::uint8_t>(value >> (8 * i));
}
}  // namespace

CmosRtc::CmosRtc(std::uint64_t ram_below_4g, std::uint64_t ram_above_4g, Clock clock)
    : m_clock(std::move(clock))
{
    m_ram[STATUS_A] = STATUS_A_DEFAULT;
    m_ram[STATUS_B] = STATUS_B_24_HOUR;
    m_ram[STATUS_D] = STATUS_D_VALID;
    // Base memory (640 KiB) and extended memory above 1 MiB in KiB, capped as the format is.
    put_le(m_ram, 0x15, 640, 2);
    const std::uint64_t extended_kib = ram_below_4g > MIB ? std::min<std::uint64_t>((ram_below_4g - MIB) / KIB, 0xfc00) : 0;
    put_le(m_ram, 0x17, extended_kib, 2);
    put_le(m_ram, 0x30, extended_kib, 2);
    const std::uint64_t above_16m = ram_below_4g > 16 * MIB ? std::min<std::uint64_t>((ram_below_4g - 16 * MIB) / CHUNK, 0xffff) : 0;
    put_le(m_ram, 0x34, above_16m, 2);
    put_le(m_ram, 0x5b, std::min<std::uint64_t>(ram_above_4g / CHUNK, 0xffffff), 3);
}

void CmosRtc::read(std::uint64_t offset, std::span<std::uint8_t> data)
{
    std::lock_guard guard(m_lock);
    for (std::size_t i = 0; i < data.size(); ++i) {
        const std::uint64_t port = offset + i;
        // The index port is write-only on a PC.
        data[i] = port == DATA ? read_data() : 0xff;
    }
}

void CmosRtc::write(std::uint64_t offset, std::span<const std::uint8_t> data)
{
    std::lock_guard guard(m_lock);
    for (std::size_t i = 0; i < data.size(); ++i) {
        const std::uint64_t port = offset + i;
        if (port == INDEX) {
            // Guest-controlled: the mask keeps the index inside the 128 bytes.
            m_index = data[i] & INDEX_MASK;
            m_nmi_masked = (data[i] & NMI_MASK) != 0;
        } else if (port == DATA) {
            write_data(data[i]);
        }
    }
}

// The registers the host's clock supplies (and the guest cannot set).
bool CmosRtc::is_time_register(std::uint8_t index)
{
    switch (index) {
    case SECONDS:
    case MINUTES:
    case HOURS:
    case DAY_OF_WEEK:
    case DAY_OF_MONTH:
    case MONTH:
    case YEAR:
    case CENTURY:
        return true;
    default:
        return false;
    }
}

std::uint8_t CmosRtc::read_data()
{
    if (is_time_register(m_index))
        return time_register(m_index);
    switch (m_index) {
    case STATUS_C:
        return 0;  // no interrupt flags: the RTC raises none
    default:
        return m_ram[m_index];
    }
}

void CmosRtc::write_data(std::uint8_t value)
{
    if (is_time_register(m_index))
        return;  // the clock follows the host
    switch (m_index) {
    case STATUS_C:
    case STATUS_D:
        return;  // read-only
    case STATUS_A:
        m_ram[STATUS_A] = static_cast<std::uint8_t>(value & ~STATUS_A_UIP);
        return;
    default:
        m_ram[m_index] = value;
        return;
    }
}

std::uint8_t CmosRtc::time_register(std::uint8_t index) const
{
    const std::time_t now = std::chrono::system_clock::to_time_t(m_clock());
    std::tm utc{};
    ::gmtime_r(&now, &utc);
    const std::uint8_t status_b = m_ram[STATUS_B];
    const bool binary = (status_b & STATUS_B_BINARY) != 0;
    auto encode = [binary](int value) { return binary ? static_cast<std::uint8_t>(value) : to_bcd(value); };

    switch (index) {
    case SECONDS: return encode(std::min(utc.tm_sec, 59));  // a leap second shows as :59
    case MINUTES: return encode(utc.tm_min);
    case HOURS: {
        if (status_b & STATUS_B_24_HOUR)
            return encode(utc.tm_hour);
        const int hour = utc.tm_hour % 12 == 0 ? 12 : utc.tm_hour % 12;
        return static_cast<std::uint8_t>(encode(hour) | (utc.tm_hour >= 12 ? HOUR_PM : 0));
    }
    case DAY_OF_WEEK: return encode(utc.tm_wday + 1);  // 1 = Sunday
    case DAY_OF_MONTH: return encode(utc.tm_mday);
    case MONTH: return encode(utc.tm_mon + 1);
    case YEAR: return encode(utc.tm_year % 100);
    case CENTURY: return encode((utc.tm_year + 1900) / 100);
    default: return 0;
    }
}

}  // namespace nimbus
