// XlVifSpecParser: a vif= string (xl-network-configuration(5)) to a VifConfig.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "config/domain_config.hpp"

namespace nimbus {

// As xl: comma-separated KEY=VALUE settings, leading spaces skipped, empty settings ignored, so ''
// is one NIC with every default (bridge xenbr0, a MAC generated at create). Keys: mac, bridge, ip,
// model, rate, script, vifname, type; backend, mtu, devid, gatewaydev, accel are accepted and
// ignored with a warning. Errors are "vif spec 'SPEC': field FIELD: ...".
class XlVifSpecParser final {
public:
    static Result<VifConfig> parse(std::string_view spec, std::vector<std::string>& warnings);

    // NUM[GMK][bB]/s[@NUM[s|ms|us]], xl's rate syntax with its limits (xlu_vif_parse_rate).
    static bool valid_rate(std::string_view rate);
    // Six hex octets separated by ':' ("00:16:3e:12:34:56").
    static bool valid_mac(std::string_view mac);
};

}  // namespace nimbus
