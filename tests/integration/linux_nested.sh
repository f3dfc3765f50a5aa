#!/usr/bin/env bash
# In the full-KVM harness: nimbus boots a Linux guest with 2 vCPUs to the initramfs's shell, a
# command is typed on its console, and the shell's answer must come back.
# usage: linux_nested.sh NIMBUS test-kernel|cloud-kernel
#   test-kernel   our tests/kernel vmlinux (ELF entry)
#   cloud-kernel  Debian's stock cloud kernel, a bzImage (the harness's own L1 kernel)
set -euo pipefail
nimbus=$1 which=$2
repo=$(cd "$(dirname "$0")/../.." && pwd)
initramfs=$(bash "$repo/tests/kernel/build-initramfs.sh")
files=(--file "$initramfs:/files/initramfs.cpio.gz" --file "$repo/tests/integration/nested_console_drive.sh:/files/drive.sh")
case $which in
    test-kernel) files+=(--file "$(bash "$repo/tests/kernel/build-kernel.sh")/vmlinux:/files/vmlinux"); kernel=/files/vmlinux ;;
    cloud-kernel) kernel=/harness/vmlinuz ;;
    *) echo "linux_nested.sh: unknown kernel '$which'" >&2; exit 2 ;;
esac
exec bash "$repo/tests/nested/run.sh" --timeout 300 --bin "$nimbus:/bin/nimbus" "${files[@]}" \
    -- sh /files/drive.sh "$kernel"
