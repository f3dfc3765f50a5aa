#!/usr/bin/env bash
# Build an ext4 root file system image for the nimbus test kernel, straight from a folder with
# `mke2fs -d` (no loop mounts): the same busybox tree and /init as the initramfs, plus extra files.
#
#   tests/kernel/build-rootfs.sh IMAGE SIZE [HOSTFILE:GUESTPATH]...
#
# IMAGE must not exist (it is never overwritten); SIZE as mke2fs takes it (64M). The guest boots it
# with `root=/dev/vda rw init=/init` and no initrd. On failure nothing is left at IMAGE.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ $# -lt 2 ]]; then
    echo "usage: build-rootfs.sh IMAGE SIZE [HOSTFILE:GUESTPATH]..." >&2
    exit 2
fi
image=$1 size=$2
shift 2
if [[ -e $image ]]; then
    echo "build-rootfs.sh: $image already exists; not overwriting it" >&2
    exit 1
fi

tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree"/{bin,dev,proc,sys,tmp,mnt,root,etc}
install -m 0755 /bin/busybox "$tree/bin/busybox"
for applet in $(/bin/busybox --list); do
    [[ $applet == busybox ]] || ln -s busybox "$tree/bin/$applet"
done
install -m 0755 "$here/init.sh" "$tree/init"
for spec in "$@"; do
    source_file=${spec%%:*} guest_path=${spec#*:}
    install -D -m 0755 "$source_file" "$tree/$guest_path"
done
if ! mke2fs -q -F -t ext4 -L nimbus-root -E root_owner=0:0 -d "$tree" "$image.partial" "$size" >/dev/null; then
    rm -f "$image.partial"
    exit 1
fi
mv "$image.partial" "$image"
