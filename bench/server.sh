#!/bin/sh
# mamba-server benchmark: aggregate generated tok/s and p50/p99 time to first
# token at 1, 4, 16 and 64 concurrent streaming clients, on the bundled model
# and on a 130m-shaped Q8_0 model (random weights, bench/server_model.c), each
# with no system prompt and with a shared 1,000-token system prompt, prefix
# cache on and off. Then the long load test (64 clients, 60 s).
#   sh bench/server.sh [table|load|all]      (default all; make bench-server)
# Env: THREADS (default 1), SLOTS (default 64), SERVER (default
# build/mamba-server; e.g. a -DSERVER_BATCH=1 build), FULL=1 also runs the slowest
# cell (130m, 1,000-token prompt, cache off, 64 clients: ~64k prompt tokens).
# Needs node (the client is bench/server_bench.mjs, no packages).
cd "$(dirname "$0")/.." || exit 1
what=${1:-all}
T=${THREADS:-1}
NP=${SLOTS:-64}
SRVBIN=${SERVER:-./build/mamba-server}
make -s build/mamba-server build/mamba-generate build/mamba-quantize || exit 1
mkdir -p build/tmp/server
Q8=build/bench-130m-q8_0.gguf
if [ ! -f $Q8 ] && [ "$what" != load ]; then
    cc -std=c11 -O2 bench/server_model.c -o build/server_model -lm || exit 1
    mkdir -p build/bench-130m
    ./build/server_model build/bench-130m && ./build/mamba-quantize build/bench-130m $Q8 Q8_0 | tail -n 1 || exit 1
    rm -f build/bench-130m/model.safetensors
fi
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null' EXIT
start() {   # model, args...
    m=$1; shift
    : > build/tmp/server/bench.log
    "$SRVBIN" -m "$m" --port 0 -t "$T" -np "$NP" --queue 256 "$@" 2>build/tmp/server/bench.log &
    pid=$!
    port=
    while [ -z "$port" ]; do
        sleep 0.2
        port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' build/tmp/server/bench.log)
        kill -0 $pid 2>/dev/null || { cat build/tmp/server/bench.log; exit 1; }
    done
}
stop() { kill -TERM "$pid"; wait "$pid"; pid=; }

if [ "$what" != load ]; then
    echo "# mamba-server bench: $SRVBIN -t $T -np $NP, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    printf '%-18s %-6s %-6s %4s %9s %9s %9s %8s\n' model system cache C 'tok/s' 'TTFT p50' 'TTFT p99' 'reused'
    for model in tiny 130m-q8_0; do
        if [ $model = tiny ]; then path=models/shakespeare-tiny; n=32; base=8; else path=$Q8; n=16; base=4; fi
        for cfg in "0 on" "1000 on" "1000 off"; do
            sys=${cfg% *}; cache=${cfg#* }
            if [ "$cache" = on ]; then start "$path" --cache-mib 512; else start "$path" --cache-mib 0; fi
            for c in 1 4 16 64; do
                if [ $model != tiny ] && [ $sys = 1000 ] && [ $cache = off ] && [ $c = 64 ] && [ -z "${FULL:-}" ]; then
                    printf '%-18s %-6s %-6s %4s   (not run: FULL=1)\n' $model $sys $cache $c; continue
                fi
                r=$((base / c)); [ $r -lt 1 ] && r=1
                out=$(node bench/server_bench.mjs "$port" $c $r $n $sys)
                echo "$out" >> build/tmp/server/bench.jsonl
                echo "$out" | node -e '
                    const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
                    const [m, s, c] = process.argv.slice(1);
                    console.log(`${m.padEnd(18)} ${s.padEnd(6)} ${c.padEnd(6)} ${String(j.clients).padStart(4)} ${j.tok_per_s.toFixed(1).padStart(9)} ` +
                      `${(j.ttft_p50_ms + " ms").padStart(9)} ${(j.ttft_p99_ms + " ms").padStart(9)} ${String(j.cache_hit_tokens).padStart(8)}` +
                      (j.errors ? `  ${j.errors} ERRORS` : ""));' $model $sys $cache
            done
            stop
        done
    done
fi
if [ "$what" != table ]; then
    [ -d tests/server/node_modules/openai ] || (cd tests/server && npm ci --no-audit --no-fund >/dev/null)
    start models/shakespeare-tiny -np 16 --cache-mib 16
    echo "# long load test: 64 clients x 40 requests, at most 60 s (tests/server/load.mjs)"
    node tests/server/load.mjs "$port" models/shakespeare-tiny build/mamba-generate 64 40 60
    stop
fi
