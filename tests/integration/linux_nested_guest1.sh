#!/usr/bin/env bash
# In the full-KVM harness: the seed's guest1.cfg, paths rewritten to the test kernel, initramfs
# and blank disk images, boots to user space through `nimbus create -c` (nested_guest1_drive.sh).
# usage: linux_nested_guest1.sh NIMBUS
set -euo pipefail
nimbus=$1
repo=$(cd "$(dirname "$0")/../.." && pwd)
initramfs=$(bash "$repo/tests/kernel/build-initramfs.sh")
kernel_dir=$(bash "$repo/tests/kernel/build-kernel.sh")
exec bash "$repo/tests/nested/run.sh" --timeout 300 --bin "$nimbus:/bin/nimbus" \
    --file "$initramfs:/files/initramfs.cpio.gz" --file "$kernel_dir/vmlinux:/files/vmlinux" \
    --file "$repo/tests/config/corpus/valid/seed_guest1.cfg:/files/guest1.cfg" \
    --file "$repo/tests/integration/nested_guest1_drive.sh:/files/drive.sh" \
    -- sh /files/drive.sh /files/guest1.cfg /files/vmlinux /files/initramfs.cpio.gz
