#!/usr/bin/env bash
# In the full-KVM harness, ACPI on: the test kernel finds virtio-rng and virtio-console through the
# DSDT (LNRO0005 devices, no virtio_mmio.device= on its command line), maps their GSIs as edge
# IO APIC interrupts, runs its user space on hvc0 (the last console=) and reads the hardware RNG.
# The guest side is a /nimbus-test.sh appended to the initramfs as a second cpio archive.
# usage: linux_nested_virtio_acpi.sh NIMBUS
set -euo pipefail
nimbus=$1
repo=$(cd "$(dirname "$0")/../.." && pwd)
initramfs=$(bash "$repo/tests/kernel/build-initramfs.sh")
kernel_dir=$(bash "$repo/tests/kernel/build-kernel.sh")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir "$work/root"
cat >"$work/root/nimbus-test.sh" <<'GUEST'
# /proc/consoles flags: E enabled, C the preferred console (/dev/console).
echo "NIMBUS-CONSOLE $(grep '^hvc0' /proc/consoles | tr -s ' ')"
echo "NIMBUS-VIRTIO-DEVICES $(ls /sys/bus/platform/drivers/virtio-mmio | grep LNRO | tr '\n' ' ')"
grep virtio /proc/interrupts | tr -s ' ' | sed 's/^/NIMBUS-IRQ /'
echo "NIMBUS-RNG-CURRENT $(cat /sys/class/misc/hw_random/rng_current)"
echo "NIMBUS-HWRNG bytes=$(dd if=/dev/hwrng bs=16 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n')"
GUEST
(cd "$work/root" && echo nimbus-test.sh | cpio --create --format=newc --owner=0:0 --quiet) | gzip -9n >"$work/extra.cpio.gz"
cat "$initramfs" "$work/extra.cpio.gz" >"$work/initrd.cpio.gz"

bash "$repo/tests/nested/run.sh" --timeout 300 --bin "$nimbus:/bin/nimbus" \
    --file "$work/initrd.cpio.gz:/files/initrd.cpio.gz" --file "$kernel_dir/vmlinux:/files/vmlinux" \
    -- nimbus run --kernel /files/vmlinux --initrd /files/initrd.cpio.gz --vcpus 2 --rng --virtio-console \
    --cmdline "console=ttyS0 console=hvc0 reboot=k panic=-1 nimbus.init=script"
