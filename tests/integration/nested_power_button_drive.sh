#!/bin/sh
# Runs inside the harness's L1 (busybox sh): boots the test kernel in nimbus.init=wait with nimbus's
# stdin a pipe; once NIMBUS-WAITING shows, writes Ctrl-A p into the pipe. nimbus presses the ACPI
# power button, the guest's init sees the input event, prints NIMBUS-POWER-BUTTON and powers off
# (ACPI S5), and nimbus must exit 0.
# usage: drive.sh KERNEL
kernel=$1
mkfifo /tmp/console-in
NIMBUS_LOG=info nimbus run --kernel "$kernel" --initrd /files/initramfs.cpio.gz --vcpus 2 --memory 256 \
    --cmdline "console=ttyS0 reboot=k panic=-1 nimbus.init=wait" </tmp/console-in >/tmp/console-out 2>&1 &
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
if wait_for NIMBUS-WAITING 300; then
    sleep 1
    printf '\001p' >&3
    if wait_for NIMBUS-POWER-BUTTON 60; then
        waited=0
        while kill -0 $vmm 2>/dev/null && [ $waited -lt 60 ]; do sleep 1; waited=$((waited + 1)); done
        if kill -0 $vmm 2>/dev/null; then
            echo "drive: nimbus still running 60 s after the power button"
        else
            wait $vmm
            status=$?
            echo "drive: nimbus exited with status $status"
        fi
    fi
fi
kill $vmm 2>/dev/null
sleep 1
kill $streamer 2>/dev/null
exit $status
