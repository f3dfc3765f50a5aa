#!/usr/bin/env bash
# Runs guest_block against a 1 MiB raw image holding a known pattern, then checks the image byte for
# byte: read-write, the guest's sectors 8-15, zeros in 64-135 (sectors 64-127 punched out: the file
# is sparse there); read-only, the image is unchanged (sha256).
# usage: guest_block.sh NIMBUS GUEST rw|ro
set -euo pipefail
nimbus=$1 guest=$2 mode=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
image=$work/block-test.img

python3 - "$image" <<'PY'
import sys
# byte o = (o % 251) ^ (o // 512): what tests/guests/block.c expects
data = bytes(((o % 251) ^ ((o >> 9) & 0xff)) for o in range(1 << 20))
open(sys.argv[1], "wb").write(data)
PY
before=$(sha256sum <"$image")
option=$image
[[ $mode == ro ]] && option=$image,ro
"$nimbus" run --kernel "$guest" --disk "$option" --cmdline "acpi=off" </dev/null
echo "host: nimbus exited with status 0"

if [[ $mode == ro ]]; then
    [[ $(sha256sum <"$image") == "$before" ]] || { echo "host: FAIL: the read-only image changed"; exit 1; }
    echo "host: read-only image unchanged"
    exit 0
fi
python3 - "$image" "$work/expected.img" <<'PY'
import sys
data = bytearray(((o % 251) ^ ((o >> 9) & 0xff)) for o in range(1 << 20))
data[8 * 512:16 * 512] = bytes(((i * 3) ^ 0x5a) & 0xff for i in range(4096))
data[64 * 512:136 * 512] = bytes(72 * 512)
open(sys.argv[2], "wb").write(data)
PY
cmp "$image" "$work/expected.img" && echo "host: image matches byte for byte"
allocated=$(( $(stat -c %b "$image") * $(stat -c %B "$image") ))
if (( allocated <= (1 << 20) - 32768 )); then
    echo "host: image is sparse after discard ($allocated bytes allocated)"
else
    echo "host: FAIL: $allocated bytes allocated after discarding 32 KiB"
    exit 1
fi
