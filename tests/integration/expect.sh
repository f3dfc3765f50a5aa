#!/usr/bin/env bash
# Runs a command and checks its exit status and output: the integration tests' one assertion tool.
# usage: expect.sh [--status N|nonzero] [--input TEXT] [--timeout S] [--stderr-lines N]
#                  [--expect REGEX]... [--reject REGEX]... -- COMMAND [ARGS...]
# --input is fed on stdin (printf %b escapes); the output checked is stdout and stderr together.
set -uo pipefail

want_status=0 input="" timeout_s=120 stderr_lines="" expects=() rejects=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --status) want_status=$2; shift 2 ;;
        --input) input=$2; shift 2 ;;
        --timeout) timeout_s=$2; shift 2 ;;
        --stderr-lines) stderr_lines=$2; shift 2 ;;
        --expect) expects+=("$2"); shift 2 ;;
        --reject) rejects+=("$2"); shift 2 ;;
        --) shift; break ;;
        *) echo "expect.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[[ $# -gt 0 ]] || { echo "expect.sh: no command" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$(date +%s.%N)
printf '%b' "$input" | timeout --kill-after=10 "$timeout_s" "$@" >"$work/out" 2>"$work/err"
status=$?
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
cat "$work/out" "$work/err" | tr -d '\r' >"$work/all"

failed=0
report() { echo "FAIL: $*"; failed=1; }
if [[ $status -eq 124 || $status -eq 137 ]]; then
    report "timed out after ${timeout_s}s"
elif [[ $want_status == nonzero ]]; then
    [[ $status -ne 0 ]] || report "exit status 0, wanted non-zero"
elif [[ $status -ne $want_status ]]; then
    report "exit status $status, wanted $want_status"
fi
for pattern in "${expects[@]}"; do
    grep -Eq -- "$pattern" "$work/all" || report "output lacks /$pattern/"
done
for pattern in "${rejects[@]}"; do
    if grep -Eq -- "$pattern" "$work/all"; then report "output has /$pattern/"; fi
done
if [[ -n $stderr_lines ]]; then
    lines=$(wc -l <"$work/err")
    [[ $lines -eq $stderr_lines ]] || report "stderr has $lines lines, wanted $stderr_lines"
fi

echo "command: $* (status $status, ${elapsed}s)"
if [[ $failed -ne 0 ]]; then
    echo "--- output (last 60 lines) ---"
    tail -n 60 "$work/all"
    exit 1
fi
echo "ok"
