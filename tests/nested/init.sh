#!/bin/sh
# /init of the nested-KVM "L1" machine built by tests/nested/run.sh (busybox sh).
#
# Sets up the machine, loads Debian's kvm-amd (nested SVM), then runs the command stored in
# /harness/cmd (a `set -- 'arg' ...` line written by run.sh) in /tmp and prints
#   NIMBUS-HARNESS-EXIT=<status>
# or, if the machine cannot offer /dev/kvm,
#   NIMBUS-HARNESS-ERROR=<reason>
# on the console, then powers off (QEMU runs with -no-reboot, so it exits).
# /harness/mode holds "batch" (stdin /dev/null) or "interactive" (command on the console tty).
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/tmp TERM="${TERM:-linux}"
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
exec </dev/console >/dev/console 2>&1
ip link set lo up 2>/dev/null

fail() {
    echo "NIMBUS-HARNESS-ERROR=$*"
    sync
    poweroff -f
    sleep 10
}

for m in irqbypass kvm kvm-amd; do
    if ! insmod /harness/modules/$m.ko; then
        dmesg | grep -i -E 'nested|svm|kvm' | tail -n 20
        fail "insmod $m.ko failed"
    fi
done
if [ ! -c /dev/kvm ]; then
    dmesg | grep -i -E 'nested|svm|kvm' | tail -n 20
    fail "no /dev/kvm after loading kvm-amd"
fi

mode=$(cat /harness/mode 2>/dev/null)
# shellcheck disable=SC2013 # words, not lines
for arg in $(cat /proc/cmdline); do
    case $arg in
    nimbus.harness.tty=*x*)
        size=${arg#nimbus.harness.tty=}
        stty rows "${size%x*}" cols "${size#*x}" 2>/dev/null
        ;;
    esac
done

# shellcheck disable=SC1091 # written by run.sh
. /harness/cmd
echo "nested-harness: /dev/kvm ready at L1 uptime $(cut -d' ' -f1 /proc/uptime)s"
cd /tmp || exit 1
if [ "$mode" = interactive ]; then
    # A new session whose controlling tty is the console (ttyS0): job control and ^C work.
    setsid cttyhack "$@"
    rc=$?
else
    "$@" </dev/null
    rc=$?
fi
cd /
sync
echo
echo "NIMBUS-HARNESS-EXIT=$rc"
poweroff -f
sleep 10
