#!/usr/bin/env bash
# Boots the Linux test kernel with 2 vCPUs on this host's KVM (minutes here: the host emulates).
# usage: linux_boot_host.sh NIMBUS
# On a host whose KVM cannot run guest user space, init's first system call faults, the kernel
# panics and panic=-1 resets the guest: the log still shows both CPUs up and init started.
set -euo pipefail
nimbus=$1
repo=$(cd "$(dirname "$0")/../.." && pwd)
kernel_dir=$(bash "$repo/tests/kernel/build-kernel.sh")
initramfs=$(bash "$repo/tests/kernel/build-initramfs.sh")
exec "$nimbus" run --kernel "$kernel_dir/vmlinux" --initrd "$initramfs" --vcpus 2 --memory 256 \
    --cmdline "console=ttyS0 reboot=k panic=-1 nimbus.init=marker" </dev/null
