#!/usr/bin/env bash
# Build the small Linux 6.1 test kernel for nimbus, cached outside the clone.
#
#   tests/kernel/build-kernel.sh      -> prints  ${NIMBUS_CACHE:-/var/cache/nimbus}/kernel-<hash>
#
# The cache directory holds vmlinux (ELF, for the 64-bit/PVH boot paths), bzImage (gzip) and
# config. <hash> covers everything that determines the result: this script, nimbus.config, the
# patches and the Debian linux-source-6.1 version, so a second run with the same inputs only prints
# the path. Only the path goes to stdout; the build log is <cache root>/kernel-<hash>.log.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${NIMBUS_CACHE:-/var/cache/nimbus}
src_pkg=linux-source-6.1
src_tar=/usr/src/linux-source-6.1.tar.xz

say() { echo "build-kernel.sh: $*" >&2; }

# Install missing Debian packages (waits for a dpkg lock held by another apt run).
ensure_pkgs() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
    done
    if ((${#missing[@]})); then
        say "installing ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=900 \
            "${missing[@]}" >&2
    fi
}

ensure_pkgs "$src_pkg"

shopt -s nullglob
patches=("$here"/patches/*.patch)
shopt -u nullglob

# Cache key: file names + contents of our inputs, plus the kernel source package version.
hash=$(
    for f in "$here/build-kernel.sh" "$here/nimbus.config" "${patches[@]}"; do
        echo "${f##*/}"
        sha256sum <"$f"
    done
    dpkg-query -W -f='${Version}\n' "$src_pkg"
)
hash=$(sha256sum <<<"$hash" | cut -c1-16)
dest=$cache_root/kernel-$hash
log=$cache_root/kernel-$hash.log

mkdir -p "$cache_root"
# One build per key at a time; a concurrent second caller waits, then finds the cache.
exec 9>"$cache_root/kernel-$hash.lock"
flock 9
if [[ -f $dest/vmlinux && -f $dest/bzImage && -f $dest/config ]]; then
    echo "$dest"
    exit 0
fi

ensure_pkgs bc bison flex libelf-dev libssl-dev cpio xz-utils make gcc patch

# Build in a temp dir under the cache root (same filesystem, so the final rename is atomic).
tmp=$(mktemp -d "$cache_root/.kernel-$hash.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
: >"$log"
run() {
    if ! "$@" >>"$log" 2>&1; then
        say "FAILED: $*  (log: $log)"
        tail -n 40 "$log" >&2
        exit 1
    fi
}

say "building in $tmp (log: $log)"
start=$SECONDS
run tar -xJf "$src_tar" -C "$tmp"
src=$tmp/linux-source-6.1
# --fuzz=0: a patch whose context no longer matches (new linux-source version) must fail, not
# land somewhere else.
for p in "${patches[@]}"; do
    say "applying ${p##*/}"
    run patch -p1 --forward --batch --fuzz=0 -d "$src" -i "$p"
done

run make -C "$src" tinyconfig
# -m: merge only (no allnoconfig); olddefconfig then resolves dependencies and defaults.
run "$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" "$here/nimbus.config"
run make -C "$src" olddefconfig

# olddefconfig silently drops options whose dependencies are unmet: every setting of the
# fragment must be in the final .config, or we fail naming the lost options.
lost=()
while IFS= read -r line; do
    if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)= ]]; then
        grep -qxF -- "$line" "$src/.config" || lost+=("$line (got: $(grep -E "^(# )?${BASH_REMATCH[1]}[= ]" "$src/.config" || echo absent))")
    elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set ]]; then
        ! grep -q "^${BASH_REMATCH[1]}=" "$src/.config" || lost+=("$line (got: $(grep "^${BASH_REMATCH[1]}=" "$src/.config"))")
    fi
done <"$here/nimbus.config"
if ((${#lost[@]})); then
    say "options of nimbus.config did not survive olddefconfig (unmet dependencies?):"
    printf '  %s\n' "${lost[@]}" >&2
    exit 1
fi

say "compiling with -j$(nproc)"
run make -C "$src" -j"$(nproc)" vmlinux bzImage

mkdir "$tmp/out"
cp "$src/vmlinux" "$src/arch/x86/boot/bzImage" "$tmp/out/"
cp "$src/.config" "$tmp/out/config"
mv -T "$tmp/out" "$dest"
say "done in $((SECONDS - start)) s"
echo "$dest"
