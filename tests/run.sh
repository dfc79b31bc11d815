#!/bin/sh
# Runs each test binary, echoes its output, and adds up the closing
# "N passed, N failed" lines into one. A binary that crashes or prints no
# closing line counts as one failure.
#   vg:BINARY        under valgrind memcheck: any error or definite, indirect
#                    or possible leak makes the exit status 99 (one failure);
#                    MAMBA_TEST_QUICK=1 leaves out long numeric-only checks
#   vgtools:BINARY   BINARY (test_cli) runs the tools of build/vg/ under it
#   fuzz:BINARY      a fuzz replay (build/fuzz_replay_NAME): the seeds
#                    build/fuzz/seeds/NAME/ and tests/corpus/NAME/ if present
#   RUNNER:BINARY    e.g. qemu-aarch64:build/test_goldens_neon; a qemu* runner
#                    with MAMBA_TEST_QUICK=1 too: the emulated NEON build checks
#                    its kernels on the goldens, and the native build keeps
#                    the long numeric-only checks (test_goldens' 4,096-byte
#                    held-out perplexity was 107 s of qemu time)
shared=$1; shift
passed=0; failed=0
vg="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible"
for t in "$@"; do
    echo "== $t"
    start=$(date +%s)
    case "$t" in
        vg:*) out=$(MAMBA_TEST_QUICK=1 $vg "${t#*:}" "$shared" 2>&1); rc=$? ;;
        fuzz:*) b=${t#*:}; n=${b##*fuzz_replay_}; c=; [ -d "tests/corpus/$n" ] && c="tests/corpus/$n"
                out=$("$b" "$shared" "build/fuzz/seeds/$n" $c 2>&1); rc=$? ;;
        vgtools:*) out=$(MAMBA_TEST_TOOLS=build/vg MAMBA_TEST_WRAP="$vg" "${t#*:}" "$shared" 2>&1); rc=$? ;;
        qemu*:*) out=$(MAMBA_TEST_QUICK=1 "${t%%:*}" "${t#*:}" "$shared" 2>&1); rc=$? ;;
        *:*) out=$("${t%%:*}" "${t#*:}" "$shared" 2>&1); rc=$? ;;
        *)   out=$("$t" "$shared" 2>&1); rc=$? ;;
    esac
    printf '%s\n' "$out" | grep -v 'passed, .* failed$'
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
    if [ -z "$line" ]; then
        echo "$t: no summary line (exit status $rc)"; failed=$((failed + 1)); continue
    fi
    p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
    echo "   $line ($(($(date +%s) - start)) s)"
    case "$t" in   # a replay of nothing tests nothing (no seeds made?)
        fuzz:*) if [ "$((p + f))" -eq 0 ]; then echo "$t: replayed no input"; f=1; fi ;;
    esac
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then echo "$t: exit status $rc"; failed=$((failed + 1)); fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
