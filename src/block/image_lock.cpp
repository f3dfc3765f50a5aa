// Image locking: single-byte OFD read locks at QEMU's offsets, set first and then tested.
#include "block/image_lock.hpp"

#include <fcntl.h>

#include <atomic>
#include <cstring>

#include "base/log.hpp"

namespace nimbus {

namespace {

using PermissionMask = unsigned;

constexpr PermissionMask bit(ImagePermission permission)
{
    return 1u << static_cast<unsigned>(permission);
}

struct Permissions final {
    PermissionMask used;
    PermissionMask shared;  // what others may use; every other permission is denied to them
};

// What QEMU's virtio-blk asks for (hw/block/block.c blkconf_apply_backend_options, resizable).
Permissions permissions_for(OpenMode mode)
{
    PermissionMask used = bit(ImagePermission::ConsistentRead);
    if (!mode.read_only)
        used |= bit(ImagePermission::Write);
    PermissionMask shared =
        bit(ImagePermission::ConsistentRead) | bit(ImagePermission::WriteUnchanged) | bit(ImagePermission::Resize);
    return {used, shared};
}

const char* permission_name(unsigned index)
{
    switch (static_cast<ImagePermission>(index)) {
    case ImagePermission::ConsistentRead: return "consistent read";
    case ImagePermission::Write: return "write";
    case ImagePermission::WriteUnchanged: return "write unchanged";
    case ImagePermission::Resize: return "resize";
    }
    return "unknown";
}

enum class LockOutcome { Locked, Conflict, Unsupported, Failed };

bool locks_unsupported(int error)
{
    return error == EINVAL || error == ENOLCK || error == EOPNOTSUPP || error == ENOSYS;
}

LockOutcome set_shared_lock(int fd, off_t byte)
{
    struct flock lock {};
    lock.l_type = F_RDLCK;
    lock.l_whence = SEEK_SET;
    lock.l_start = byte;
    lock.l_len = 1;
    if (::fcntl(fd, F_OFD_SETLK, &lock) == 0)
        return LockOutcome::Locked;
    if (errno == EAGAIN || errno == EACCES)
        return LockOutcome::Conflict;
    return locks_unsupported(errno) ? LockOutcome::Unsupported : LockOutcome::Failed;
}

// Whether another open file description holds any lock on `byte` (ours never conflict with us).
LockOutcome test_byte(int fd, off_t byte)
{
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    lock.l_start = byte;
    lock.l_len = 1;
    if (::fcntl(fd, F_OFD_GETLK, &lock) < 0)
        return locks_unsupported(errno) ? LockOutcome::Unsupported : LockOutcome::Failed;
    return lock.l_type == F_UNLCK ? LockOutcome::Locked : LockOutcome::Conflict;
}

void unlock_all(int fd)
{
    struct flock lock {};
    lock.l_type = F_UNLCK;
    lock.l_whence = SEEK_SET;
    lock.l_start = IMAGE_LOCK_PERM_BASE;
    lock.l_len = IMAGE_LOCK_SHARED_BASE + IMAGE_PERMISSION_COUNT - IMAGE_LOCK_PERM_BASE;
    (void)::fcntl(fd, F_OFD_SETLK, &lock);
}

std::unexpected<Error> in_use(std::string_view path, unsigned permission)
{
    return fail("", "disk image {} is in use by another process ({} lock held); is another guest using it?",
                path, permission_name(permission));
}

// Applies the locks, then tests for conflicts; the first problem found is returned.
struct Attempt final {
    LockOutcome outcome = LockOutcome::Locked;
    unsigned permission = 0;
    int error = 0;
};

Attempt lock_and_check(int fd, Permissions permissions)
{
    auto step = [](LockOutcome outcome, unsigned permission) {
        return Attempt{outcome, permission, outcome == LockOutcome::Locked ? 0 : errno};
    };
    for (unsigned i = 0; i < IMAGE_PERMISSION_COUNT; ++i) {
        if (permissions.used & (1u << i))
            if (auto outcome = set_shared_lock(fd, IMAGE_LOCK_PERM_BASE + i); outcome != LockOutcome::Locked)
                return step(outcome, i);
        if (!(permissions.shared & (1u << i)))
            if (auto outcome = set_shared_lock(fd, IMAGE_LOCK_SHARED_BASE + i); outcome != LockOutcome::Locked)
                return step(outcome, i);
    }
    for (unsigned i = 0; i < IMAGE_PERMISSION_COUNT; ++i) {
        // Someone denies a permission we use, or uses one we deny.
        if (permissions.used & (1u << i))
            if (auto outcome = test_byte(fd, IMAGE_LOCK_SHARED_BASE + i); outcome != LockOutcome::Locked)
                return step(outcome, i);
        if (!(permissions.shared & (1u << i)))
            if (auto outcome = test_byte(fd, IMAGE_LOCK_PERM_BASE + i); outcome != LockOutcome::Locked)
                return step(outcome, i);
    }
    return {};
}

}  // namespace

Result<void> lock_image(int fd, std::string_view path, OpenMode mode)
{
    Attempt attempt = lock_and_check(fd, permissions_for(mode));
    switch (attempt.outcome) {
    case LockOutcome::Locked:
        return {};
    case LockOutcome::Conflict:
        unlock_all(fd);
        return in_use(path, attempt.permission);
    case LockOutcome::Unsupported: {
        unlock_all(fd);
        static std::atomic<bool> warned{false};
        if (!warned.exchange(true))
            log::warn("disk image {}: the file system does not support OFD locks ({}); images are not "
                      "protected against use by two guests at once", path, std::strerror(attempt.error));
        return {};
    }
    case LockOutcome::Failed:
        break;
    }
    unlock_all(fd);
    errno = attempt.error;
    return fail_errno(fmt::format("lock disk image {}", path));
}

}  // namespace nimbus
