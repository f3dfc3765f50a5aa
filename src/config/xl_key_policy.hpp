// XlKeyPolicy: what nimbus does with each xl.cfg key (uses it, refuses it, ignores it, or warns).
#pragma once

#include <string_view>

namespace nimbus {

enum class XlKeySupport {
    Used,         // read by the loader
    Unsupported,  // a clear error: the guest cannot run as the config asks
    Ignored,      // a known xl key with no meaning under nimbus: a warning
    Unknown       // not an xl key we know: a warning naming it
};

struct XlKeyPolicy final {
    XlKeySupport support;
    std::string_view reason;  // why, for Unsupported and Ignored
};

XlKeyPolicy key_policy(std::string_view key);

}  // namespace nimbus
