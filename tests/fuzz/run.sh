#!/bin/sh
# Builds every libFuzzer driver, makes the seeds, and fuzzes each driver in
# turn (one process, no -jobs/-workers) for SECONDS (default 15), or for
# FUZZ_RUNS executions when that is set (the long run: FUZZ_RUNS=10000000).
#   tests/fuzz/run.sh [SECONDS_PER_DRIVER] [DRIVER...]
# Inputs: build/fuzz/corpus/<driver>/ (the growing corpus, kept between runs),
# the generated seeds and tests/corpus/<driver>/ (crashes found before).
# Writes build/fuzz/fuzz_<driver> (binaries), build/fuzz/logs/<driver>.log and
# build/fuzz/crashes/<driver>/ (crash-*, timeout-*, leak-*, oom-*). Exits 1,
# naming the files, if any driver found something in this run or did not
# finish cleanly. `make fuzz-ci` runs it for 15 s a driver (11 drivers: about 3.5 minutes with the builds).
#   MAMBA_FUZZ_DATA   shared data directory (default tests/data/shared)
#   FUZZ_CC, FUZZ_CFLAGS   compiler (default clang) and extra flags
set -u
cd "$(dirname "$0")/../.." || exit 2
secs=${1:-15}
runs=${FUZZ_RUNS:-}
if [ -n "$runs" ]; then budget="-runs=$runs"; what="$runs executions"; else budget="-max_total_time=$secs"; what="${secs}s"; fi
[ $# -gt 0 ] && shift
drivers=${*:-json safetensors config tokenizer_json encode decode model gguf state spm torch}
cc=${FUZZ_CC:-clang}
common="-g -O1 -fno-sanitize-recover=all -march=native -std=c11 -DMAMBA_FUZZ_LIBFUZZER ${FUZZ_CFLAGS:-}"
flags="-fsanitize=fuzzer,address,undefined $common"

# The library is compiled once (tests/fuzz/impl.c, the same instrumentation)
# and linked to the drivers that use only its public API; json and torch call
# internals and encode sets MAMBA__WC_MIN, so they include it themselves. The
# compiles run $jobs at a time (one per core).
jobs=$(nproc 2>/dev/null || echo 1)
mkdir -p build/fuzz/logs
pids=; n=0
# shellcheck disable=SC2086
compile() {
    echo "build $1"
    shift
    $cc "$@" &
    pids="$pids $!"; n=$((n + 1))
    [ "$n" -ge "$jobs" ] && settle
    return 0
}
settle() {
    for p in $pids; do wait "$p" || exit 2; done
    pids=; n=0
}
# shellcheck disable=SC2086
compile build/fuzz/mamba.o -fsanitize=fuzzer-no-link,address,undefined $common -c tests/fuzz/impl.c -o build/fuzz/mamba.o
for d in $drivers; do
    case $d in
        json|torch|encode) compile "fuzz_$d" $flags "tests/fuzz/fuzz_$d.c" -o "build/fuzz/fuzz_$d" -lm ;;
    esac
done
settle
for d in $drivers; do
    case $d in
        json|torch|encode) ;;
        *) compile "fuzz_$d" $flags -DMAMBA_IMPLEMENTATION_INCLUDED "tests/fuzz/fuzz_$d.c" build/fuzz/mamba.o -o "build/fuzz/fuzz_$d" -lm ;;
    esac
done
settle
sh tests/fuzz/make_seeds.sh || exit 2

failed=
start=build/fuzz/.run-start
touch "$start"
for d in $drivers; do
    # input caps: big enough for every seed that matters, small enough to
    # keep the executions fast (encode: the word cache starts at 64 bytes in
    # the driver; gguf: tiny generated models; model: a list of edits)
    case $d in
        safetensors|torch) max_len=131072 ;;
        encode) max_len=1024 ;;
        model) max_len=4096 ;;
        *) max_len=65536 ;;
    esac
    case $d in
        json|safetensors|config|tokenizer_json) dict=-dict=tests/fuzz/json.dict ;;
        encode) dict=-dict=tests/fuzz/text.dict ;;
        gguf) dict=-dict=tests/fuzz/gguf.dict ;;
        torch) dict=-dict=tests/fuzz/torch.dict ;;
        *) dict= ;;
    esac
    mkdir -p "build/fuzz/corpus/$d" "build/fuzz/crashes/$d"
    echo "fuzz $d for $what (max_len $max_len)"
    # the first directory receives new inputs; the seeds stay as generated
    # shellcheck disable=SC2086
    extra=
    [ -d "tests/corpus/$d" ] && extra="tests/corpus/$d"
    # shellcheck disable=SC2086
    "build/fuzz/fuzz_$d" $budget -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="build/fuzz/crashes/$d/" $dict \
        "build/fuzz/corpus/$d" "build/fuzz/seeds/$d" $extra > "build/fuzz/logs/$d.log" 2>&1
    rc=$?
    [ "$rc" -ne 0 ] && failed="$failed $d(exit $rc)"
    last=$(grep -E '^#[0-9]+' "build/fuzz/logs/$d.log" | tail -n 1 | sed 's/ *lim:.*//; s/ *exec\/s:.*//')
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build/fuzz/logs/$d.log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "build/fuzz/logs/$d.log")
    echo "   $d: exit $rc, ${execs:-?} execs, ${rate:-?} exec/s, last: $last"
done

found=$(find build/fuzz/crashes -type f -newer "$start" | sort)
if [ -n "$found" ] || [ -n "$failed" ]; then
    echo "FOUND (see build/fuzz/logs/<driver>.log):"
    [ -n "$found" ] && printf '  %s\n' $found
    [ -n "$failed" ] && echo "  drivers that did not finish cleanly:$failed"
    exit 1
fi
echo "no crashes"
