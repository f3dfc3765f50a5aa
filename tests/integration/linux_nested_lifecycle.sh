#!/usr/bin/env bash
# In the full-KVM harness: the test kernel as a domain through create / console / reboot /
# shutdown -w (nested_lifecycle_drive.sh does the work inside L1).
# usage: linux_nested_lifecycle.sh NIMBUS shutdown|reboot
set -euo pipefail
nimbus=$1 mode=$2
repo=$(cd "$(dirname "$0")/../.." && pwd)
initramfs=$(bash "$repo/tests/kernel/build-initramfs.sh")
kernel_dir=$(bash "$repo/tests/kernel/build-kernel.sh")
exec bash "$repo/tests/nested/run.sh" --timeout 300 --bin "$nimbus:/bin/nimbus" \
    --file "$initramfs:/files/initramfs.cpio.gz" --file "$kernel_dir/vmlinux:/files/vmlinux" \
    --file "$repo/tests/integration/nested_lifecycle_drive.sh:/files/drive.sh" \
    -- sh /files/drive.sh /files/vmlinux /files/initramfs.cpio.gz "$mode"
