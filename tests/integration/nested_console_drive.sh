#!/bin/sh
# Runs inside the harness's L1 (busybox sh): boots KERNEL under nimbus with the shell initramfs,
# waits for the shell, types `echo typed-$((6*7))` (the guest's shell answers typed-42), then
# `exit`, after which init reboots and nimbus must exit 0.
# usage: drive.sh KERNEL
kernel=$1
mkfifo /tmp/console-in
nimbus run --kernel "$kernel" --initrd /files/initramfs.cpio.gz --vcpus 2 --memory 512 \
    --cmdline "console=ttyS0 reboot=k panic=-1 nimbus.init=shell" </tmp/console-in >/tmp/console-out 2>&1 &
vmm=$!
exec 3>/tmp/console-in
tail -f /tmp/console-out &
streamer=$!

# wait_for TEXT SECONDS: until the console shows TEXT; fails if the VMM exits first or time runs out.
wait_for() {
    waited=0
    while ! grep -q "$1" /tmp/console-out; do
        kill -0 $vmm 2>/dev/null || { echo "drive: nimbus exited before '$1' appeared"; return 1; }
        [ $waited -ge "$2" ] && { echo "drive: no '$1' after $2 s"; return 1; }
        sleep 1
        waited=$((waited + 1))
    done
}

status=1
if wait_for NIMBUS-SHELL-READY 300; then
    sleep 1
    echo 'echo typed-$((6*7))' >&3
    if wait_for typed-42 60; then
        echo exit >&3
        wait $vmm
        status=$?
        echo "drive: nimbus exited with status $status"
    fi
fi
kill $vmm 2>/dev/null
sleep 1
kill $streamer 2>/dev/null
exit $status
