#!/usr/bin/env bash
# Runs bench_block_engine next to fio (io_uring, buffered) on the same raw image in /dev/shm:
# 4 KiB random reads and writes at one queue depth; prints median IOPS and nimbus/fio ratios.
# Usage: bench/block_vs_fio.sh [build-dir] [depth] [seconds-per-run] [runs]
set -euo pipefail

build=${1:-build}
depth=${2:-32}
seconds=${3:-3}
runs=${4:-3}
bench=$build/bench/bench_block_engine
image=/dev/shm/nimbus-block-vs-fio.img
size_mib=256

[[ -x $bench ]] || { echo "block_vs_fio: $bench not built (cmake --build $build --target bench_block_engine)" >&2; exit 1; }
command -v fio >/dev/null || { echo "block_vs_fio: fio not installed (scripts/setup)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "block_vs_fio: python3 is needed to read fio's JSON" >&2; exit 1; }

trap 'rm -f "$image"' EXIT
head -c "${size_mib}M" /dev/urandom >"$image"

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

ours() {  # engine rw -> IOPS
    "$bench" --image "$image" --engine "$1" --rw "$2" --depth "$depth" --seconds "$seconds" | awk '{ print $(NF - 1) }'
}

theirs() {  # rw -> IOPS
    fio --name=block_vs_fio --filename="$image" --size="${size_mib}M" --ioengine=io_uring --direct=0 \
        --rw="$1" --bs=4k --iodepth="$depth" --runtime="$seconds" --time_based --output-format=json |
        python3 -c 'import json, sys; job = json.load(sys.stdin)["jobs"][0]; print(round(job["read"]["iops"] + job["write"]["iops"]))'
}

echo "4 KiB random I/O, queue depth $depth, ${seconds}s x $runs runs each (interleaved), ${size_mib} MiB image in /dev/shm"
printf '%-10s %12s %12s %12s %10s %10s\n' workload fio io_uring threads uring/fio threads/fio
for rw in randread randwrite; do
    fio_runs=() uring_runs=() thread_runs=()
    for ((run = 0; run < runs; run++)); do
        fio_runs+=("$(theirs "$rw")")
        uring_runs+=("$(ours io_uring "$rw")")
        thread_runs+=("$(ours threads "$rw")")
    done
    fio_iops=$(printf '%s\n' "${fio_runs[@]}" | median)
    uring_iops=$(printf '%s\n' "${uring_runs[@]}" | median)
    thread_iops=$(printf '%s\n' "${thread_runs[@]}" | median)
    printf '%-10s %12s %12s %12s %10s %10s\n' "$rw" "$fio_iops" "$uring_iops" "$thread_iops" \
        "$(awk -v a="$uring_iops" -v b="$fio_iops" 'BEGIN { printf "%.2f", a / b }')" \
        "$(awk -v a="$thread_iops" -v b="$fio_iops" 'BEGIN { printf "%.2f", a / b }')"
done
