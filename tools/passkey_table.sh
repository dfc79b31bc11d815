#!/bin/sh
# The LongMamba passkey table (issue 20, docs/longmamba.md "L.6 Measured").
#   sh tools/passkey_table.sh MODEL OUTDIR [C ...]
# MODEL: a byte-level model trained by tools/train_passkey.py at 256 bytes.
# Writes into OUTDIR: test prompts (200 per length, seed 20), calibration text
# (64 passkey sequences of 256 bytes, seed 7), one calibration per C
# (default: 0.5, the mamba-longcal default), per-trial results, and prints one
# line per (length, setting) with passkey-eval's last line and the wall time.
# Needs build/passkey-eval and build/mamba-longcal; runs on one thread, niced.
set -e
M=$1; OUT=$2
[ -n "$M" ] && [ -n "$OUT" ] || { echo "usage: sh tools/passkey_table.sh MODEL OUTDIR [C ...]" >&2; exit 2; }
shift 2
[ $# -gt 0 ] || set -- 0.5
PY=/usr/bin/python3
mkdir -p "$OUT"
for L in 256 1024 4096 16384; do
    [ -s "$OUT/pk$L.txt" ] || $PY tools/train_passkey.py prompts --len $((L - 5)) --n 200 --seed 20 > "$OUT/pk$L.txt"
done
# calibration text: prompt + answer of 64 training-format sequences, 256 bytes
# each, back to back, so mamba-longcal's 64 evenly spaced windows are exactly them
[ -s "$OUT/cal256.txt" ] || $PY tools/train_passkey.py prompts --len 251 --n 64 --seed 7 | tr -d '\t\n' > "$OUT/cal256.txt"
for C in "$@"; do
    nice -n 10 build/mamba-longcal -m "$M" -f "$OUT/cal256.txt" --train-len 256 --windows 64 \
        --channel-threshold "$C" -t 1 -o "$OUT/cal-c$C.bin" 2>/dev/null | sed "s/^/C=$C calibration: /"
done
run() {  # run NAME LEN [--long CAL]
    name=$1; L=$2; shift 2
    t0=$(date +%s)
    nice -n 10 build/passkey-eval -m "$M" -f "$OUT/pk$L.txt" -t 1 -v "$@" > "$OUT/res-$name-$L.txt"
    t1=$(date +%s)
    echo "len=$L setting=$name $(tail -n 1 "$OUT/res-$name-$L.txt") wall=$((t1 - t0))s"
}
for L in 256 1024 4096 16384; do
    run plain $L
    for C in "$@"; do run "c$C" $L --long "$OUT/cal-c$C.bin"; done
done
