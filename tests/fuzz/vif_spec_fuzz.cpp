// Fuzz target: arbitrary text as one vif= spec, and as a rate.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/xl_vif_spec_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view spec(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> warnings;
    auto vif = nimbus::XlVifSpecParser::parse(spec, warnings);
    if (vif && !vif->rate.empty() && !nimbus::XlVifSpecParser::valid_rate(vif->rate))
        __builtin_trap();
    if (vif && !vif->mac.empty() && !nimbus::XlVifSpecParser::valid_mac(vif->mac))
        __builtin_trap();
    (void)nimbus::XlVifSpecParser::valid_rate(spec);
    return 0;
}
