#!/usr/bin/env bash
# Boots the Linux test kernel on this host's KVM with an ext4 root on virtio-blk (/dev/vda, made by
# build-rootfs.sh) and a second, empty disk (/dev/vdb). User space cannot run under this host's KVM
# (see HOST-NOTES.md), so the test ends after `Run /init as init process`: init's first system call
# fails, the kernel panics and panic=-1 resets the guest.
# usage: linux_block_host.sh NIMBUS
set -euo pipefail
nimbus=$1
repo=$(cd "$(dirname "$0")/../.." && pwd)
kernel_dir=$(bash "$repo/tests/kernel/build-kernel.sh")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bash "$repo/tests/kernel/build-rootfs.sh" "$work/root.img" 32M
truncate -s 8M "$work/data.img"
"$nimbus" run --kernel "$kernel_dir/vmlinux" --memory 256 --disk "$work/root.img" --disk "$work/data.img" \
    --cmdline "console=ttyS0 reboot=k panic=-1 root=/dev/vda rw init=/init" </dev/null
