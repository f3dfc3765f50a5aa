#!/usr/bin/env bash
# In the full-KVM harness: the test kernel boots from an ext4 root on virtio-blk (/dev/vda).
#   rw  its user space writes /written.txt, `sync`s and powers off; L1 reads the file out of the
#       image with debugfs and the host compares its sha256 with the content the guest was told to
#       write (byte for byte through the hash)
#   ro  the disk is read-only: the guest sees /sys/block/vda/ro = 1, a write fails, and the image's
#       sha256 is the same before and after
#   qcow2    as rw, the root a qcow2 image (qemu-img convert of the ext4 image): afterwards
#            `qemu-img check` must call it clean and the file is read out of `qemu-img convert`'s copy
#   overlay  as qcow2, the root a qcow2 overlay (relative backing path) on the raw ext4 image,
#            which must stay unchanged byte for byte
# usage: linux_nested_block.sh NIMBUS rw|ro|qcow2|overlay [EXTRA_GUEST_CMDLINE]
set -euo pipefail
nimbus=$1 mode=$2 extra=${3:-}
repo=$(cd "$(dirname "$0")/../.." && pwd)
kernel_dir=$(bash "$repo/tests/kernel/build-kernel.sh")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The guest's part, run by the test init (nimbus.init=script). Power off through ACPI S5; without
# ACPI (acpi=off in EXTRA_GUEST_CMDLINE, a manual run) `poweroff` only halts, so reset instead.
halt='if [ -d /sys/firmware/acpi/tables ]; then poweroff -f; else reboot -f; fi'
case $mode in rw | ro | qcow2 | overlay) ;; *) echo "usage: $0 NIMBUS rw|ro|qcow2|overlay" >&2; exit 2 ;; esac
if [[ $mode != ro ]]; then
    cat >"$work/guest.sh" <<'GUEST'
i=0
while [ $i -lt 3000 ]; do echo "nimbus-block-line-$i"; i=$((i + 1)); done >/written.txt
sync
echo "GUEST-WROTE $(wc -c </written.txt) bytes"
GUEST
    disk=/files/root.img root=rw
    [[ $mode == qcow2 ]] && disk=/files/root.qcow2,format=qcow2
    [[ $mode == overlay ]] && disk=/files/overlay.qcow2,format=qcow2
else
    cat >"$work/guest.sh" <<'GUEST'
echo "GUEST-RO=$(cat /sys/block/vda/ro)"
if echo x >/probe.txt 2>/dev/null; then echo GUEST-WRITE-SUCCEEDED; else echo GUEST-WRITE-FAILED; fi
GUEST
    disk=/files/root.img,ro root=ro
fi
echo "$halt" >>"$work/guest.sh"
bash "$repo/tests/kernel/build-rootfs.sh" "$work/root.img" 32M "$work/guest.sh:/nimbus-test.sh"
files=(--file "$work/root.img:/files/root.img")
if [[ $mode == qcow2 ]]; then
    qemu-img convert -f raw -O qcow2 "$work/root.img" "$work/root.qcow2"
    files=(--file "$work/root.qcow2:/files/root.qcow2")
elif [[ $mode == overlay ]]; then
    (cd "$work" && qemu-img create -q -f qcow2 -b root.img -F raw overlay.qcow2)
    files+=(--file "$work/overlay.qcow2:/files/overlay.qcow2")
fi

# L1's part: run the guest, then look at the image.
cat >"$work/l1.sh" <<L1
before=\$(sha256sum </files/root.img | cut -d' ' -f1)
nimbus run --kernel /files/vmlinux --vcpus 2 --disk $disk \
    --cmdline "console=ttyS0 reboot=k panic=-1 root=/dev/vda $root init=/init nimbus.init=script $extra"
echo "L1-NIMBUS-STATUS=\$?"
if [ $mode = rw ]; then
    echo "L1-FILE-SHA256=\$(debugfs -R 'cat /written.txt' /files/root.img 2>/dev/null | sha256sum | cut -d' ' -f1)"
elif [ $mode = qcow2 ] || [ $mode = overlay ]; then
    image=/files/root.qcow2
    [ $mode = overlay ] && image=/files/overlay.qcow2
    qemu-img check \$image && echo L1-QEMU-IMG-CHECK-CLEAN
    qemu-img convert -O raw \$image /tmp/converted.raw
    echo "L1-FILE-SHA256=\$(debugfs -R 'cat /written.txt' /tmp/converted.raw 2>/dev/null | sha256sum | cut -d' ' -f1)"
    if [ $mode = overlay ]; then
        [ "\$(sha256sum </files/root.img | cut -d' ' -f1)" = "\$before" ] && echo L1-BACKING-UNCHANGED || echo L1-BACKING-CHANGED
    fi
else
    [ "\$(sha256sum </files/root.img | cut -d' ' -f1)" = "\$before" ] && echo L1-IMAGE-UNCHANGED || echo L1-IMAGE-CHANGED
fi
L1

bash "$repo/tests/nested/run.sh" --timeout 300 --bin "$nimbus:/bin/nimbus" --bin "$(command -v debugfs):/bin/debugfs" \
    --bin "$(command -v qemu-img):/bin/qemu-img" \
    --file "$kernel_dir/vmlinux:/files/vmlinux" "${files[@]}" --file "$work/l1.sh:/files/l1.sh" \
    -- sh /files/l1.sh | tee "$work/out"

if [[ $mode != ro ]]; then
    want=$(i=0; while ((i < 3000)); do echo "nimbus-block-line-$i"; i=$((i + 1)); done | sha256sum | cut -d' ' -f1)
    if grep -q "L1-FILE-SHA256=$want" "$work/out"; then
        echo "host: the file in the image matches byte for byte"
    else
        echo "host: FAIL: the file in the image is not what the guest wrote (want sha256 $want)"
        exit 1
    fi
fi
