#!/usr/bin/env bash
# `nimbus img bench` next to `qemu-img bench` with the same options on the same kind of image (fresh,
# preallocated with metadata, overlay on a written raw backing file), each run on a fresh copy:
# sequential 64 KiB and strided 4 KiB reads and writes, MiB/s and the nimbus/qemu-img ratio (above
# 1: we are faster). Then `img convert` against `qemu-img convert` timed by hyperfine.
# qemu-img bench has no random pattern; the 4 KiB rows step by a large odd stride (-S) that wraps
# around the image, which both tools follow identically.
# Usage: bench/qcow2_vs_qemu_img.sh [build-dir] [depth] [runs]
set -euo pipefail

build=${1:-build}
depth=${2:-16}
runs=${3:-3}
nimbus=$build/nimbus
work=$(mktemp -d /dev/shm/nimbus-qcow2-bench.XXXXXX)
size_mib=256
stride=$((4096 * 7919))

[[ -x $nimbus ]] || { echo "qcow2_vs_qemu_img: $nimbus not built (cmake --build $build --target nimbus)" >&2; exit 1; }
for tool in qemu-img qemu-io hyperfine python3; do
    command -v $tool >/dev/null || { echo "qcow2_vs_qemu_img: $tool not installed (scripts/setup)" >&2; exit 1; }
done
trap 'rm -rf "$work"' EXIT

# The backing file, fully written, and the templates every run copies.
head -c "${size_mib}M" /dev/urandom >"$work/base.raw"
qemu-img create -q -f qcow2 "$work/fresh.qcow2" "${size_mib}M"
qemu-img create -q -f qcow2 -o preallocation=metadata "$work/prealloc.qcow2" "${size_mib}M"
qemu-img create -q -f qcow2 -b base.raw -F raw "$work/backing.qcow2" "${size_mib}M"

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# tool scenario write? bufsize count step -> MiB/s (median of $runs, each on a fresh copy)
throughput() {
    local tool=$1 scenario=$2 write=$3 buffer=$4 count=$5 step=$6 seconds
    for _ in $(seq "$runs"); do
        cp --sparse=always "$work/$scenario.qcow2" "$work/run.qcow2"
        if [[ $tool == nimbus ]]; then
            seconds=$("$nimbus" img bench -f qcow2 $write -c "$count" -d "$depth" -s "$buffer" -S "$step" "$work/run.qcow2" |
                awk '/Run completed/ { print $4 }')
        else
            seconds=$(qemu-img bench -f qcow2 $write -c "$count" -d "$depth" -s "$buffer" -S "$step" "$work/run.qcow2" |
                awk '/Run completed/ { print $4 }')
        fi
        awk -v s="$seconds" -v b="$buffer" -v c="$count" 'BEGIN { printf "%.1f\n", b * c / s / 1048576 }'
    done | median
}

printf '%-10s %-22s %12s %12s %7s\n' image row "nimbus MiB/s" "qemu MiB/s" ratio
for scenario in fresh prealloc backing; do
    for row in "seq-read 65536 16384 65536" "seq-write 65536 16384 65536" \
               "4k-stride-read 4096 65536 $stride" "4k-stride-write 4096 65536 $stride"; do
        read -r name buffer count step <<<"$row"
        write=""
        [[ $name == *write ]] && write="-w"
        ours=$(throughput nimbus "$scenario" "$write" "$buffer" "$count" "$step")
        theirs=$(throughput qemu "$scenario" "$write" "$buffer" "$count" "$step")
        printf '%-10s %-22s %12s %12s %7s\n' "$scenario" "$name" "$ours" "$theirs" \
            "$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2f", a / b }')"
    done
done

# convert: a half-written qcow2 (random data every other MiB) to qcow2 and to raw.
qemu-img create -q -f qcow2 "$work/source.qcow2" "${size_mib}M"
script=""
for ((mib = 0; mib < size_mib; mib += 2)); do script+="write -P $((mib % 250 + 1)) ${mib}M 1M"$'\n'; done
qemu-io "$work/source.qcow2" <<<"$script" >/dev/null
echo
printf '%-22s %12s %12s %7s\n' convert "nimbus s" "qemu-img s" ratio
for target in qcow2 raw; do
    hyperfine --runs 5 --warmup 1 --export-json "$work/hyperfine.json" --prepare "rm -f $work/out" \
        "$nimbus img convert -O $target $work/source.qcow2 $work/out" \
        "qemu-img convert -O $target $work/source.qcow2 $work/out" >/dev/null 2>&1
    python3 - "$work/hyperfine.json" "$target" <<'PY'
import json, sys
ours, theirs = (r["median"] for r in json.load(open(sys.argv[1]))["results"])
print(f"{'qcow2 -> ' + sys.argv[2]:<22} {ours:12.3f} {theirs:12.3f} {theirs / ours:7.2f}")
PY
done
