#!/usr/bin/env bash
# A disk image another guest has open read-write is refused with one line naming the file.
# Label guest, not errors: the first guest, which holds the lock, runs under KVM.
# usage: error_disk_locked.sh NIMBUS GUEST_ECHO GUEST_HELLO
set -uo pipefail
nimbus=$1 echo_guest=$2 hello_guest=$3
work=$(mktemp -d)
holder=
cleanup() {
    [[ -n $holder ]] && kill "$holder" 2>/dev/null && wait "$holder" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
image=$work/locked.img
truncate -s 1M "$image"
mkfifo "$work/input"
# guest_echo waits for input for ever: the first guest, holding the image's lock.
"$nimbus" run --kernel "$echo_guest" --disk "$image" <"$work/input" >"$work/holder.out" 2>&1 &
holder=$!
exec 3>"$work/input"  # keeps the holder's stdin open
for _ in $(seq 100); do grep -q "echo: ready" "$work/holder.out" && break; sleep 0.1; done
grep -q "echo: ready" "$work/holder.out" || { echo "FAIL: the first guest did not start"; exit 1; }
"$nimbus" run --kernel "$hello_guest" --disk "$image,ro"
