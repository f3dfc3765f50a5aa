#!/usr/bin/env bash
# Run a command inside an "L1" Linux machine that has a real, nested /dev/kvm.
#
# The host's /dev/kvm cannot run guest user space (see /work/shared/design/HOST-NOTES.md), so
# tests that need full KVM run in a small Linux machine emulated by QEMU's TCG with nested SVM
# (-cpu EPYC), where Debian's cloud kernel loads kvm-amd and offers a /dev/kvm that runs
# unmodified guests.
#
#   tests/nested/run.sh [options] -- COMMAND [ARGS...]
#     --timeout SECONDS      kill QEMU after this long (default 600; none with --interactive)
#     --interactive          connect this terminal to L1's console, COMMAND gets it as its tty
#     --mem MIB              L1 memory (default 2048)
#     --smp N                L1 CPUs (default 2)
#     --file HOST[:L1PATH]   copy a file (or a directory, recursively, symlinks followed) into L1,
#                            default L1PATH /files/<basename>
#     --bin HOST[:L1PATH]    copy an executable and its shared libraries (ldd, loader included,
#                            at their host paths), default L1PATH /bin/<basename>
#     --append ARGS         extra L1 kernel command-line arguments
#
# Inside L1: /harness/vmlinuz is the L1 kernel itself (Debian's stock cloud kernel, a bzImage;
# tests boot it as a guest). COMMAND runs with cwd /tmp (a tmpfs), PATH=/bin:/sbin:/usr/bin:/usr/sbin
# (busybox applets in /bin), stdin /dev/null unless --interactive. Its output is L1's serial
# console, streamed to our stdout with \r removed, followed by a line NIMBUS-HARNESS-EXIT=<status>.
#
# Exit status: COMMAND's status; 124 on timeout; 125 if the harness itself failed (no QEMU, no
# kernel, no /dev/kvm in L1, L1 never reported), with a one-line reason on stderr.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
me=nested-harness

die() {
    echo "$me: $*" >&2
    exit 125
}
trap 'echo "$me: failed at line $LINENO: $BASH_COMMAND" >&2; exit 125' ERR

usage() {
    sed -n '/^#   tests\/nested/,/^#     --append/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 125
}

timeout_s=
interactive=0
mem=2048
smp=2
append=
files=()
bins=()
while (($#)); do
    case $1 in
    --timeout) timeout_s=${2:?}; shift 2 ;;
    --timeout=*) timeout_s=${1#*=}; shift ;;
    --interactive) interactive=1; shift ;;
    --mem) mem=${2:?}; shift 2 ;;
    --mem=*) mem=${1#*=}; shift ;;
    --smp) smp=${2:?}; shift 2 ;;
    --smp=*) smp=${1#*=}; shift ;;
    --file) files+=("${2:?}"); shift 2 ;;
    --file=*) files+=("${1#*=}"); shift ;;
    --bin) bins+=("${2:?}"); shift 2 ;;
    --bin=*) bins+=("${1#*=}"); shift ;;
    --append) append+=" ${2:?}"; shift 2 ;;
    --append=*) append+=" ${1#*=}"; shift ;;
    --) shift; break ;;
    -h | --help) usage ;;
    -*) echo "$me: unknown option $1" >&2; usage ;;
    *) break ;;
    esac
