// Xen vdev names and virtio disk names.
#include "config/xen_vdev.hpp"

namespace nimbus {

namespace {

// Bijective base-26 letters ("a" = 0, "z" = 25, "aa" = 26); false when empty or too large.
bool letters_to_index(std::string_view letters, std::uint32_t limit, std::uint32_t& index)
{
    if (letters.empty())
        return false;
    std::uint64_t value = 0;
    for (char c : letters) {
        value = value * 26 + static_cast<std::uint64_t>(c - 'a' + 1);
        if (value - 1 > limit)
            return false;
    }
    index = static_cast<std::uint32_t>(value - 1);
    return true;
}

// A decimal number without leading zeros, at most `limit`.
bool number(std::string_view text, std::uint32_t limit, std::uint32_t& value)
{
    if (text.empty() || text.size() > 7 || (text.size() > 1 && text[0] == '0'))
        return false;
    std::uint32_t result = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return false;
        result = result * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (result > limit)
        return false;
    value = result;
    return true;
}

}  // namespace

Result<XenVdev> XenVdev::parse(std::string_view name)
{
    struct Family final {
        std::string_view prefix;
        std::uint32_t max_disk;
        std::uint32_t max_partition;
    };
    constexpr Family kFamilies[] = {{"xvd", (1u << 20) - 1, 255}, {"hd", 3, 63}, {"sd", 15, 15}};
    for (const auto& family : kFamilies) {
        if (!name.starts_with(family.prefix))
            continue;
        std::string_view rest = name.substr(family.prefix.size());
        std::size_t letters = 0;
        while (letters < rest.size() && rest[letters] >= 'a' && rest[letters] <= 'z')
            ++letters;
        XenVdev vdev;
        if (!letters_to_index(rest.substr(0, letters), family.max_disk, vdev.disk))
            break;
        if (letters < rest.size() && !number(rest.substr(letters), family.max_partition, vdev.partition))
            break;
        if (letters < rest.size() && vdev.partition == 0)
            break;
        return vdev;
    }
    if (name.starts_with("d") && name.size() > 1 && name[1] >= '0' && name[1] <= '9') {
        std::size_t p = name.find('p');
        XenVdev vdev;
        if (number(name.substr(1, p == std::string_view::npos ? std::string_view::npos : p - 1), (1u << 20) - 1, vdev.disk) &&
            (p == std::string_view::npos || (number(name.substr(p + 1), 255, vdev.partition) && vdev.partition > 0)))
            return vdev;
    }
    return fail(fmt::format("vdev '{}'", name), "not a Xen disk name (xvdX[N], hdX[N] for hda-hdd, sdX[N] for sda-sdp, dN[pM])");
}

std::string virtio_disk_name(std::uint32_t index)
{
    std::string letters;
    std::uint64_t value = static_cast<std::uint64_t>(index) + 1;
    while (value > 0) {
        --value;
        letters.insert(letters.begin(), static_cast<char>('a' + value % 26));
        value /= 26;
    }
    return "vd" + letters;
}

}  // namespace nimbus
