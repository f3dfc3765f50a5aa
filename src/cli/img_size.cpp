// Image sizes: suffix parsing with overflow checks, and qemu-img's three-significant-digit form.
#include "cli/img_size.hpp"

#include <cctype>
#include <limits>

namespace nimbus::cli {

Result<std::uint64_t> parse_image_size(const std::string& text)
{
    const std::string what = "size '" + text + "'";
    std::size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])))
        ++digits;
    if (digits == 0 || digits > 19)
        return fail(what, "expected a number with an optional K, M, G or T suffix");
    std::uint64_t value = std::stoull(text.substr(0, digits));
    std::string suffix = text.substr(digits);
    // k and K are both kibibytes; then each letter is another factor of 1024.
    static const std::string SUFFIXES = "kKMGTPE";
    unsigned shift = 0;
    if (!suffix.empty() && suffix != "b" && suffix != "B") {
        std::size_t index = suffix.size() == 1 ? SUFFIXES.find(suffix[0]) : std::string::npos;
        if (index == std::string::npos)
            return fail(what, "unknown suffix '{}' (use K, M, G or T)", suffix);
        shift = 10 * static_cast<unsigned>(index == 0 ? 1 : index);
    }
    if (shift > 0 && value > (std::numeric_limits<std::uint64_t>::max() >> shift))
        return fail(what, "too large");
    return value << shift;
}

std::string human_image_size(std::uint64_t bytes)
{
    static const char* const UNITS[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1024 && unit < 6) {
        value /= 1024;
        ++unit;
    }
    if (unit == 0)
        return fmt::format("{} B", bytes);
    std::string text = fmt::format("{:.3g}", value);
    return text + " " + UNITS[unit];
}

}  // namespace nimbus::cli