done
(($#)) || { echo "$me: no COMMAND given" >&2; usage; }
[[ -z $timeout_s || $timeout_s =~ ^[0-9]+$ ]] || die "--timeout wants whole seconds, got $timeout_s"
[[ $mem =~ ^[0-9]+$ ]] || die "--mem wants MiB, got $mem"
if [[ -z $timeout_s && $interactive == 0 ]]; then timeout_s=600; fi

command -v qemu-system-x86_64 >/dev/null ||
    die "qemu-system-x86_64 not found (apt-get install qemu-system-x86): cannot run the nested-KVM L1 machine"
command -v cpio >/dev/null || die "cpio not found (apt-get install cpio)"
if [[ ! -x /bin/busybox || $'\n'$(/bin/busybox --list 2>/dev/null)$'\n' != *$'\n'cttyhack$'\n'* ]]; then
    echo "$me: installing busybox-static" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=900 busybox-static >&2 ||
        die "cannot install busybox-static"
fi
file /bin/busybox 2>/dev/null | grep -q 'statically linked' ||
    [[ $(ldd /bin/busybox 2>&1) == *"not a dynamic"* ]] ||
    die "/bin/busybox is not static (install busybox-static)"

t0=$(date +%s.%N)
l1=$("$here/fetch-l1.sh") || die "cannot get the L1 cloud kernel (see above)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nimbus-nested.XXXXXX")
qpid=
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
    if [[ -n $qpid ]] && kill -0 "$qpid" 2>/dev/null; then
        kill -TERM "$qpid" 2>/dev/null || true
        wait "$qpid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- L1 initramfs ------------------------------------------------------------------------------
root=$tmp/root
mkdir -p "$root"/{bin,dev,proc,sys,tmp,run,etc,root,files,harness/modules,usr/bin,usr/sbin,usr/lib,usr/lib64}
ln -s bin "$root/sbin"
ln -s usr/lib "$root/lib"     # merged /usr, as on the host: ldd paths land in the same place
ln -s usr/lib64 "$root/lib64"
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh" # the rest of the applet links are made by /init (busybox --install)
cp "$here/init.sh" "$root/init"
chmod 0755 "$root/init"
cp "$l1"/modules/{irqbypass,kvm,kvm-amd}.ko "$root/harness/modules/"
# The L1 kernel is also the stock guest kernel tests boot: always present (14 MB, ~0.1 s to add).
cp "$l1/vmlinuz" "$root/harness/vmlinuz"
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"

# put SRC DEST: copy a host file or directory to DEST inside the initramfs.
put() {
    local src=$1 dest=$root/${2#/}
    [[ -e $src ]] || die "no such host file: $src"
    mkdir -p "$(dirname "$dest")"
    if [[ -d $src ]]; then
        rm -rf "$dest"
        cp -rL "$src" "$dest"
    else
        cp -L "$src" "$dest"
    fi
}
parse_spec() { # SPEC DEFAULT_DIR -> sets src, dst
    if [[ $1 == *:* ]]; then src=${1%%:*} dst=${1#*:}; else src=$1 dst=$2/${1##*/}; fi
    [[ $dst == /* ]] || die "L1 path must be absolute: $1"
}
for spec in ${files[@]+"${files[@]}"}; do
    parse_spec "$spec" /files
    put "$src" "$dst"
done
for spec in ${bins[@]+"${bins[@]}"}; do
    parse_spec "$spec" /bin
    [[ -f $src ]] || die "no such host binary: $src"
    put "$src" "$dst"
    chmod 0755 "$root/${dst#/}"
    # Libraries: "name => /path (addr)" and the loader "/path (addr)"; static binaries have none.
    while read -r lib; do
        [[ -e $root/${lib#/} ]] || put "$lib" "$lib"
    done < <(ldd "$src" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' || true)
done

# The command, as a `set --` line with each argument single-quoted.
{
    printf 'set --'
    for a in "$@"; do printf " '%s'" "${a//\'/\'\\\'\'}"; done
    printf '\n'
} >"$root/harness/cmd"
if ((interactive)); then echo interactive; else echo batch; fi >"$root/harness/mode"

# Uncompressed newc cpio: QEMU loads it, the kernel only copies it (gzip would cost seconds in TCG).
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
    cpio --null --create --format=newc --owner=0:0 --quiet) >"$tmp/initramfs.cpio"

# ---- QEMU --------------------------------------------------------------------------------------
cmdline="console=ttyS0 panic=-1 quiet$append"
# shellcheck disable=SC2054 # tcg,thread=multi is one argument
qemu=(qemu-system-x86_64 -accel tcg,thread=multi -cpu EPYC -m "$mem" -smp "$smp" -no-reboot
    -kernel "$l1/vmlinuz" -initrd "$tmp/initramfs.cpio")
t1=$(date +%s.%N)
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

if ((interactive)); then
    [[ -t 0 ]] || die "--interactive needs a terminal on stdin"
    if size=$(stty size 2>/dev/null) && [[ $size =~ ^([0-9]+)\ ([0-9]+)$ ]]; then
        cmdline+=" nimbus.harness.tty=${BASH_REMATCH[1]}x${BASH_REMATCH[2]}"
    fi
    echo "$me: this host's /dev/kvm cannot run guest user space, so this runs inside an emulated L1 machine (QEMU TCG, nested SVM) with a real nested /dev/kvm; booting it takes a few seconds. Quit QEMU with Ctrl-A X (Ctrl-A Ctrl-A sends one Ctrl-A into L1)." >&2
    to=()
    [[ -z $timeout_s ]] || to=(timeout --foreground -k 10 "$timeout_s")
    {
        qrc=0
        ${to[@]+"${to[@]}"} "${qemu[@]}" -nodefaults -display none -serial mon:stdio -append "$cmdline TERM=${TERM:-linux}" \
            2>"$tmp/qemu.err" || qrc=$?
        echo "$qrc" >"$tmp/qrc"
    } | tee "$tmp/console.log"
    qrc=$(cat "$tmp/qrc")
else
    mkfifo "$tmp/console"
    # -serial stdio with stdin /dev/null: QEMU only makes stdin raw when it is a TTY.
    timeout -k 10 "$timeout_s" "${qemu[@]}" -nodefaults -display none -monitor none -serial stdio \
        -append "$cmdline" </dev/null >"$tmp/console" 2>"$tmp/qemu.err" &
    qpid=$!
    # In the background too, so that `wait` returns at once when we get a signal.
    sed -u 's/\r//g' <"$tmp/console" | tee "$tmp/console.log" &
    rpid=$!
    qrc=0
    wait "$qpid" || qrc=$?
    qpid=
    wait "$rpid" || true
fi

took="L1 boot and run $(elapsed "$t1")s, total $(elapsed "$t0")s"
status=$(tr -d '\r' <"$tmp/console.log" | sed -n 's/^NIMBUS-HARNESS-EXIT=\([0-9][0-9]*\)$/\1/p' | tail -n1)
if [[ -n $status ]]; then
    echo "$me: exit $status ($took)" >&2
    exit "$status"
fi
err=$(tr -d '\r' <"$tmp/console.log" | sed -n 's/^NIMBUS-HARNESS-ERROR=//p' | tail -n1)
if [[ -n $err ]]; then
    die "L1 machine failed: $err ($took)"
fi
if ((qrc == 124)) && [[ -n $timeout_s ]]; then
    echo "$me: timed out after ${timeout_s}s, QEMU killed ($took)" >&2
    exit 124
fi
if ((interactive && qrc == 0)); then
    die "QEMU was quit (Ctrl-A X?) before L1 reported a status ($took)"
fi
qerr=$(grep -v -E 'TCG doesn.t support requested feature|^$' "$tmp/qemu.err" | tail -n1 || true)
die "L1 machine ended without reporting a status (QEMU exit $qrc${qerr:+: $qerr}; $took)"
