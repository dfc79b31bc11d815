#!/bin/bash
# mamba.h beside llama.cpp on the SAME GGUF files, same machine, interleaved runs.
# Not part of `make test` / `make bench`: it needs a llama.cpp build and the model files
# in a scratch directory (see bench/peer/README.md for how to make them).
#
# usage: bench/peer/run.sh SCRATCH [OUT]        (run from the repository root)
#   SCRATCH  holds llama.cpp/build/bin/llama-bench and gguf/{lc,mh}-SHAPE-TYPE.gguf
#   OUT      result directory (default SCRATCH/res-peer-<date>); raw.txt + table.md
# environment (defaults in brackets):
#   SHAPES ["130m 1.4b"]   FILES ["lc-F16 lc-Q8_0 lc-Q4_0 lc-Q4_K_M lc-Q6_K mh-Q8_0 mh-Q4_0 mh-Q4_K"]
#   THREADS ["1 2"]   ROUNDS [3 for 130m, 2 for 1.4b]   NPROMPT [512]   NGEN [32]
#   SKIP_DECODE=1 to time prefill only.
# Every (shape, file, threads) point runs ROUNDS rounds of
#   llama-bench pp  |  mamba-generate prefill  |  llama-bench tg  |  mamba-generate decode
# so each llama.cpp figure has a mamba.h figure taken seconds apart (A B A B ...); the table
# gives medians of both engines' tok/s and the median and min of the per-round ratio ours/llama.
# The load average is logged beside every run. Files that are missing are skipped.
set -u
S=${1:?usage: bench/peer/run.sh SCRATCH [OUT]}
S=$(cd "$S" && pwd)
OUT=${2:-$S/res-peer-$(date -u +%Y%m%d-%H%M)}
mkdir -p "$OUT"
LB=$S/llama.cpp/build/bin/llama-bench
[ -x "$LB" ] || { echo "no $LB (build llama.cpp first: bench/peer/README.md)"; exit 2; }
[ -x build/mamba-generate ] || nice -n 10 make build/mamba-generate >/dev/null || exit 2
MG=$(pwd)/build/mamba-generate
SHAPES=${SHAPES:-"130m 1.4b"}
FILES=${FILES:-"lc-F16 lc-Q8_0 lc-Q4_0 lc-Q4_K_M lc-Q6_K mh-Q8_0 mh-Q4_0 mh-Q4_K"}
THREADS=${THREADS:-"1 2"}
NP=${NPROMPT:-512}
NG=${NGEN:-32}
# prompt ids for mamba.h: NP ids spread over the vocabulary (llama-bench uses random ids;
# a Mamba's work does not depend on which ids)
PRE_IDS=$(awk -v n="$NP" 'BEGIN { for (i = 0; i < n; i++) printf "%d ", 1 + (i * 7919) % 50000 }')
DEC_IDS="510"
RAW=$OUT/raw.txt
load() { cut -d' ' -f1 /proc/loadavg; }
{
  echo "# $(date -u +%FT%TZ) $(uname -m) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
  echo "# mamba.h $(git rev-parse --short HEAD 2>/dev/null) llama.cpp $(cat "$S/llama.cpp/COMMIT" 2>/dev/null || echo '?')"
  echo "# columns: shape file threads kind engine round tok/s load1"
} > "$RAW"
# llama-bench: one measured run (-r 1) after its own warm-up run; prints avg_ts in CSV
lbench() { # file threads kind
  local a
  if [ "$3" = pp ]; then a="-p $NP -n 0"; else a="-p 0 -n $NG"; fi
  "$LB" -m "$1" $a -t "$2" -r 1 -o csv 2>/dev/null | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "\"avg_ts\"") c = i }
                                                      NR == 2 && c { gsub(/"/, "", $c); print $c }'
}
# mamba.h: the tok/s mamba-generate prints on its last stderr line
mbench() { # file threads kind
  if [ "$3" = pp ]; then
    "$MG" -m "$1" -i "$PRE_IDS" -n 1 --temp 0 -t "$2" --ids 2>&1 >/dev/null | tail -1 | sed -n 's/.*prompt [0-9]* tokens, \([0-9.]*\) tok\/s.*/\1/p'
  else
    "$MG" -m "$1" -i "$DEC_IDS" -n "$NG" --temp 0 -t "$2" --ids 2>&1 >/dev/null | tail -1 | sed -n 's/.*generated [0-9]* tokens, \([0-9.]*\) tok\/s.*/\1/p'
  fi
}
KINDS="pp tg"; [ "${SKIP_DECODE:-0}" = 1 ] && KINDS=pp
echo "start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg) -> $OUT"
for shape in $SHAPES; do
  R=${ROUNDS:-$([ "$shape" = 1.4b ] && echo 2 || echo 3)}
  for f in $FILES; do
    g=$S/gguf/${f%%-*}-$shape-${f#*-}.gguf
    [ -f "$g" ] || { echo "skip $g (missing)"; continue; }
    echo "== $shape $f  $(date -u +%T)  load $(cut -d' ' -f1-3 /proc/loadavg)"
    for th in $THREADS; do
      for r in $(seq "$R"); do
        for k in $KINDS; do
          v=$(lbench "$g" "$th" "$k"); echo "$shape $f $th $k llama.cpp $r ${v:-FAIL} $(load)" >> "$RAW"
          v=$(mbench "$g" "$th" "$k"); echo "$shape $f $th $k mamba.h $r ${v:-FAIL} $(load)" >> "$RAW"
        done
      done
    done
  done
done
echo "end $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$(dirname "$0")/table.py" "$RAW" | tee "$OUT/table.md"
