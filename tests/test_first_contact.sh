#!/bin/sh
# What a new user meets first, on a fresh clone: plain `make` builds the tools,
# `make help` lists the targets, and nothing the tests, benchmarks or CI run
# reads outside the repository (the public data is in tests/data/shared).
#   sh tests/test_first_contact.sh [SHARED_DATA_DIR]   (run from the repo root)
# Ends with "N passed, N failed".
passed=0; failed=0
ok()  { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
# a make of our own, not a sub-make of the one running us
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory "$@"; }

# 1. the default goal builds every tool (and not the firmware's model)
out=$(mk -n -B 2>&1)
for t in generate logits tokenize perplexity quantize; do
    case "$out" in *"-o build/mamba-$t "*) ok ;; *) bad "plain make does not build build/mamba-$t" ;; esac
done
case "$out" in *fw-model*) bad "plain make builds the firmware model" ;; *) ok ;; esac

# 2. make help: exit 0, every target a user needs
out=$(mk help 2>&1); rc=$?
[ "$rc" -eq 0 ] && ok || bad "make help: exit status $rc"
for t in run check test bench install clean; do
    printf '%s\n' "$out" | grep -q "^make $t " && ok || bad "make help does not list make $t"
done

# 3. self-contained: the data directory is in the repository, and no recipe
#    of test, check, bench or CI names anything outside it
out=$(mk -n -B test check bench 2>&1)
case "$out" in *../shared*) bad "make test/check/bench name ../shared: $(printf '%s\n' "$out" | grep -m1 '\.\./shared')" ;; *) ok ;; esac
shared=$(mk -p -n help 2>/dev/null | sed -n 's/^SHARED *?*= *//p' | head -n 1)
[ "$shared" = tests/data/shared ] && ok || bad "SHARED defaults to '$shared', not tests/data/shared"
hits=$(grep -rlnE --exclude-dir=node_modules '\.\./shared|/work/shared' Makefile .ci tests bench examples tools 2>/dev/null | grep -v '\.md$' | grep -v test_first_contact.sh)   # node_modules: npm's, not ours
[ -z "$hits" ] && ok || bad "files that name ../shared: $hits"
for f in tokenizer-gpt-neox-20b.json tokenizer-falcon.json tokenizer-goldens/neox-public.jsonl \
         tokenizer-goldens/falcon-public.jsonl reference/m1-tiny/model.safetensors reference/m1-tiny/logits.txt \
         reference/m1-tiny/m1-tiny-Q8_0.gguf tinyshakespeare.txt README.md; do
    [ -s "tests/data/shared/$f" ] && ok || bad "tests/data/shared/$f missing"
done
git ls-files --error-unmatch tests/data/shared/reference/m1-tiny/model.safetensors >/dev/null 2>&1 && ok ||
    bad "tests/data/shared is not committed"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
