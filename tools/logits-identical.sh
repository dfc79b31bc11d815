#!/bin/sh
# Checks that a change to mamba.h leaves every logit bit-identical: builds
# examples/logits.c at BASE (a commit) and at the work tree, default and
# -DMAMBA_NO_SIMD, runs both on every model of tests/data/, on the GGUF copies
# of them (make build/tmp/ref-*.gguf), on models/shakespeare-tiny and on Q8_0 /
# Q4_0 GGUFs of it made by mamba-quantize, in step and prefill modes (prefill
# with chunk 64 and chunk 3), and `cmp`s the outputs byte for byte. The GGUF
# models also run through a build with MAMBA_NO_TOKENIZER, MAMBA_NO_WRITER and
# MAMBA_NO_SAFETENSORS (the minimal image's library), compared with the same.
#
#   sh tools/logits-identical.sh BASE_COMMIT [WORKDIR]
#   CC=aarch64-linux-gnu-gcc CFLAGS="-std=c11 -O2 -static" RUN=qemu-aarch64 \
#       sh tools/logits-identical.sh BASE_COMMIT     (the NEON kernels)
#
# Run from the repository root. Prints one line per comparison and a summary;
# exit status 1 if any output differs or any run fails.
set -u
base=${1:?usage: logits-identical.sh BASE_COMMIT [WORKDIR]}
w=${2:-/tmp/logits-identical}
CC=${CC:-cc}
CFLAGS=${CFLAGS:--std=c11 -Wall -Wextra -Wpedantic -Werror -O2 -march=native -fopenmp}
RUN=${RUN:-}
rm -rf "$w"; mkdir -p "$w/base/examples" "$w/out"
git show "$base:mamba.h" > "$w/base/mamba.h" || exit 1
git show "$base:examples/logits.c" > "$w/base/examples/logits.c" || exit 1
git show "$base:examples/quantize.c" > "$w/base/examples/quantize.c" || exit 1
# the examples' shared helpers, where BASE has them
git show "$base:examples/tool.h" > "$w/base/examples/tool.h" 2>/dev/null || rm -f "$w/base/examples/tool.h"
for v in base new; do
    if [ $v = base ]; then src=$w/base/examples; else src=examples; fi
    nice $CC $CFLAGS "$src/logits.c" -o "$w/$v-simd" -lm || exit 1
    nice $CC $CFLAGS -DMAMBA_NO_SIMD "$src/logits.c" -o "$w/$v-nosimd" -lm || exit 1
done
nice $CC $CFLAGS -DMAMBA_NO_TOKENIZER -DMAMBA_NO_WRITER -DMAMBA_NO_SAFETENSORS examples/logits.c -o "$w/new-min" -lm || exit 1
nice $CC $CFLAGS "$w/base/examples/quantize.c" -o "$w/quantize" -lm || exit 1
$RUN "$w/quantize" models/shakespeare-tiny "$w/shakespeare-q8_0.gguf" Q8_0 >/dev/null || exit 1
$RUN "$w/quantize" models/shakespeare-tiny "$w/shakespeare-q4_0.gguf" Q4_0 >/dev/null || exit 1
models=""
for d in tests/data/*/; do
    d=${d%/}
    if [ -f "$d/model.gguf" ]; then models="$models $d/model.gguf"
    elif [ -f "$d/config.json" ]; then models="$models $d"; fi   # (shared/, tokenizer-spm/: data, not models)
done
for g in build/tmp/ref-*.gguf; do [ -f "$g" ] && models="$models $g"; done
models="$models models/shakespeare-tiny $w/shakespeare-q8_0.gguf $w/shakespeare-q4_0.gguf"
# shakespeare: bytes of "ROMEO: What light" as token ids (byte-level vocab)
shk="82 79 77 69 79 58 32 87 104 97 116 32 108 105 103 104 116"
# a model of tests/data without tokens.txt (pt-*): ids every vocabulary there has
small="0 1 2 3 5 8 13 21 34 44 1 0 7"
pass=0 fail=0 nmin=0
for m in $models; do
    dir=$(dirname "$m"); [ -d "$m" ] && dir=$m
    if [ -f "$dir/tokens.txt" ]; then toks=$(head -1 "$dir/tokens.txt"); else toks=$shk; fi
    case $dir in tests/data/*) [ -f "$dir/tokens.txt" ] || toks=$small;; esac   # the PyTorch goldens: vocabularies of 50 and up
    case $m in build/tmp/ref-*) toks=$(head -1 "tests/data/$(basename "$m" .gguf | sed 's/^ref-//')/tokens.txt");; esac
    for b in simd nosimd; do
        for mode in "step" "prefill --chunk 64" "prefill --chunk 3"; do
            tag=$(echo "$m $b $mode" | tr '/ ' '__')
            $RUN "$w/base-$b" --mode $mode "$m" $toks > "$w/out/$tag.base" 2>&1; rb=$?
            $RUN "$w/new-$b" --mode $mode "$m" $toks > "$w/out/$tag.new" 2>&1; rn=$?
            if [ $rb -eq 0 ] && [ $rn -eq 0 ] && [ -s "$w/out/$tag.base" ] && cmp -s "$w/out/$tag.base" "$w/out/$tag.new"; then
                pass=$((pass + 1))
            else
                fail=$((fail + 1)); echo "DIFFERS: $m $b $mode (exit $rb/$rn)"
            fi
            case $m in *.gguf) if [ $b = simd ]; then
                $RUN "$w/new-min" --mode $mode "$m" $toks > "$w/out/$tag.min" 2>&1
                if cmp -s "$w/out/$tag.base" "$w/out/$tag.min"; then pass=$((pass + 1)); nmin=$((nmin + 1))
                else fail=$((fail + 1)); echo "DIFFERS (minimal build): $m $mode"; fi
            fi;; esac
        done
    done
done
echo "logits-identical: $pass identical, $fail differ ($(echo $models | wc -w) models x 2 builds x 3 modes, + $nmin GGUF runs of the minimal build)"
[ $fail -eq 0 ]
