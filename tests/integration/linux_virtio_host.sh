#!/usr/bin/env bash
# Boots the Linux test kernel with virtio-rng and virtio-console (hvc0 the last console) on this
# host's KVM; with no root device it panics and panic=-1 resets the guest once the devices are up.
# `acpi=off` (which this host's kvm_pvm quirk adds anyway): nimbus then names the devices on the
# command line (`virtio_mmio.device=`, logged as "Registering device virtio-mmio.N") instead of in
# the DSDT (see src/vmm/virtio_devices.hpp); linux_nested_virtio_acpi covers the ACPI way.
# usage: linux_virtio_host.sh NIMBUS
set -euo pipefail
nimbus=$1
repo=$(cd "$(dirname "$0")/../.." && pwd)
kernel_dir=$(bash "$repo/tests/kernel/build-kernel.sh")
exec "$nimbus" run --kernel "$kernel_dir/vmlinux" --memory 256 --rng --virtio-console \
    --cmdline "console=ttyS0 console=hvc0 reboot=k panic=-1 acpi=off" </dev/null
