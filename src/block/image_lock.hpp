// Image locking compatible with QEMU's file-posix driver, so two guests never write one image.
#pragma once

#include <string_view>

#include "base/error.hpp"
#include "block/open_mode.hpp"

namespace nimbus {

// QEMU's block permissions (include/block/block-common.h, BLK_PERM_*): bit numbers.
enum class ImagePermission : unsigned { ConsistentRead = 0, Write = 1, WriteUnchanged = 2, Resize = 3 };
inline constexpr unsigned IMAGE_PERMISSION_COUNT = 4;

// QEMU's byte layout (block/file-posix.c): a shared OFD lock on byte PERM_BASE + n means "this
// opener uses permission n"; on SHARED_BASE + n, "this opener lets nobody else use n".
inline constexpr off_t IMAGE_LOCK_PERM_BASE = 100;
inline constexpr off_t IMAGE_LOCK_SHARED_BASE = 200;

// Takes the locks QEMU's virtio-blk takes for a -drive of the same mode, then checks that no
// other opener conflicts. Read-write: uses consistent-read and write, denies write to others
// (bytes 100, 101, 201). Read-only: uses consistent-read, denies write (bytes 100, 201). So two
// read-only openers coexist; anything else with a writer fails, in either order, against nimbus
// or QEMU. The locks belong to the open file description of `fd` and go away when it is closed;
// on failure none are left held. On file systems without OFD locks it warns once and succeeds.
Result<void> lock_image(int fd, std::string_view path, OpenMode mode);

}  // namespace nimbus
