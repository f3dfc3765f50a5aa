#!/bin/sh
# Runs inside the harness's L1 (busybox sh): the test kernel as an xl-style domain. create, a
# console client on the monitor's PTY, list; MODE reboot first sends `reboot` (power button +
# reboot intent: the guest powers off cleanly and on_reboot=restart boots it again); then
# `shutdown -w` (power button, on_poweroff=destroy): the monitor exits and leaves nothing behind.
# usage: drive.sh KERNEL INITRAMFS shutdown|reboot
kernel=$1 initramfs=$2 mode=$3
export NIMBUS_RUN_DIR=/tmp/nimbus-run
cat >/tmp/guest.cfg <<CFG
name = "lin"
kernel = "$kernel"
ramdisk = "$initramfs"
memory = 256
vcpus = 2
extra = "reboot=k panic=-1 nimbus.init=wait"
on_poweroff = "destroy"
on_reboot = "restart"
CFG
NIMBUS_LOG=info nimbus create /tmp/guest.cfg || { echo "drive: create failed"; exit 1; }
nimbus list
nimbus console lin </dev/null >/tmp/console-out 2>&1 &
client=$!
tail -f /tmp/console-out &
streamer=$!

# wait_for TEXT COUNT SECONDS: until the console shows TEXT at least COUNT times.
wait_for() {
    waited=0
    while [ "$(grep -c "$1" /tmp/console-out)" -lt "$2" ]; do
        [ $waited -ge "$3" ] && { echo "drive: '$1' not seen $2 times after $3 s"; return 1; }
        sleep 1
        waited=$((waited + 1))
    done
}

rebooted() {
    [ "$mode" = reboot ] || return 0
    nimbus reboot lin && echo "drive: reboot sent"
    wait_for NIMBUS-POWER-BUTTON 1 60 && wait_for NIMBUS-WAITING 2 300 && echo "drive: back after reboot"
}

status=1
if wait_for NIMBUS-WAITING 1 300 && sleep 1 && rebooted; then
    nimbus list
    sleep 1
    if nimbus shutdown -w lin; then
        echo "drive: shutdown -w returned"
        if [ -z "$(ls -A $NIMBUS_RUN_DIR)" ] && ! nimbus list | grep -q '^lin '; then
            echo "drive: NIMBUS-LIFECYCLE-OK"
            status=0
        else
            echo "drive: leftovers: $(ls -A $NIMBUS_RUN_DIR)"
        fi
    fi
fi
[ $status -eq 0 ] || cat $NIMBUS_RUN_DIR/lin/monitor.log 2>/dev/null
nimbus destroy lin 2>/dev/null
kill $client $streamer 2>/dev/null
exit $status
