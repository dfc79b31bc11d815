#!/bin/sh
# Source coverage of mamba.h's parsers reached by fuzz corpora.
#   tests/fuzz/coverage.sh [CORPUS_ROOT] [DRIVER...]
# Builds every driver (its plain replay main, no libFuzzer, no sanitizers) with
# clang -fprofile-instr-generate -fcoverage-mapping into build/cov/, replays
# CORPUS_ROOT/<driver>/ through it (default: build/fuzz/corpus/<driver>,
# build/fuzz/seeds/<driver> and tests/corpus/<driver>, those that exist),
# merges the profiles and prints line and region coverage of each parser
# section of mamba.h (sections found by their header comments), for all
# drivers together. Inputs that crash count as a failure in the replay log
# but do not stop the run.
#   MAMBA_FUZZ_DATA      shared data directory (default tests/data/shared)
#   LLVM_PROFDATA, LLVM_COV   tools (default llvm-profdata-14, llvm-cov-14;
#                        Debian's llvm-14 package)
set -u
cd "$(dirname "$0")/../.." || exit 2
root=${1:-}
[ $# -gt 0 ] && shift
drivers=${*:-json safetensors config tokenizer_json encode decode model gguf}
shared=${MAMBA_FUZZ_DATA:-tests/data/shared}
profdata=${LLVM_PROFDATA:-llvm-profdata-14}
cov=${LLVM_COV:-llvm-cov-14}
out=build/cov
for tool in clang "$profdata" "$cov" python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "coverage.sh: $tool not found (Debian: clang, llvm-14, python3)" >&2; exit 2; }
done
rm -rf "$out"
mkdir -p "$out"
objects=
for d in $drivers; do
    clang -std=c11 -O1 -g -fprofile-instr-generate -fcoverage-mapping "tests/fuzz/fuzz_$d.c" -o "$out/fuzz_$d" -lm || exit 2
    if [ -n "$root" ]; then dirs="$root/$d"
    else dirs=; for c in "build/fuzz/corpus/$d" "build/fuzz/seeds/$d" "tests/corpus/$d"; do [ -d "$c" ] && dirs="$dirs $c"; done
    fi
    n=0
    for c in $dirs; do [ -d "$c" ] && n=$((n + $(find "$c" -type f | wc -l))); done
    # %m: one profile per binary, merged online by every forked replay child
    # shellcheck disable=SC2086
    LLVM_PROFILE_FILE="$out/$d-%m.profraw" "$out/fuzz_$d" "$shared" $dirs > "$out/$d.log" 2>&1
    echo "replayed $d: $n inputs, $(tail -n 1 "$out/$d.log")"
    if [ -z "$objects" ]; then objects="$out/fuzz_$d"; else objects="$objects -object $out/fuzz_$d"; fi
done
"$profdata" merge -sparse "$out"/*.profraw -o "$out/all.profdata" || exit 2
# shellcheck disable=SC2086
"$cov" export -format=text -instr-profile="$out/all.profdata" $objects > "$out/export.json" || exit 2
# shellcheck disable=SC2086
"$cov" export -format=lcov -instr-profile="$out/all.profdata" $objects > "$out/export.lcov" || exit 2
python3 - mamba.h "$out/export.json" "$out/export.lcov" <<'EOF'
import json, re, sys
header, js, lcov = sys.argv[1:4]
src = open(header, encoding='utf-8').read().split('\n')
# parser sections: (name, first header comment, header comment that ends it)
sections = [("JSON reader", r"/\* ---- b\. readers: bounded JSON", r"/\* ---- c\. numbers"),
            ("files", r"/\* ---- a'\. files", r"/\* ---- b'\. safetensors"),
            ("safetensors", r"/\* ---- b'\. safetensors", r"/\* ---- b''\. GGUF"),
            ("GGUF reader", r"/\* ---- b''\. GGUF", r"/\* ---- d\. kernels"),
            ("config.json", r"/\* -- config\.json", r"/\* -- binding tensors"),
            ("binding, validation, loaders", r"/\* -- binding tensors", r"/\* ---- f\. state"),
            ("UTF-8, NFC", r"/\* ---- UTF-8", r"/\* ---- tables"),
            ("tokenizer tables", r"/\* ---- tables", r"/\* ---- encoding"),
            ("encode", r"/\* ---- encoding", r"/\* ---- decoding"),
            ("decode", r"/\* ---- decoding", r"/\* ---- queries"),
            ("tokenizer.json, GGUF tokenizer", r"/\* ---- tokenizer\.json", r"/\* ---- h\. sampler")]
def find(pat):
    for i, l in enumerate(src):
        if re.match(pat, l): return i + 1
    sys.exit("coverage.sh: section marker not found: " + pat)
ranges = [(n, find(a), find(b)) for n, a, b in sections]
# lines: lcov DA records of mamba.h (max over objects)
lines, cur = {}, None
for l in open(lcov):
    if l.startswith('SF:'): cur = l[3:].strip().endswith('/mamba.h') or l[3:].strip() == 'mamba.h'
    elif cur and l.startswith('DA:'):
        ln, cnt = l[3:].split(',')[:2]
        lines[int(ln)] = max(lines.get(int(ln), 0), int(cnt))
# regions: code regions of functions in mamba.h, deduplicated by position
regions = {}
for f in json.load(open(js))['data'][0]['functions']:
    for r in f['regions']:
        ls, cs, le, ce, cnt, fid, _, kind = r[:8]
        if kind != 0 or not f['filenames'][fid].endswith('mamba.h'): continue
        k = (ls, cs, le, ce)
        regions[k] = max(regions.get(k, 0), cnt)
print("%-44s %18s %18s" % ("section (lines of mamba.h)", "lines covered", "regions covered"))
tl = tlc = tr = trc = 0
for n, a, b in ranges:
    L = [c for ln, c in lines.items() if a <= ln < b]
    R = [c for k, c in regions.items() if a <= k[0] < b]
    lc, rc = sum(1 for c in L if c), sum(1 for c in R if c)
    tl += len(L); tlc += lc; tr += len(R); trc += rc
    pct = lambda x, y: 100.0 * x / y if y else 0.0
    print("%-44s %6d/%5d %5.1f%% %6d/%5d %5.1f%%" % ("%s (%d-%d)" % (n, a, b - 1), lc, len(L), pct(lc, len(L)), rc, len(R), pct(rc, len(R))))
print("%-44s %6d/%5d %5.1f%% %6d/%5d %5.1f%%" % ("all parser sections", tlc, tl, 100.0 * tlc / max(tl, 1), trc, tr, 100.0 * trc / max(tr, 1)))
EOF
echo "details: $cov show -instr-profile=$out/all.profdata $objects mamba.h"
