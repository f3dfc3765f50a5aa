#!/usr/bin/env bash
# Build the busybox initramfs for the nimbus test kernel, cached outside the clone.
#
#   tests/kernel/build-initramfs.sh   -> prints ${NIMBUS_CACHE:-/var/cache/nimbus}/initramfs-<hash>/initramfs.cpio.gz
#
# Contents: /bin/busybox (Debian's busybox-static) with a symlink per applet, /init = init.sh, and
# empty dev proc sys tmp mnt root etc. No root-only tricks (no mknod): /dev/console comes from the
# kernel's built-in default initramfs, and /init mounts devtmpfs. Later tests can add files (e.g.
# /nimbus-test.sh) by appending another gzip'd cpio archive; the kernel unpacks them in order.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${NIMBUS_CACHE:-/var/cache/nimbus}

if ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' ||
    ! command -v cpio >/dev/null; then
    echo "build-initramfs.sh: installing busybox-static cpio" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=900 \
        busybox-static cpio >&2
fi

# Cache key: this script, init.sh and the busybox-static version.
hash=$(
    for f in "$here/build-initramfs.sh" "$here/init.sh"; do
        echo "${f##*/}"
        sha256sum <"$f"
    done
    dpkg-query -W -f='${Version}\n' busybox-static
)
hash=$(sha256sum <<<"$hash" | cut -c1-16)
dest=$cache_root/initramfs-$hash

mkdir -p "$cache_root"
exec 9>"$cache_root/initramfs-$hash.lock"
flock 9
if [[ ! -f $dest/initramfs.cpio.gz ]]; then
    # Stage and pack in a temp dir under the cache root; rename into place only when complete.
    tmp=$(mktemp -d "$cache_root/.initramfs-$hash.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    root=$tmp/root
    mkdir -p "$root"/{bin,dev,proc,sys,tmp,mnt,root,etc} "$tmp/out"
    install -m 0755 /bin/busybox "$root/bin/busybox"
    for applet in $(/bin/busybox --list); do
        [[ $applet == busybox ]] || ln -s busybox "$root/bin/$applet"
    done
    install -m 0755 "$here/init.sh" "$root/init"
    # Owned by root inside the archive whoever builds it; sorted, fixed mtimes: reproducible.
    (
        cd "$root"
        find . -exec touch -h -d @0 {} +
        find . -print0 | LC_ALL=C sort -z |
            cpio --null --create --format=newc --owner=0:0 --reproducible --quiet
    ) | gzip -9n >"$tmp/out/initramfs.cpio.gz"
    mv -T "$tmp/out" "$dest"
fi
echo "$dest/initramfs.cpio.gz"
