#!/bin/sh
# Runs each test binary, echoes its output, and adds up the closing
# "N passed, N failed" lines into one. A binary that crashes or prints no
# closing line counts as one failure.
shared=$1; shift
passed=0; failed=0
for t in "$@"; do
    echo "== $t"
    case "$t" in   # "runner:binary", e.g. qemu-aarch64:build/test_model_neon
        *:*) out=$("${t%%:*}" "${t#*:}" "$shared" 2>&1); rc=$? ;;
        *)   out=$("$t" "$shared" 2>&1); rc=$? ;;
    esac
    printf '%s\n' "$out" | grep -v 'passed, .* failed$'
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
    if [ -z "$line" ]; then
        echo "$t: no summary line (exit status $rc)"; failed=$((failed + 1)); continue
    fi
    p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
    echo "   $line"
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then echo "$t: exit status $rc"; failed=$((failed + 1)); fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
