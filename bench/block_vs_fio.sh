#!/usr/bin/env bash
# Runs bench_block_engine (the engines alone) and bench_virtio_block (the virtio-blk device model
# driven through its queue, io_uring engine) next to fio (io_uring, buffered) on the same raw image in
# /dev/shm: 4 KiB random reads and writes at each queue depth; prints median requests/s and the
# nimbus/fio ratios. Usage: bench/block_vs_fio.sh [build-dir] [depths, e.g. 1,32] [seconds-per-run] [runs]
set -euo pipefail

build=${1:-build}
depths=${2:-1,32}
seconds=${3:-3}
runs=${4:-3}
bench=$build/bench/bench_block_engine
device_bench=$build/bench/bench_virtio_block
image=/dev/shm/nimbus-block-vs-fio.img
size_mib=256

for program in "$bench" "$device_bench"; do
    [[ -x $program ]] || { echo "block_vs_fio: $program not built (cmake --build $build --target $(basename "$program"))" >&2; exit 1; }
done
command -v fio >/dev/null || { echo "block_vs_fio: fio not installed (scripts/setup)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "block_vs_fio: python3 is needed to read fio's JSON" >&2; exit 1; }

trap 'rm -f "$image"' EXIT
head -c "${size_mib}M" /dev/urandom >"$image"

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

ours() {  # engine rw -> IOPS
    "$bench" --image "$image" --engine "$1" --rw "$2" --depth "$depth" --seconds "$seconds" | awk '{ print $(NF - 1) }'
}

device() {  # rw -> requests/s through the virtio-blk queue
    "$device_bench" --image "$image" --engine io_uring --rw "$1" --depth "$depth" --seconds "$seconds" | awk '{ print $(NF - 1) }'
}

theirs() {  # rw -> IOPS
    fio --name=block_vs_fio --filename="$image" --size="${size_mib}M" --ioengine=io_uring --direct=0 \
        --rw="$1" --bs=4k --iodepth="$depth" --runtime="$seconds" --time_based --output-format=json |
        python3 -c 'import json, sys; job = json.load(sys.stdin)["jobs"][0]; print(round(job["read"]["iops"] + job["write"]["iops"]))'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "4 KiB random I/O, ${seconds}s x $runs runs each (interleaved), ${size_mib} MiB image in /dev/shm"
printf '%-10s %5s %10s %10s %10s %10s %9s %9s %9s\n' workload depth fio io_uring threads virtio-blk uring/fio thr/fio blk/fio
for depth in ${depths//,/ }; do
    for rw in randread randwrite; do
        fio_runs=() uring_runs=() thread_runs=() device_runs=()
        for ((run = 0; run < runs; run++)); do
            fio_runs+=("$(theirs "$rw")")
            uring_runs+=("$(ours io_uring "$rw")")
            thread_runs+=("$(ours threads "$rw")")
            device_runs+=("$(device "$rw")")
        done
        fio_iops=$(printf '%s\n' "${fio_runs[@]}" | median)
        uring_iops=$(printf '%s\n' "${uring_runs[@]}" | median)
        thread_iops=$(printf '%s\n' "${thread_runs[@]}" | median)
        device_iops=$(printf '%s\n' "${device_runs[@]}" | median)
        printf '%-10s %5s %10s %10s %10s %10s %9s %9s %9s\n' "$rw" "$depth" "$fio_iops" "$uring_iops" "$thread_iops" \
            "$device_iops" "$(ratio "$uring_iops" "$fio_iops")" "$(ratio "$thread_iops" "$fio_iops")" \
            "$(ratio "$device_iops" "$fio_iops")"
    done
done
