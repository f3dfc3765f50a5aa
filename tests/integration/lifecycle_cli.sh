#!/usr/bin/env bash
# Lifecycle end to end through the CLI with test guests, state under a temporary NIMBUS_RUN_DIR:
# create, list, a refused second create, pause freezes the UART, unpause resumes it, console
# attach/detach, shutdown reaches a guest that powers off (monitor exits), destroy stops one that
# ignores it, nothing left in the state folder.
# usage: lifecycle_cli.sh NIMBUS TICKER_GUEST POWER_GUEST
set -uo pipefail
nimbus=$1 ticker=$2 power=$3
work=$(mktemp -d)
export NIMBUS_RUN_DIR=$work/run
console_pid=""
cleanup() {
    [[ -n $console_pid ]] && kill "$console_pid" 2>/dev/null
    "$nimbus" destroy tick >/dev/null 2>&1
    "$nimbus" destroy power >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
step() { echo "lifecycle: $*"; }
ticks() { grep -ao 'tick [0-9]*' "$1" | awk '{print $2}'; }

cat >"$work/tick.cfg" <<CFG
name = "tick"
kernel = "$ticker"
memory = 32
vcpus = 1
on_poweroff = "destroy"
CFG
sed -e 's/"tick"/"power"/' -e "s|$ticker|$power|" "$work/tick.cfg" >"$work/power.cfg"

step "create -n prints the resolved config"
"$nimbus" create -n "$work/tick.cfg" >"$work/dry" 2>&1 || fail "create -n: $(cat "$work/dry")"
grep -q '"name": *"tick"' "$work/dry" || fail "create -n output lacks the name: $(cat "$work/dry")"
[[ ! -e $NIMBUS_RUN_DIR ]] || [[ -z $(ls -A "$NIMBUS_RUN_DIR") ]] || fail "create -n left state behind"

step "create"
"$nimbus" create "$work/tick.cfg" || fail "create tick"
"$nimbus" list | grep -Eq '^tick +[0-9]+ +32 +1 +r-----' || fail "list: $("$nimbus" list)"
"$(dirname "$nimbus")/xl" list | grep -Eq '^tick ' || fail "xl list does not show tick"
"$nimbus" create "$work/tick.cfg" >"$work/again" 2>&1 && fail "a second create of tick succeeded"
grep -q "already exists" "$work/again" || fail "second create: $(cat "$work/again")"
[[ $(stat -c %a "$NIMBUS_RUN_DIR") == 700 && $(stat -c %a "$NIMBUS_RUN_DIR/tick/control.sock") == 600 ]] ||
    fail "state permissions: $(stat -c '%a %n' "$NIMBUS_RUN_DIR" "$NIMBUS_RUN_DIR"/tick/*)"

step "console attach; pause freezes the UART, unpause resumes it"
mkfifo "$work/keys"
"$nimbus" console tick <"$work/keys" >"$work/console" 2>&1 &
console_pid=$!
exec 7>"$work/keys"
sleep 3
[[ -n $(ticks "$work/console") ]] || fail "no ticks on the console: $(cat "$work/console")"
"$nimbus" pause tick || fail "pause"
"$nimbus" list | grep -Eq '^tick .* --p---' || fail "list after pause: $("$nimbus" list)"
sleep 0.5
before=$(ticks "$work/console" | tail -n1)
sleep 3
after=$(ticks "$work/console" | tail -n1)
[[ $before == "$after" ]] || fail "ticks went on while paused: $before -> $after"
"$nimbus" unpause tick || fail "unpause"
sleep 3
resumed=$(ticks "$work/console" | awk -v last="$before" '$1 > last' | head -n1)
[[ $resumed == $((before + 1)) ]] || fail "after unpause the count went $before -> ${resumed:-nothing}"
printf 'k' >&7
sleep 1.5  # the guest polls its UART; its echo must arrive while we are attached
printf '\035' >&7
exec 7>&-
wait "$console_pid" || fail "console exited with $?"
console_pid=""
grep -q "ticker: key 0x6b" "$work/console" || fail "the typed key did not reach the guest"
"$nimbus" list | grep -Eq '^tick .* r-----' || fail "detaching stopped the guest"

step "shutdown -w: the power guest powers off and its monitor exits"
"$nimbus" create "$work/power.cfg" || fail "create power"
sleep 1
timeout 60 "$nimbus" shutdown -w power || fail "shutdown -w power"
[[ ! -e $NIMBUS_RUN_DIR/power ]] || fail "power's state folder outlived it"
"$nimbus" list | grep -q '^power ' && fail "power still listed"

step "destroy stops a guest that ignores shutdown"
"$nimbus" shutdown tick || fail "shutdown tick"
sleep 2
"$nimbus" list | grep -Eq '^tick ' || fail "tick went away on shutdown, it should ignore it"
"$nimbus" destroy tick || fail "destroy tick"
"$nimbus" list | grep -q '^tick ' && fail "tick still listed after destroy"
"$nimbus" pause tick >"$work/gone" 2>&1 && fail "pause of a destroyed domain succeeded"
grep -q "no such domain" "$work/gone" || fail "pause after destroy: $(cat "$work/gone")"
[[ -z $(ls -A "$NIMBUS_RUN_DIR") ]] || fail "leftovers: $(ls -A "$NIMBUS_RUN_DIR")"
echo "lifecycle: all ok"
