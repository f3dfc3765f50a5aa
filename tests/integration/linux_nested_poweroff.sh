#!/usr/bin/env bash
# In the full-KVM harness: the test kernel's init runs `poweroff -f`; through ACPI S5 (the DSDT's
# \_S5_ and the FADT's sleep control register) nimbus must see a power-off and exit 0.
# usage: linux_nested_poweroff.sh NIMBUS
set -euo pipefail
nimbus=$1
repo=$(cd "$(dirname "$0")/../.." && pwd)
initramfs=$(bash "$repo/tests/kernel/build-initramfs.sh")
kernel_dir=$(bash "$repo/tests/kernel/build-kernel.sh")
exec bash "$repo/tests/nested/run.sh" --timeout 300 --bin "$nimbus:/bin/nimbus" \
    --file "$initramfs:/files/initramfs.cpio.gz" --file "$kernel_dir/vmlinux:/files/vmlinux" \
    -- env NIMBUS_LOG=info nimbus run --kernel /files/vmlinux --initrd /files/initramfs.cpio.gz --vcpus 2 \
    --cmdline "console=ttyS0 reboot=k panic=-1 nimbus.init=poweroff"
