#!/usr/bin/env python3
"""Seeds for the SentencePiece fuzz driver (fuzz_spm) and SentencePiece
vocabularies for the tokenizer_json and gguf drivers, cut down from the
Mistral files of tests/data/tokenizer-spm so that they fit the drivers' input
caps. Deterministic; standard library only.

    tiny_spm.py SEEDS_DIR        (writes SEEDS_DIR/{spm,tokenizer_json,gguf}/...)
"""
import json, os, struct, sys

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data', 'tokenizer-spm')


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def raw_fields(b):
    """(field number, the field's full bytes) of a message."""
    i = 0
    while i < len(b):
        j = i
        k = 0; s = 0
        while True:
            c = b[j]; j += 1; k |= (c & 0x7F) << s; s += 7
            if c < 0x80: break
        w = k & 7
        if w == 0:
            while b[j] & 0x80: j += 1
            j += 1
        elif w == 1: j += 8
        elif w == 5: j += 4
        elif w == 2:
            n = 0; s = 0
            while True:
                c = b[j]; j += 1; n |= (c & 0x7F) << s; s += 7
                if c < 0x80: break
            j += n
        yield k >> 3, b[i:j]
        i = j


def cut_model(path, keep):
    """The model with only its first `keep` pieces (everything else as is)."""
    b = open(path, 'rb').read()
    out, n = bytearray(), 0
    for f, raw in raw_fields(b):
        if f == 1:
            n += 1
            if n > keep: continue
        out += raw
    return bytes(out)


def set_field(msg_raw, num, value_bytes):
    """Message bytes (without its key/length) with varint field `num` replaced or added."""
    out = bytearray()
    for f, raw in raw_fields(msg_raw):
        if f != num: out += raw
    return bytes(out) + varint(num << 3) + value_bytes


def edit_spec(model, spec_field, num, v):
    out = bytearray()
    for f, raw in raw_fields(model):
        if f == spec_field:
            # strip key + length
            j = 1
            while raw[j] & 0x80: j += 1
            body = set_field(raw[j + 1:], num, varint(v))
            raw = varint(spec_field << 3 | 2) + varint(len(body)) + body
        out += raw
    return bytes(out)


def pieces(model):
    """(text, score, type) of each piece."""
    res = []
    for f, raw in raw_fields(model):
        if f != 1: continue
        j = 1
        while raw[j] & 0x80: j += 1
        body = raw[j + 1:]
        text, score, typ = b'', 0.0, 1
        for g, r in raw_fields(body):
            if g == 1:
                k = 1
                while r[k] & 0x80: k += 1
                text = r[k + 1:]
            elif g == 2: score = struct.unpack('<f', r[1:5])[0]
            elif g == 3: typ = r[1]
        res.append((text, score, typ))
    return res


def gguf(ps, path):
    def s(x): return struct.pack('<Q', len(x)) + x
    kv = []
    def add(key, typ, payload): kv.append(s(key.encode()) + struct.pack('<I', typ) + payload)
    add('general.architecture', 8, s(b'mamba2'))
    add('tokenizer.ggml.model', 8, s(b'llama'))
    add('tokenizer.ggml.tokens', 9, struct.pack('<IQ', 8, len(ps)) + b''.join(s(t) for t, _, _ in ps))
    add('tokenizer.ggml.scores', 9, struct.pack('<IQ', 6, len(ps)) + b''.join(struct.pack('<f', sc) for _, sc, _ in ps))
    add('tokenizer.ggml.token_type', 9, struct.pack('<IQ', 5, len(ps)) + b''.join(struct.pack('<i', ty) for _, _, ty in ps))
    add('tokenizer.ggml.bos_token_id', 4, struct.pack('<I', 1))
    add('tokenizer.ggml.eos_token_id', 4, struct.pack('<I', 2))
    add('tokenizer.ggml.unknown_token_id', 4, struct.pack('<I', 0))
    add('tokenizer.ggml.add_bos_token', 7, b'\x01')
    body = b'GGUF' + struct.pack('<IQQ', 3, 0, len(kv)) + b''.join(kv)
    open(path, 'wb').write(body)


def main():
    out = sys.argv[1]
    for d in ('spm', 'tokenizer_json', 'gguf'):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    v1 = cut_model(os.path.join(DATA, 'mistral-v1.model'), 1000)
    v3 = cut_model(os.path.join(DATA, 'mistral-v3.model'), 1700)
    w = lambda name, b: open(os.path.join(out, 'spm', name), 'wb').write(b)
    w('v1-1000.model', v1)
    w('v3-1700.model', v3)
    w('v1-remove-extra-ws.model', edit_spec(v1, 3, 4, 1))
    w('v1-no-dummy-prefix.model', edit_spec(v1, 3, 3, 0))
    w('v1-no-escape.model', edit_spec(v1, 3, 5, 0))
    w('v1-unigram.model', edit_spec(v1, 2, 3, 1))
    w('v1-no-byte-fallback.model', edit_spec(v1, 2, 35, 0))
    gguf(pieces(v1), os.path.join(out, 'gguf', 'spm-v1-1000.gguf'))
    # tokenizer.json: the real v1 file, first 1000 ids
    d = json.load(open(os.path.join(DATA, 'mistral-v1-tokenizer.json'), encoding='utf-8'))
    vocab = {k: v for k, v in d['model']['vocab'].items() if v < 1000}
    d['model']['vocab'] = vocab
    d['model']['merges'] = [m for m in d['model']['merges'] if all(p in vocab for p in m.split(' ') + [m.replace(' ', '')])]
    dump = lambda x: json.dumps(x, ensure_ascii=False).encode('utf-8')
    open(os.path.join(out, 'tokenizer_json', 'spm-v1-1000'), 'wb').write(dump(d))
    d['normalizer'] = None
    d['pre_tokenizer'] = {'type': 'Metaspace', 'replacement': '\u2581', 'prepend_scheme': 'first', 'split': True}
    open(os.path.join(out, 'tokenizer_json', 'spm-v1-1000-metaspace'), 'wb').write(dump(d))


if __name__ == '__main__':
    main()
