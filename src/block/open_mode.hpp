// OpenMode: how a disk image file is opened (read-only or read-write).
#pragma once

namespace nimbus {

struct OpenMode final {
    bool read_only = false;
};

}  // namespace nimbus
