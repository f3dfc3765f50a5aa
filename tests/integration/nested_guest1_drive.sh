#!/bin/sh
# Runs inside the harness's L1 (busybox sh): the seed's guest1.cfg (tests/config/corpus/valid/
# seed_guest1.cfg) with its kernel, ramdisk and disk paths rewritten to test files, booted with
# `nimbus create -c` as the lab did with xl. The init powers off once it reaches user space
# (an override, as xl allows), on_poweroff=destroy ends the monitor and the console with it.
# usage: drive.sh GUEST1_CFG KERNEL INITRAMFS
config=$1 kernel=$2 initramfs=$3
export NIMBUS_RUN_DIR=/tmp/nimbus-run
dd if=/dev/zero of=/tmp/guest1.img bs=1M count=0 seek=64 2>/dev/null
dd if=/dev/zero of=/tmp/guest1.swap bs=1M count=0 seek=16 2>/dev/null
sed -e "s|/home/artem/|/tmp/|g" -e "s|/boot/vmlinuz-5.3.0-28-generic|$kernel|" \
    -e "s|/boot/initrd.img-5.3.0-28-generic|$initramfs|" "$config" >/tmp/guest1.cfg
cat /tmp/guest1.cfg
nimbus create -n /tmp/guest1.cfg | grep -E '"(cmdline|guest_device|target)"'
NIMBUS_LOG=info timeout 300 nimbus create -c /tmp/guest1.cfg 'extra="xencons=tty nimbus.init=poweroff"' \
    </dev/null >/tmp/console-out 2>&1
status=$?
cat /tmp/console-out
echo "drive: create -c exited with $status"
if [ $status -eq 0 ] && grep -q NIMBUS-USERSPACE-OK /tmp/console-out && [ -z "$(ls -A $NIMBUS_RUN_DIR)" ]; then
    echo "drive: NIMBUS-GUEST1-OK"
    exit 0
fi
exit 1
