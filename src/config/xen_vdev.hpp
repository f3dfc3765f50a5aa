// XenVdev: a Xen virtual device name (xvdb1, hda, sdc2, d0p1) as its disk and partition numbers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.hpp"

namespace nimbus {

struct XenVdev final {
    std::uint32_t disk = 0;       // xvda = 0, xvdb = 1 ... xvdaa = 26 (letters as libxl counts them)
    std::uint32_t partition = 0;  // 0 = the whole disk

    // libxl's forms and limits: xvdX[N] (disk < 2^20, partition <= 255), hdX[N] (hda-hdd,
    // partition <= 63), sdX[N] (sda-sdp, partition <= 15), dN[pM].
    static Result<XenVdev> parse(std::string_view name);
};

// What a Linux guest calls the virtio disk at `index`: vda, vdb ... vdz, vdaa ...
std::string virtio_disk_name(std::uint32_t index);

}  // namespace nimbus
