#!/usr/bin/env bash
# In the full-KVM harness: the test kernel waits in its init; Ctrl-A p written to nimbus's piped
# stdin presses the ACPI power button (GED -> PNP0C0C -> KEY_POWER on /dev/input/event*), the
# init's watcher prints NIMBUS-POWER-BUTTON and powers off, and nimbus exits 0.
# usage: linux_nested_power_button.sh NIMBUS
set -euo pipefail
nimbus=$1
repo=$(cd "$(dirname "$0")/../.." && pwd)
initramfs=$(bash "$repo/tests/kernel/build-initramfs.sh")
kernel_dir=$(bash "$repo/tests/kernel/build-kernel.sh")
exec bash "$repo/tests/nested/run.sh" --timeout 300 --bin "$nimbus:/bin/nimbus" \
    --file "$initramfs:/files/initramfs.cpio.gz" --file "$kernel_dir/vmlinux:/files/vmlinux" \
    --file "$repo/tests/integration/nested_power_button_drive.sh:/files/drive.sh" \
    -- sh /files/drive.sh /files/vmlinux
