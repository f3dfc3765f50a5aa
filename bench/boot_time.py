#!/usr/bin/env python3
"""Boot-time benchmark: process start -> first guest byte on the UART -> guest reset, and peak RSS.

Runs the `hello` test guest (its first instruction writes '!' to the UART) N times under nimbus,
then tries QEMU on the same guest and prints the ratio, or QEMU's error where it cannot run it.
usage: bench/boot_time.py [--runs N] [--nimbus build/nimbus] [--guest build/tests/guests/guest_hello]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import time


def run_once(command):
    """Returns (seconds to first stdout byte, seconds to exit, exit status, peak RSS in KiB)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    first = process.stdout.read(1)
    first_at = time.perf_counter() - start if first else None
    process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    end_at = time.perf_counter() - start
    stderr = process.stderr.read().decode(errors="replace")
    process.returncode = os.waitstatus_to_exitcode(status)
    return first_at, end_at, process.returncode, usage.ru_maxrss, stderr


def summarize(name, samples):
    firsts = [s[0] for s in samples]
    ends = [s[1] for s in samples]
    rss = [s[3] for s in samples]
    print(f"{name:8} first byte median {statistics.median(firsts) * 1000:8.2f} ms "
          f"(min {min(firsts) * 1000:.2f}, max {max(firsts) * 1000:.2f}) | "
          f"reset median {statistics.median(ends) * 1000:8.2f} ms | peak RSS {max(rss) / 1024:.1f} MiB")
    return statistics.median(firsts), statistics.median(ends), max(rss)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--nimbus", default="build/nimbus")
    parser.add_argument("--guest", default="build/tests/guests/guest_hello")
    parser.add_argument("--memory", type=int, default=64, help="guest MiB")
    args = parser.parse_args()

    nimbus = [args.nimbus, "run", "--kernel", args.guest, "--memory", str(args.memory)]
    samples = []
    for _ in range(args.runs):
        first, end, status, rss, stderr = run_once(nimbus)
        if status != 0 or first is None:
            raise SystemExit(f"nimbus failed (status {status}): {stderr.strip()}")
        samples.append((first, end, status, rss))
    print(f"{args.runs} runs of {args.guest}, {args.memory} MiB guest; RSS includes the guest pages "
          f"the guest touched (a few KiB for this guest)")
    ours = summarize("nimbus", samples)

    qemu = shutil.which("qemu-system-x86_64")
    if qemu is None:
        print("qemu     not installed: no comparison")
        return
    # The same ELF through QEMU's direct kernel boot, with KVM, serial on stdout.
    command = [qemu, "-enable-kvm", "-M", "microvm", "-m", str(args.memory), "-nodefaults", "-no-user-config",
               "-nographic", "-serial", "stdio", "-no-reboot", "-kernel", args.guest]
    try:
        first, end, status, rss, stderr = run_once(["timeout", "20"] + command)
    except OSError as error:
        print(f"qemu     cannot run: {error}")
        return
    if status != 0 or first is None:
        reason = stderr.strip().splitlines()[-1] if stderr.strip() else f"exit status {status}, no output"
        print(f"qemu     cannot run this guest here: {reason}")
        print(f"         command: {' '.join(command)}")
        return
    theirs = [(first, end, status, rss)]
    for _ in range(args.runs - 1):
        theirs.append(run_once(["timeout", "20"] + command)[:4])
    peer = summarize("qemu", theirs)
    print(f"ratio qemu/nimbus: first byte {peer[0] / ours[0]:.2f}x, reset {peer[1] / ours[1]:.2f}x, "
          f"RSS {peer[2] / ours[2]:.2f}x")


if __name__ == "__main__":
    main()
