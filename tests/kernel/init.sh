#!/bin/sh
# /init of the nimbus test initramfs (busybox sh; every applet is a symlink in /bin).
# Prints NIMBUS-USERSPACE-OK, then acts on `nimbus.init=MODE` from the kernel command line:
#   marker (default)  reboot at once (with `reboot=k` the reset goes through the i8042, ending the VM)
#   shell             interactive shell on the console, reboot when it exits
#   poweroff          power off
#   script            run /nimbus-test.sh (tests append it as a second cpio archive), then reboot
#   wait              print NIMBUS-WAITING and sleep forever (for tests that act from the host)
# In every mode a watcher waits on each /dev/input/event*: the first input event (the ACPI power
# button's KEY_POWER; the test kernel has no other input devices) prints NIMBUS-POWER-BUTTON,
# syncs and powers off, as a power-key handler (acpid, systemd-logind) would.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# DEVTMPFS_MOUNT does not apply to an initramfs root, so mount it ourselves.
grep -q " /dev " /proc/mounts || mount -t devtmpfs devtmpfs /dev  # a disk root has it already (DEVTMPFS_MOUNT)
# Make sure fds 0-2 are the console even if the kernel could not open one for us.
exec </dev/console >/dev/console 2>&1

echo "NIMBUS-USERSPACE-OK cpus=$(cat /sys/devices/system/cpu/online)"

# evdev reads whole events (24 bytes each on 64-bit); one is enough.
for dev in /dev/input/event*; do
    [ -c "$dev" ] || continue
    (dd if="$dev" of=/dev/null bs=64 count=1 2>/dev/null && echo NIMBUS-POWER-BUTTON && sync && poweroff -f) &
done

mode=marker
for arg in $(cat /proc/cmdline); do
    case $arg in nimbus.init=*) mode=${arg#nimbus.init=} ;; esac
done

case $mode in
shell)
    echo NIMBUS-SHELL-READY
    # setsid + cttyhack: a new session whose controlling tty is the real console (ttyS0),
    # so job control and ^C work.
    setsid cttyhack sh
    ;;
poweroff)
    sync
    poweroff -f
    ;;
script)
    if [ -f /nimbus-test.sh ]; then
        sh /nimbus-test.sh
        echo "NIMBUS-SCRIPT-DONE rc=$?"
    else
        echo "NIMBUS-SCRIPT-MISSING /nimbus-test.sh"
    fi
    ;;
wait)
    # The watchers above must have opened their event devices before anyone presses the button
    # (evdev keeps nothing for a reader that is not there yet).
    sleep 1
    echo NIMBUS-WAITING
    while :; do sleep 3600; done
    ;;
marker) ;;
*) echo "nimbus init: unknown nimbus.init=$mode, treating as marker" ;;
esac
sync
reboot -f
