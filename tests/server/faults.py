#!/usr/bin/env python3
"""Hostile clients against mamba-server, each case followed by a normal
request that must succeed. Raw sockets (the standard library only), so every
byte on the wire is ours. Prints "ok - ..." / "FAIL - ...".

  python3 faults.py PORT REF8 [api]

PORT: a server started with -np 2 --queue 1 --timeout 1 --max-body 4096
--out-cap 16384 (see tests/test_server.sh); REF8: the text mamba-generate
--temp 0 gives for "ROMEO:" with -n 8. "api": the server has --api-key sekrit
--max-conn 4 and only the key and connection-count checks run."""
import json, os, random, socket, sys, time

PORT = int(sys.argv[1])
REF8 = sys.argv[2].encode('latin-1').decode('utf-8')
failed = 0


def ok(cond, name, detail=None):
    global failed
    print(('ok' if cond else 'FAIL') + ' - ' + name, flush=True)
    if not cond:
        failed += 1
        if detail is not None:
            print('   ' + repr(detail)[:600], flush=True)


def conn(rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(('127.0.0.1', PORT))
    return s


def read_all(s, timeout):
    """Bytes until the server closes, or timeout seconds of silence."""
    s.settimeout(timeout)
    out = b''
    while True:
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            break
        if not d:
            break
        out += d
    return out


def parse(resp):
    """(status, headers dict, body) of the first response in resp."""
    head, _, body = resp.partition(b'\r\n\r\n')
    lines = head.split(b'\r\n')
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        return None, {}, resp
    h = {}
    for line in lines[1:]:
        k, _, v = line.partition(b':')
        h[k.strip().lower().decode()] = v.strip().decode('latin-1')
    if 'content-length' in h:
        body = body[:int(h['content-length'])]
    return status, h, body


def raw(data, timeout=5, shut=True, rcvbuf=None):
    s = conn(rcvbuf)
    try:
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
    except (BrokenPipeError, ConnectionResetError):
        pass
    r = read_all(s, timeout)
    s.close()
    return r


def request(method, path, body=b'', headers=None, timeout=10):
    hd = {'Host': 'x', 'Connection': 'close'}
    if body or method == 'POST':
        hd['Content-Length'] = str(len(body))
        hd['Content-Type'] = 'application/json'
    hd.update(headers or {})
    data = (f'{method} {path} HTTP/1.1\r\n' + ''.join(f'{k}: {v}\r\n' for k, v in hd.items()) + '\r\n').encode() + body
    return parse(raw(data, timeout, shut=False))


def post(path, obj, headers=None):
    body = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
    return request('POST', path, body, headers)


def normal(name, headers=None):
    st, _, b = post('/v1/completions', {'prompt': 'ROMEO:', 'max_tokens': 8, 'temperature': 0}, headers)
    good = False
    try:
        good = st == 200 and json.loads(b)['choices'][0]['text'] == REF8
    except (ValueError, KeyError, IndexError):
        pass
    ok(good, name + ', then a normal request succeeds', (st, b[:200]))


def metrics():
    st, _, b = request('GET', '/metrics')
    v = {}
    for line in b.decode().split('\n'):
        if line and not line.startswith('#'):
            k, _, x = line.rpartition(' ')
            v[k] = float(x)
    return v


def wait_metric(key, pred, secs):
    t = time.time()
    while time.time() - t < secs:
        m = metrics()
        if pred(m.get(key, -1)):
            return m, time.time() - t
        time.sleep(0.05)
    return metrics(), None


def error_case(name, path, body, param, code=400):
    st, _, b = post(path, body)
    e = None
    try:
        e = json.loads(b)['error']
    except (ValueError, KeyError, TypeError):
        pass
    ok(st == code and e is not None and e.get('param') == param and e.get('message'),
       f'{name}: {code} with an OpenAI error naming {param!r}', (st, b[:300]))


def stream_start(max_tokens=100000, rcvbuf=None, read=True):
    s = conn(rcvbuf)
    body = json.dumps({'prompt': 'ROMEO:', 'max_tokens': max_tokens, 'temperature': 0, 'stream': True}).encode()
    s.sendall(b'POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n' % len(body) + body)
    got = b''
    if read:
        s.settimeout(5)
        while b'data: {' not in got:
            d = s.recv(4096)
            if not d:
                break
            got += d
    return s, got


if len(sys.argv) > 3 and sys.argv[3] == 'api':
    key = {'Authorization': 'Bearer sekrit'}
    st, h, _ = post('/v1/completions', {'prompt': 'x', 'max_tokens': 1})
    ok(st == 401 and 'www-authenticate' in h, 'no API key: 401', st)
    normal('no API key', key)
    st, _, _ = post('/v1/completions', {'prompt': 'x', 'max_tokens': 1}, {'Authorization': 'Bearer wrong'})
    ok(st == 401, 'wrong API key: 401', st)
    st, _, _ = post('/v1/chat/completions', {'messages': []}, {'Authorization': 'sekrit'})
    ok(st == 401, 'key without "Bearer": 401', st)
    st, _, _ = request('GET', '/v1/models')
    ok(st == 401, '/v1/models needs the key too', st)
    st, _, _ = request('GET', '/health')
    ok(st == 200, '/health needs no key', st)
    normal('wrong API key', key)
    # this server also has --max-conn 4: the fifth open connection gets 503
    time.sleep(0.3)   # (until the server has reaped the connections closed just before)
    held = [conn() for _ in range(4)]
    time.sleep(0.2)
    extra = conn()
    r = parse(read_all(extra, 2))
    ok(r[0] == 503 and r[1].get('retry-after') == '1', 'connections over --max-conn: 503 with Retry-After', r[:2])
    extra.close()
    for h in held:
        h.close()
    time.sleep(0.2)
    normal('--max-conn', key)
    sys.exit(1 if failed else 0)

# -- HTTP framing ------------------------------------------------------------
st, _, _ = request('GET', '/health')
ok(st == 200, 'GET /health')
r = parse(raw(b'POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{"prompt":', shut=False))
ok(r[0] == 413, 'body over --max-body: 413 before reading it', r[:2])
normal('413')
r = parse(raw(b'GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ' + b'a' * 20000 + b'\r\n\r\n', shut=False))
ok(r[0] == 431, 'headers over the limit: 431', r[:2])
r = parse(raw(b'GET /health HTTP/1.1\r\n' + b'X-Many: y\r\n' * 3000, shut=False))
ok(r[0] == 431, 'endless headers (no blank line): 431', r[:2])
normal('431')
for name, data in [('garbage request line', b'GARBAGE\r\n\r\n'), ('unknown HTTP version', b'GET /health HTTP/9.9\r\n\r\n'),
                   ('header without a colon', b'GET /health HTTP/1.1\r\nNoColonHere\r\n\r\n'),
                   ('bad Content-Length', b'POST /v1/completions HTTP/1.1\r\nContent-Length: 12abc\r\n\r\n'),
                   ('negative Content-Length', b'POST /v1/completions HTTP/1.1\r\nContent-Length: -5\r\n\r\n'),
                   ('binary bytes', bytes(range(256)) + b'\r\n\r\n'), ('lowercase method', b'get /health HTTP/1.1\r\n\r\n'),
                   ('space in the target', b'GET /a b HTTP/1.1\r\n\r\n'), ('folded header', b'GET /health HTTP/1.1\r\nA: b\r\n c\r\n\r\n')]:
    r = parse(raw(data))
    ok(r[0] == 400, f'malformed HTTP ({name}): 400', r[:2])
normal('malformed HTTP')
r = parse(raw(b'POST /v1/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'))
ok(r[0] == 411, 'chunked request body: 411', r[:2])
r = parse(raw(b'POST /v1/completions HTTP/1.1\r\nHost: x\r\n\r\n'))
ok(r[0] == 411, 'POST without Content-Length: 411', r[:2])
st, _, _ = request('GET', '/nope')
ok(st == 404, 'unknown path: 404')
st, _, _ = request('GET', '/v1/completions')
ok(st == 405, 'GET on a POST endpoint: 405')
normal('404/405/411')
# two requests in one packet on a keep-alive connection
r = raw(b'GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', shut=False)
ok(r.count(b'HTTP/1.1 200 OK') == 2, 'two pipelined requests: two answers', r[:300])

# -- JSON and parameters -------------------------------------------------------
C, CH = '/v1/completions', '/v1/chat/completions'
error_case('malformed JSON', C, b'{"prompt": "x", ', None)
error_case('trailing garbage', C, b'{"prompt": "x"} x', None)
error_case('not an object', C, b'[1, 2]', None)
error_case('invalid UTF-8', C, b'{"prompt": "\xff\xfe"}', None)
error_case('raw control character', C, b'{"prompt": "a\x01b"}', None)
error_case('bad escape', C, b'{"prompt": "\\q"}', None)
error_case('deep nesting', C, b'[' * 2000 + b']' * 2000, None)
error_case('huge number', C, b'{"max_tokens": 1e999}', 'max_tokens')
error_case('max_tokens a string', C, {'prompt': 'x', 'max_tokens': 'ten'}, 'max_tokens')
error_case('max_tokens negative', C, {'prompt': 'x', 'max_tokens': -1}, 'max_tokens')
error_case('max_tokens fractional', C, {'prompt': 'x', 'max_tokens': 2.5}, 'max_tokens')
error_case('temperature out of range', C, {'prompt': 'x', 'temperature': 3}, 'temperature')
error_case('top_p a string', C, {'prompt': 'x', 'top_p': 'high'}, 'top_p')
error_case('top_k negative', C, {'prompt': 'x', 'top_k': -2}, 'top_k')
error_case('seed fractional', C, {'prompt': 'x', 'seed': 1.5}, 'seed')
error_case('stream a string', C, {'prompt': 'x', 'stream': 'yes'}, 'stream')
error_case('stop a number', C, {'prompt': 'x', 'stop': 5}, 'stop')
error_case('stop with a number', C, {'prompt': 'x', 'stop': ['a', 1]}, 'stop')
error_case('empty stop string', C, {'prompt': 'x', 'stop': ''}, 'stop')
error_case('prompt a number', C, {'prompt': 5}, 'prompt')
error_case('token id out of range', C, {'prompt': [1, 2, 999999]}, 'prompt')
error_case('token id negative', C, {'prompt': [-1]}, 'prompt')
error_case('n = 2', C, {'prompt': 'x', 'n': 2}, 'n')
error_case('messages on completions', C, {'messages': []}, 'messages')
error_case('no messages', CH, {'max_tokens': 3}, 'messages')
error_case('messages not an array', CH, {'messages': 'hi'}, 'messages')
error_case('message without a role', CH, {'messages': [{'content': 'x'}]}, 'messages[0].role')
error_case('unknown role', CH, {'messages': [{'role': 'user', 'content': 'x'}, {'role': 'wizard', 'content': 'x'}]}, 'messages[1].role')
error_case('content a number', CH, {'messages': [{'role': 'user', 'content': 5}]}, 'messages[0].content')
error_case('content part not text', CH, {'messages': [{'role': 'user', 'content': [{'type': 'image_url'}]}]}, 'messages[0].content')
error_case('stream_options not an object', CH, {'messages': [{'role': 'user', 'content': 'x'}], 'stream_options': 1}, 'stream_options')
normal('bad parameters')
# random bytes and mutated requests: answered or closed, never a crash
rng = random.Random(17)
good = b'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 80\r\n\r\n' + \
       json.dumps({'messages': [{'role': 'user', 'content': 'hi'}], 'max_tokens': 2, 'stop': ['a']}).encode()
for i in range(300):
    if i % 3 == 0:
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
    else:
        data = bytearray(good)
        for _ in range(rng.randrange(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        data = bytes(data[:rng.randrange(1, len(data) + 1)])
    raw(data, timeout=3)
st, _, _ = request('GET', '/health')
ok(st == 200, '300 random and mutated requests: the server is still up')
normal('random requests')

# -- clients that go away or never read --------------------------------------
m0 = metrics()
s, got = stream_start()
ok(got.startswith(b'HTTP/1.1 200') and b'data: {' in got, 'a long stream starts', got[:100])
s.close()
m, dt = wait_metric('mamba_slots_active', lambda v: v == 0, 3)
ok(dt is not None and m['mamba_disconnects_total'] > m0['mamba_disconnects_total'],
   f'a client that disconnects mid-stream frees its slot ({dt and dt * 1000:.0f} ms)', m)
normal('disconnect')
m0 = metrics()
slow, _ = stream_start(rcvbuf=4096, read=False)   # never reads a byte
time.sleep(0.2)
t = time.time()
normal('while a client does not read')
ok(time.time() - t < 3, f'a stalled reader does not hold others up ({time.time() - t:.2f} s)')
m, dt = wait_metric('mamba_disconnects_total', lambda v: v > m0['mamba_disconnects_total'], 20)
ok(dt is not None and m['mamba_slots_active'] == 0, f'the stalled reader is dropped once --out-cap is queued ({dt and dt:.1f} s)', m)
slow.close()
normal('stalled reader')

# -- timeouts (--timeout 1) ----------------------------------------------------
for name, data in [('idle connection', b''), ('headers never finished', b'GET /health HTTP/1.1\r\nHost:'),
                   ('body never finished', b'POST /v1/completions HTTP/1.1\r\nContent-Length: 100\r\n\r\n{"pr')]:
    t = time.time()
    r = parse(raw(data, timeout=4, shut=False))
    ok(r[0] == 408 and time.time() - t < 3, f'{name}: 408 after --timeout ({time.time() - t:.1f} s)', r[:2])
s = conn()   # slowloris: one byte every 0.3 s
t = time.time()
got = b''
try:
    for ch in b'GET /health HTTP/1.1\r\nHost: x\r\nX: ' + b'y' * 40:
        s.send(bytes([ch]))
        time.sleep(0.3)
        if time.time() - t > 4:
            break
except (BrokenPipeError, ConnectionResetError):
    pass
got = read_all(s, 2)
s.close()
ok(parse(got)[0] == 408, f'slow headers (a byte per 0.3 s): 408 ({time.time() - t:.1f} s)', got[:100])
normal('timeouts')

# -- a full queue (-np 2 --queue 1) ---------------------------------------------
a, _ = stream_start()
b, _ = stream_start()
q = conn()
body = json.dumps({'prompt': 'ROMEO:', 'max_tokens': 8, 'temperature': 0}).encode()
q.sendall(b'POST /v1/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n' % len(body) + body)
m, dt = wait_metric('mamba_queue_length', lambda v: v == 1, 3)
ok(dt is not None, 'a third request waits in the queue', m)
st, h, _ = post('/v1/completions', {'prompt': 'x', 'max_tokens': 1})
ok(st == 503 and h.get('retry-after') == '1', 'slots and queue full: 503 with Retry-After', (st, h))
a.close()
b.close()
r = parse(read_all(q, 5))
ok(r[0] == 200 and json.loads(r[2])['choices'][0]['text'] == REF8, 'the queued request runs once a slot frees', r[:2])
q.close()
normal('503')
m, _ = wait_metric('mamba_slots_active', lambda v: v == 0, 3)
ok(m['mamba_slots_active'] == 0 and m['mamba_queue_length'] == 0, 'every slot free at the end', m)
sys.exit(1 if failed else 0)
