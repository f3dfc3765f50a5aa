// DiskFormat and DiskAccess: how an image file is read and whether the guest may write it.
#pragma once

namespace nimbus {

enum class DiskFormat { Raw, Qcow2 };
enum class DiskAccess { ReadWrite, ReadOnly };

}  // namespace nimbus
