// vif= spec parsing.
#include "config/xl_vif_spec_parser.hpp"

#include <cctype>
#include <cstdint>

namespace nimbus {

namespace {

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::size_t digits(std::string_view text, std::size_t at)
{
    std::size_t end = at;
    while (end < text.size() && is_digit(text[end]))
        ++end;
    return end - at;
}

}  // namespace

bool XlVifSpecParser::valid_mac(std::string_view mac)
{
    if (mac.size() != 17)
        return false;
    for (std::size_t i = 0; i < mac.size(); ++i) {
        bool separator = i % 3 == 2;
        if (separator ? mac[i] != ':' : !is_hex(mac[i]))
            return false;
    }
    return true;
}

bool XlVifSpecParser::valid_rate(std::string_view rate)
{
    // RATE: decimal digits, an optional G/M/K (powers of 1000), b (bits) or B (bytes), "/s"; not 0.
    std::size_t count = digits(rate, 0);
    if (count == 0 || count > 20)
        return false;
    unsigned __int128 amount = 0;
    for (std::size_t i = 0; i < count; ++i)
        amount = amount * 10 + static_cast<unsigned>(rate[i] - '0');
    std::size_t at = count;
    unsigned __int128 multiplier = 1;
    if (at < rate.size() && (rate[at] == 'G' || rate[at] == 'M' || rate[at] == 'K')) {
        multiplier = rate[at] == 'G' ? 1000000000u : rate[at] == 'M' ? 1000000u : 1000u;
        ++at;
    }
    if (at >= rate.size() || (rate[at] != 'b' && rate[at] != 'B'))
        return false;
    bool bits = rate[at] == 'b';
    ++at;
    if (rate.substr(at, 2) != "/s" || amount == 0)
        return false;
    at += 2;
    constexpr unsigned __int128 kMax64 = ~std::uint64_t{0};
    if (amount > kMax64 || amount * multiplier > kMax64)
        return false;
    unsigned __int128 bytes_per_second = amount * multiplier / (bits ? 8 : 1);
    // @INTERVAL: a number as strtoul base 0 reads it (a leading 0 means octal), then s (or nothing),
    // ms (or m), us (or u);
    // at most 2^32-1 microseconds, not 0. The default is 50 ms.
    unsigned __int128 microseconds = 50000;
    if (at < rate.size()) {
        if (rate[at] != '@')
            return false;
        ++at;
        std::size_t length = digits(rate, at);
        if (length == 0 || length > 20)
            return false;
        std::string_view number = rate.substr(at, length);
        unsigned base = number.size() > 1 && number[0] == '0' ? 8 : 10;
        unsigned __int128 value = 0;
        for (char c : number) {
            if (static_cast<unsigned>(c - '0') >= base)
                return false;
            value = value * base + static_cast<unsigned>(c - '0');
        }
        std::string_view unit = rate.substr(at + length);
        unsigned __int128 scale = (unit.empty() || unit == "s")    ? 1000000u
                                  : (unit == "m" || unit == "ms") ? 1000u
                                  : (unit == "u" || unit == "us") ? 1u
                                                                  : 0u;
        if (scale == 0 || value == 0 || value > kMax64)
            return false;
        microseconds = value * scale;
        if (microseconds > 0xffffffffu)
            return false;
    }
    return bytes_per_second * microseconds <= kMax64;
}

Result<VifConfig> XlVifSpecParser::parse(std::string_view spec, std::vector<std::string>& warnings)
{
    VifConfig vif;
    std::string operation = fmt::format("vif spec '{}'", spec);
    std::size_t at = 0;
    while (at <= spec.size()) {
        std::size_t comma = spec.find(',', at);
        std::string_view setting = spec.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at);
        at = comma == std::string_view::npos ? spec.size() + 1 : comma + 1;
        while (!setting.empty() && setting.front() == ' ')
            setting.remove_prefix(1);
        if (setting.empty())
            continue;
        std::size_t equals = setting.find('=');
        if (equals == std::string_view::npos)
            return fail(operation, "'{}' is not KEY=VALUE", setting);
        std::string key(setting.substr(0, equals));
        std::string value(setting.substr(equals + 1));
        if (key == "mac") {
            if (!valid_mac(value))
                return fail(operation, "field mac: '{}' is not six hex octets like 00:16:3e:12:34:56", value);
            if ((std::stoul(value.substr(0, 2), nullptr, 16) & 1) != 0)
                return fail(operation, "field mac: '{}' is a multicast address", value);
            vif.mac = value;
        } else if (key == "bridge") {
            if (value.empty())
                return fail(operation, "field bridge: empty");
            vif.bridge = value;
        } else if (key == "ip") {
            vif.ip = value;
        } else if (key == "model") {
            vif.model = value;
        } else if (key == "rate") {
            if (!valid_rate(value))
                return fail(operation, "field rate: '{}' is not RATE/s[@INTERVAL] (e.g. 10Mb/s@50ms)", value);
            vif.rate = value;
        } else if (key == "script") {
            vif.script = value;
        } else if (key == "vifname") {
            if (value.size() > 15)
                return fail(operation, "field vifname: '{}' is longer than 15 characters", value);
            vif.vifname = value;
        } else if (key == "type") {
            if (value != "vif" && value != "ioemu")
                return fail(operation, "field type: '{}' is not vif or ioemu", value);
            vif.type = value;
        } else if (key == "backend" || key == "mtu" || key == "devid" || key == "gatewaydev" || key == "accel") {
            warnings.push_back(fmt::format("{}: {}= is not supported by nimbus and is ignored", operation, key));
        } else {
            return fail(operation, "unknown field '{}' (mac, bridge, ip, model, rate, script, vifname, type)", key);
        }
    }
    return vif;
}

}  // namespace nimbus
