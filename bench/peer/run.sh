#!/bin/bash
# mamba.h beside llama.cpp on the SAME GGUF files, same machine, interleaved runs.
# Not part of `make test` / `make bench`: it needs a llama.cpp build and the model files
# in a scratch directory (see bench/peer/README.md for how to make them).
#
# usage: bench/peer/run.sh SCRATCH [OUT]        (run from the repository root; builds
#        build/mamba-peerbench, the driver in bench/peer/peerbench.c)
#   SCRATCH  holds llama.cpp/build/bin/llama-bench and gguf/{lc,mh}-SHAPE-TYPE.gguf
#   OUT      result directory (default SCRATCH/res-peer-<date>); raw.txt + table.md
# environment (defaults in brackets):
#   SHAPES ["130m 1.4b"]   FILES ["lc-F16 lc-Q8_0 lc-Q4_0 lc-Q4_K_M lc-Q6_K mh-Q8_0 mh-Q4_0 mh-Q4_K"]
#   FILES14 ["lc-F16 lc-Q8_0 lc-Q4_0 lc-Q4_K_M lc-Q6_K mh-Q8_0"]: the files at the 1.4b shape
#   THREADS ["1 2"]   NPROMPT [512]   NGEN [32]
#   ROUNDS [2 at 130m, 1 at 1.4b]: invocations of each engine per point, alternating
#   REPS [2 at 130m, 1 at 1.4b]: measured runs per invocation (after its warm-up run)
# The defaults are sized for ~15 min on an idle 2-vCPU machine (an estimate from the loaded
# runs, not measured idle); under load it takes 2-3x longer.
#   SKIP_DECODE=1 to time prefill only (KINDS=tg: decode only).
# Every (shape, file, threads) point runs ROUNDS rounds of
#   llama-bench pp  |  mamba-peerbench pp  |  llama-bench tg  |  mamba-peerbench tg
# (the engine that goes first alternates by round: A B B A A B ...), so each llama.cpp figure
# has a mamba.h figure taken seconds apart; the table gives medians of both engines' tok/s and
# the median and min of the ratio ours/llama over the pairs (round r, run j).
# The load average is logged beside every run. Files that are missing are skipped.
set -u
S=${1:?usage: bench/peer/run.sh SCRATCH [OUT]}
S=$(cd "$S" && pwd)
OUT=${2:-$S/res-peer-$(date -u +%Y%m%d-%H%M)}
mkdir -p "$OUT"
LB=$S/llama.cpp/build/bin/llama-bench
[ -x "$LB" ] || { echo "no $LB (build llama.cpp first: bench/peer/README.md)"; exit 2; }
nice -n 10 make -s build/mamba-peerbench >/dev/null || exit 2   # bench/peer/peerbench.c
MB=$(pwd)/build/mamba-peerbench
SHAPES=${SHAPES:-"130m 1.4b"}
FILES=${FILES:-"lc-F16 lc-Q8_0 lc-Q4_0 lc-Q4_K_M lc-Q6_K mh-Q8_0 mh-Q4_0 mh-Q4_K"}
FILES14=${FILES14:-"lc-F16 lc-Q8_0 lc-Q4_0 lc-Q4_K_M lc-Q6_K mh-Q8_0"}
THREADS=${THREADS:-"1 2"}
NP=${NPROMPT:-512}
NG=${NGEN:-32}
RAW=$OUT/raw.txt
load() { cut -d' ' -f1 /proc/loadavg; }
{
  echo "# $(date -u +%FT%TZ) $(uname -m) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
  echo "# mamba.h $(git rev-parse --short HEAD 2>/dev/null) llama.cpp $(cat "$S/llama.cpp/COMMIT" 2>/dev/null || echo '?')"
  echo "# columns: shape file threads kind engine round.run tok/s load1"
} > "$RAW"
# llama-bench: its warm-up run, then REPS measured runs; prints each run's tok/s (samples_ts)
lbench() { # file threads kind reps
  local a
  if [ "$3" = pp ]; then a="-p $NP -n 0"; else a="-p 0 -n $NG"; fi
  "$LB" -m "$1" $a -t "$2" -r "$4" -o jsonl 2>/dev/null | sed -n 's/.*"samples_ts": \[ \([^]]*\) \].*/\1/p' | tr -d ,
}
# mamba.h: the same (bench/peer/peerbench.c: a warm-up run, then REPS measured runs)
mbench() { # file threads kind reps
  local a
  if [ "$3" = pp ]; then a="-p $NP -n 0"; else a="-p 0 -n $NG"; fi
  "$MB" -m "$1" $a -t "$2" -r "$4" 2>/dev/null | awk '{ printf "%s ", $4 }'
}
# one invocation of ENGINE: a line per measured run into raw.txt
one() { # engine file-path shape file-tag threads kind round reps
  local v j=0 x
  if [ "$1" = llama.cpp ]; then v=$(lbench "$2" "$5" "$6" "$8"); else v=$(mbench "$2" "$5" "$6" "$8"); fi
  [ -n "$v" ] || v=FAIL
  for x in $v; do j=$((j + 1)); echo "$3 $4 $5 $6 $1 $7.$j $x $(load)" >> "$RAW"; done
}
KINDS=${KINDS:-"pp tg"}; [ "${SKIP_DECODE:-0}" = 1 ] && KINDS=pp
echo "start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg) -> $OUT"
for shape in $SHAPES; do
  if [ "$shape" = 1.4b ]; then R=${ROUNDS:-1}; K=${REPS:-1}; FL=$FILES14; else R=${ROUNDS:-2}; K=${REPS:-2}; FL=$FILES; fi
  for f in $FL; do
    g=$S/gguf/${f%%-*}-$shape-${f#*-}.gguf
    [ -f "$g" ] || { echo "skip $g (missing)"; continue; }
    echo "== $shape $f  $(date -u +%T)  load $(cut -d' ' -f1-3 /proc/loadavg)"
    for th in $THREADS; do
      for r in $(seq "$R"); do
        for k in $KINDS; do
          # A B in odd rounds, B A in even ones, so neither engine always runs first
          if [ $((r % 2)) = 1 ]; then E="llama.cpp mamba.h"; else E="mamba.h llama.cpp"; fi
          for e in $E; do one $e "$g" "$shape" "$f" "$th" "$k" "$r" "$K"; done
        done
      done
    done
  done
done
echo "end $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$(dirname "$0")/table.py" "$RAW" | tee "$OUT/table.md"
