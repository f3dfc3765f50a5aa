#!/usr/bin/env bash
# Fetch Debian's cloud kernel for the nested-KVM "L1" machine, cached outside the clone.
#
#   tests/nested/fetch-l1.sh   -> prints ${NIMBUS_CACHE:-/var/cache/nimbus}/l1-<package>_<version>
#
# The directory holds:
#   vmlinuz                    the package's bzImage (also booted as a nimbus guest by tests)
#   config                     its kernel config
#   modules/irqbypass.ko       \
#   modules/kvm.ko              > uncompressed (busybox insmod needs plain .ko)
#   modules/kvm-amd.ko         /
#   PACKAGE                    "<package> <version> <sha256 of the .deb>"
#
# The newest linux-image-6.1.*-cloud-amd64 that apt knows is used (the exact dependency of the
# linux-image-cloud-amd64 metapackage's candidate, else the newest by name). If apt cannot resolve or download
# it, the newest l1-* directory already in the cache is used; if there is none, exit 125 with a
# one-line reason. Extraction happens in a temp dir under the cache root, renamed into place when
# complete, under a lock, so concurrent runs are safe.
set -euo pipefail

cache_root=${NIMBUS_CACHE:-/var/cache/nimbus}
die() {
    echo "fetch-l1.sh: $*" >&2
    exit 125
}

newest_cached() {
    local d
    d=$(find "$cache_root" -maxdepth 1 -name 'l1-*' -type d 2>/dev/null | sort -V | tail -n1)
    [[ -n $d && -f $d/vmlinuz && -f $d/modules/kvm-amd.ko ]] && echo "$d"
}

trap 'echo "fetch-l1.sh: failed at line $LINENO: $BASH_COMMAND" >&2; exit 125' ERR

mkdir -p "$cache_root" || die "cannot create cache dir $cache_root"
exec 8>"$cache_root/l1.lock"
flock 8

# 1. Which package and version? The metapackage's exact dependency (one apt-cache call, ~0.5 s
#    here: apt keeps no binary cache on these machines), else the newest matching name.
pkg='' ver=''
read -r pkg ver < <(apt-cache show --no-all-versions linux-image-cloud-amd64 2>/dev/null |
    sed -n 's/^Depends:.*\(linux-image-6\.1\.[0-9]*-[0-9]*-cloud-amd64\) (= \([^)]*\)).*/\1 \2/p' |
    head -n1) || true
if [[ -z $pkg || -z $ver ]]; then
    pkg=$(apt-cache search --names-only '^linux-image-6\.1\.[0-9]+-[0-9]+-cloud-amd64$' 2>/dev/null |
        awk '{ print $1 }' | sort -V | tail -n1 || true)
    ver=
    if [[ -n $pkg ]]; then
        ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null | awk '/^Version:/ { print $2; exit }' || true)
    fi
fi
if [[ -z $pkg || -z $ver ]]; then
    if d=$(newest_cached); then
        echo "fetch-l1.sh: apt knows no linux-image-6.1.*-cloud-amd64, using cached $d" >&2
        echo "$d"
        exit 0
    fi
    die "apt knows no linux-image-6.1.*-cloud-amd64 package (run apt-get update?) and none is cached in $cache_root"
fi

dest=$cache_root/l1-${pkg#linux-image-}_$ver
if [[ -f $dest/PACKAGE ]]; then
    echo "$dest"
    exit 0
fi

# 2. Download and extract into a temp dir, then rename into place.
tmp=$(mktemp -d "$cache_root/.l1-fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "fetch-l1.sh: downloading $pkg=$ver into $dest" >&2
if ! (cd "$tmp" && apt-get download -o APT::Sandbox::User=root "$pkg=$ver") >"$tmp/apt.log" 2>&1; then
    if d=$(newest_cached); then
        echo "fetch-l1.sh: apt-get download $pkg=$ver failed, using cached $d" >&2
        echo "$d"
        exit 0
    fi
    die "apt-get download $pkg=$ver failed: $(grep -E '^(E|W):' "$tmp/apt.log" | head -n1)"
fi
deb=$(find "$tmp" -maxdepth 1 -name '*.deb' | head -n1)
[[ -n $deb ]] || die "apt-get download $pkg=$ver produced no .deb"
dpkg-deb -x "$deb" "$tmp/x" || die "dpkg-deb -x $deb failed"

out=$tmp/out
mkdir -p "$out/modules"
vmlinuz=$(find "$tmp/x/boot" -maxdepth 1 -name 'vmlinuz-*' | head -n1)
[[ -n $vmlinuz ]] || die "$pkg has no boot/vmlinuz-*"
cp "$vmlinuz" "$out/vmlinuz"
cp "$tmp/x/boot/config-"* "$out/config" 2>/dev/null || true
moddir=$(find "$tmp/x/lib/modules" "$tmp/x/usr/lib/modules" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -n1 || true)
[[ -n $moddir ]] || die "$pkg has no lib/modules/<version>"
for m in virt/lib/irqbypass arch/x86/kvm/kvm arch/x86/kvm/kvm-amd; do
    name=${m##*/}.ko
    src=$moddir/kernel/$m.ko
    if [[ -f $src ]]; then
        cp "$src" "$out/modules/$name"
    elif [[ -f $src.xz ]]; then
        xz -dc "$src.xz" >"$out/modules/$name"
    elif [[ -f $src.zst ]]; then
        zstd -qdc "$src.zst" >"$out/modules/$name"
    elif [[ -f $src.gz ]]; then
        gzip -dc "$src.gz" >"$out/modules/$name"
    else
        die "$pkg has no kernel/$m.ko{,.xz,.zst,.gz}"
    fi
done
echo "$pkg $ver $(sha256sum <"$deb" | cut -d' ' -f1)" >"$out/PACKAGE"
mv -T "$out" "$dest"
echo "$dest"
