#!/bin/bash
# Greedy continuation of one prompt by llama.cpp (llama-simple, which takes the argmax) and by
# mamba.h (mamba-generate --temp 0) on the same GGUF file, side by side.
# usage: bench/peer/compat.sh SCRATCH FILE.gguf... (from the repository root)
# env: PROMPT ["The quick brown fox jumps over the lazy"]  N [12]
# Prints per file: both continuations, mamba.h's argmax ids, the ids of llama.cpp's text
# re-encoded by mamba-tokenize with the file's own vocabulary, and MATCH or DIFFER (the texts).
set -u
S=${1:?usage: compat.sh SCRATCH FILE.gguf...}; shift
PROMPT=${PROMPT:-"The quick brown fox jumps over the lazy"}; N=${N:-12}
nice -n 10 make -s build/mamba-generate build/mamba-tokenize >/dev/null || exit 2
fails=0
for f in "$@"; do
  lc=$(timeout 600 "$S/llama.cpp/build/bin/llama-simple" -m "$f" -n "$N" "$PROMPT" 2>/dev/null | head -1)
  mh=$(timeout 600 build/mamba-generate -m "$f" -p "$PROMPT" -n "$N" --temp 0 -t 2 2>/dev/null | head -1)
  ids=$(timeout 600 build/mamba-generate -m "$f" -p "$PROMPT" -n "$N" --temp 0 -t 2 --ids 2>/dev/null | head -1)
  ids=${ids#"$PROMPT"}
  lcids=$(printf '%s' "${lc#"$PROMPT"}" | build/mamba-tokenize "$f" 2>/dev/null)
  if [ -n "$lc" ] && [ "$lc" = "$mh" ]; then r=MATCH; else r=DIFFER; fails=$((fails + 1)); fi
  echo "$(basename "$f"): $r"
  echo "  llama.cpp: $lc"
  echo "  mamba.h:   $mh"
  echo "  mamba.h argmax ids:         $ids"
  echo "  llama.cpp text re-encoded:  $lcids"
done
exit $((fails > 0))
