#!/bin/sh
# mamba-server driven by real clients on an ephemeral loopback port: the
# openai npm package (tests/server/clients.mjs), curl, raw-socket hostile
# clients (tests/server/faults.py), a 64-client load test (load.mjs), and
# SIGTERM/SIGINT with requests in flight. Ends with "N passed, N failed".
#   sh tests/test_server.sh [SHARED]        (SHARED is not used)
# Needs node, npm (it runs `npm ci` in tests/server when node_modules is missing;
# .ci/run does it too), python3, curl.
# MAMBA_SERVER_SAN=build/mamba-server_san (made by make test) also runs the
# fault tests against the ASan+UBSan build, which must exit 0 without leaks.
cd "$(dirname "$0")/.." || exit 1
SRV=${MAMBA_SERVER_BIN:-build/mamba-server}
GEN=build/mamba-generate
MODEL=models/shakespeare-tiny
TMP=build/tmp/server
mkdir -p "$TMP"
pass=0; fail=0; pid=
ok()   { pass=$((pass + 1)); echo "ok - $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL - $1"; }
check() { if [ "$1" -eq 0 ]; then ok "$2"; else bad "$2"; fi; }
# counts the "ok - " / "FAIL - " lines of a client program; its exit status too
run_client() {   # name, command...
    name=$1; shift
    out=$("$@" 2>&1); rc=$?
    printf '%s\n' "$out"
    p=$(printf '%s\n' "$out" | grep -c '^ok - '); f=$(printf '%s\n' "$out" | grep -c '^FAIL - ')
    pass=$((pass + p)); fail=$((fail + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then bad "$name exited with status $rc"; fi
}
start() {   # binary, log, args...: sets pid and port
    bin=$1; log=$2; shift 2
    : > "$log"   # empty now, not when the child gets to it: no stale port
    "$bin" -m "${MODEL}" --port 0 -t 1 "$@" 2>"$log" &
    pid=$!
    port=
    i=0
    while [ $i -lt 100 ] && [ -z "$port" ]; do
        port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log")
        [ -z "$port" ] && sleep 0.1
        i=$((i + 1))
    done
    if [ -z "$port" ]; then bad "$bin did not start: $(cat "$log")"; kill "$pid" 2>/dev/null; return 1; fi
    grep -q 'listening on http://127.0.0.1:' "$log"
}
stop() {   # signal, name: the server must exit 0
    kill -"$1" "$pid"
    wait "$pid"; rc=$?
    check $rc "$2: $1 -> exit status 0 (got $rc)"
    pid=
}
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null' EXIT

for tool in node python3 curl; do
    command -v $tool >/dev/null 2>&1 || bad "$tool is not installed (.ci/run installs it)"
done
# a fresh clone has no node_modules: the pinned client from the lock file, once
if [ ! -d tests/server/node_modules/openai ] && command -v npm >/dev/null 2>&1; then
    echo "# tests/server/node_modules missing: npm ci (the openai version in package-lock.json)"
    (cd tests/server && npm ci --no-audit --no-fund >/dev/null 2>&1) || echo "# npm ci failed (no npm registry?)"
fi
[ -d tests/server/node_modules/openai ] || bad "tests/server/node_modules/openai missing: run (cd tests/server && npm ci)"
[ -x "$SRV" ] && [ -x "$GEN" ] || { bad "build $SRV and $GEN first"; echo "$pass passed, $fail failed"; exit 1; }
echo "# node $(node --version 2>/dev/null), openai $(node -p "require('./tests/server/node_modules/openai/package.json').version" 2>/dev/null), $(curl --version 2>/dev/null | head -n 1 | cut -d' ' -f1-2)"

gen() { "$GEN" -m "$MODEL" -t 1 --temp 0 "$@" 2>/dev/null; }
# the continuation mamba-generate prints after echoing the prompt (and before its final newline)
gen_cont() { gen -p "$1" -n "$2" | python3 -c 'import sys; p=sys.argv[1]; t=sys.stdin.read(); sys.stdout.write(t[len(p):-1])' "$1"; }
ref8=$(gen_cont "ROMEO:" 8)
json_text() { python3 -c 'import json,sys; j=json.load(sys.stdin); c=j["choices"][0]; sys.stdout.write(c["text"] if "text" in c else c["message"]["content"])'; }
sse_text() { python3 -c '
import json,sys
raw=sys.stdin.read(); out=""
for ev in raw.split("\n\n"):
    if ev.startswith("data: {"):
        c=json.loads(ev[6:])["choices"][0]; out+=c.get("text") or c.get("delta",{}).get("content") or ""
sys.stdout.write(out if raw.rstrip().endswith("data: [DONE]") else "(no [DONE])")'; }

# -- 1. the openai client, curl, the load test ---------------------------------
if start "$SRV" "$TMP/a.log" -np 16 --queue 128 --cache-mib 64; then
    B=http://127.0.0.1:$port
    if [ -d tests/server/node_modules/openai ]; then
        run_client clients.mjs node tests/server/clients.mjs "$port" "$MODEL" "$GEN"
    fi
    want=$(gen_cont "JULIET:" 40)
    got=$(curl -s "$B/v1/completions" -H 'Content-Type: application/json' -d '{"prompt":"JULIET:","max_tokens":40,"temperature":0}' | json_text)
    [ "$got" = "$want" ]; check $? "curl: completion equals mamba-generate"
    got=$(curl -sN "$B/v1/completions" -d '{"prompt":"JULIET:","max_tokens":40,"temperature":0,"stream":true}' | sse_text)
    [ "$got" = "$want" ]; check $? "curl -N: streamed completion equals it, ends with data: [DONE]"
    want=$(gen_cont "User: Good morrow.
Assistant:" 30 | python3 -c 'import sys; t=sys.stdin.read(); i=t.find("\nUser:"); sys.stdout.write(t if i<0 else t[:i])')
    got=$(curl -s "$B/v1/chat/completions" -d '{"messages":[{"role":"user","content":"Good morrow."}],"max_tokens":30,"temperature":0}' | json_text)
    [ "$got" = "$want" ]; check $? "curl: chat equals mamba-generate on the plain template"
    # a body over 1024 bytes: curl sends Expect: 100-continue and waits for it
    long=$(python3 -c 'print("ROMEO: " + "soft, what light " * 70)')
    printf '{"prompt":"%s","max_tokens":4,"temperature":0}' "$long" > "$TMP/long.json"
    curl -sv -o "$TMP/long.out" "$B/v1/completions" -H 'Expect: 100-continue' --data-binary @"$TMP/long.json" > "$TMP/long.err" 2>&1
    grep -q '^< HTTP/1.1 100 Continue' "$TMP/long.err" && grep -q '^< HTTP/1.1 200 OK' "$TMP/long.err" &&
        [ "$(json_text < "$TMP/long.out")" = "$(gen_cont "$long" 4)" ]
    check $? "curl, Expect: 100-continue with a 1.2 KB body: 100 Continue, then the answer"
    head -c 2000000 /dev/zero | tr '\0' 'a' > "$TMP/big.json"
    code=$(curl -s -o /dev/null -w '%{http_code}' "$B/v1/completions" --data-binary @"$TMP/big.json")
    [ "$code" = 413 ]; check $? "curl: a 2 MB body (over the 1 MiB --max-body default): 413 (got $code)"
    code=$(curl -s -o "$TMP/m.out" -w '%{http_code}' "$B/metrics")
    [ "$code" = 200 ] && grep -q '^mamba_prefix_cache_hits_total [0-9]' "$TMP/m.out" && grep -q '^# TYPE mamba_slots_active gauge' "$TMP/m.out" &&
        grep -q '^mamba_http_responses_total{code="413"} 1' "$TMP/m.out"
    check $? "curl: /metrics in Prometheus text (cache, slots, responses by code)"
    if [ -d tests/server/node_modules/openai ]; then
        run_client load.mjs node tests/server/load.mjs "$port" "$MODEL" "$GEN" 64 3 20
    fi
    # SIGTERM with a stream in flight: it finishes, then exit 0
    curl -sN "$B/v1/completions" -d '{"prompt":"ROMEO:","max_tokens":600,"temperature":0,"stream":true}' > "$TMP/inflight.out" &
    cpid=$!
    sleep 0.3
    stop TERM "a stream in flight"
    wait $cpid
    tail -c 200 "$TMP/inflight.out" | grep -q '"finish_reason":"length"' && tail -c 20 "$TMP/inflight.out" | grep -q 'data: \[DONE\]'
    check $? "the in-flight stream finished before the exit"
    curl -s -o /dev/null --max-time 2 "$B/health"; rc=$?
    [ $rc -ne 0 ]; check $? "no more connections accepted after the exit"
fi

# -- 2. chat templates taken from the model ------------------------------------
chatml='{% for message in messages %}{{ '"'"'<|im_start|>'"'"' + message['"'"'role'"'"'] + '"'"'\n'"'"' + message['"'"'content'"'"'] + '"'"'<|im_end|>\n'"'"' }}{% endfor %}'
msgs='[{"role":"system","content":"Be brief."},{"role":"user","content":"Who is there?"}]'
rendered="<|im_start|>system
Be brief.<|im_end|>
<|im_start|>user
Who is there?<|im_end|>
<|im_start|>assistant
"
cut_im() { python3 -c 'import sys; t=sys.stdin.read(); i=t.find("<|im_end|>"); sys.stdout.write(t if i<0 else t[:i])'; }
mkdir -p "$TMP/chatml-dir"
for f in config.json model.safetensors tokenizer.json; do cp "$MODEL/$f" "$TMP/chatml-dir/"; done
python3 -c 'import json,sys; json.dump({"chat_template": sys.argv[1]}, open(sys.argv[2], "w"))' "$chatml" "$TMP/chatml-dir/tokenizer_config.json"
build/mamba-quantize "$MODEL" "$TMP/tiny.gguf" F32 >/dev/null && python3 tests/server/with_template.py "$TMP/tiny.gguf" "$TMP/chatml.gguf" "$chatml"
for m in "$TMP/chatml-dir" "$TMP/chatml.gguf"; do
    kind=tokenizer_config.json; case $m in *.gguf) kind="GGUF tokenizer.chat_template";; esac
    MODEL=$m
    if start "$SRV" "$TMP/t.log"; then
        grep -q 'chat template chatml (from the model)' "$TMP/t.log"; check $? "ChatML chosen from the $kind"
        want=$("$GEN" -m "$m" -t 1 --temp 0 -p "$rendered" -n 40 2>/dev/null | python3 -c 'import sys; p=sys.argv[1]; t=sys.stdin.read(); sys.stdout.write(t[len(p):-1])' "$rendered" | cut_im)
        got=$(curl -s "http://127.0.0.1:$port/v1/chat/completions" -d "{\"messages\":$msgs,\"max_tokens\":40,\"temperature\":0}" | json_text)
        [ -n "$want" ] && [ "$got" = "$want" ]; check $? "ChatML chat ($kind) equals mamba-generate on the rendered prompt"
        stop TERM "ChatML server"
    fi
    MODEL=models/shakespeare-tiny
done
if start "$SRV" "$TMP/t.log" --chat-template chatml; then
    grep -q 'chat template chatml (--chat-template)' "$TMP/t.log"; check $? "--chat-template chatml overrides the fallback"
    stop TERM "--chat-template"
fi

# -- 3. hostile clients -------------------------------------------------------
faults() {   # binary, label
    if start "$1" "$TMP/f.log" -np 2 --queue 1 --timeout 1 --max-body 4096 --out-cap 16384; then
        run_client "faults.py ($2)" python3 tests/server/faults.py "$port" "$ref8"
        stop INT "faults ($2)"
        if grep -q 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error' "$TMP/f.log"; then bad "sanitizer report ($2)"; grep -A5 'Sanitizer\|runtime error' "$TMP/f.log" | head -20; fi
    fi
}
faults "$SRV" "default build"
if start "$SRV" "$TMP/k.log" --api-key sekrit --max-conn 4; then
    run_client "faults.py api" python3 tests/server/faults.py "$port" "$ref8" api
    stop TERM "--api-key"
fi
if [ -n "${MAMBA_SERVER_SAN:-}" ] && [ -x "$MAMBA_SERVER_SAN" ]; then
    export ASAN_OPTIONS=detect_leaks=1
    faults "$MAMBA_SERVER_SAN" "ASan+UBSan build"
    if [ -d tests/server/node_modules/openai ] && start "$MAMBA_SERVER_SAN" "$TMP/s.log" -np 16 --cache-mib 64; then
        run_client "clients.mjs (ASan+UBSan build)" node tests/server/clients.mjs "$port" "$MODEL" "$GEN"
        stop TERM "clients (ASan+UBSan build)"
        if grep -q 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error' "$TMP/s.log"; then bad "sanitizer report (clients)"; grep -A5 'Sanitizer\|runtime error' "$TMP/s.log" | head -20; fi
    fi
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
