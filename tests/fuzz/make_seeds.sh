#!/bin/sh
# Fills build/fuzz/seeds/<driver>/ with seed inputs made from the real test
# files (tests/data, models/, tests/data/shared). Generated, not committed: the
# weights alone are megabytes. Run from the repository root.
#   MAMBA_FUZZ_DATA   shared data directory (default tests/data/shared)
set -e
shared=${MAMBA_FUZZ_DATA:-tests/data/shared}
out=build/fuzz/seeds
rm -rf "$out"
for d in json safetensors config tokenizer_json encode decode model gguf state spm torch; do mkdir -p "$out/$d"; done

# file name for a path: tests/data/m1-odd-f32/config.json -> tests_data_m1-odd-f32_config.json
flat() { printf '%s' "$1" | sed 's|^\.\./||; s|/|_|g'; }

configs="tests/data/*/config.json models/*/config.json $shared/reference/*/config.json"
for f in $configs; do
    cp "$f" "$out/config/$(flat "$f")"
    cp "$f" "$out/json/$(flat "$f")"
done
for f in tests/data/*/model.safetensors.index.json models/*/eval.json; do cp "$f" "$out/json/$(flat "$f")"; done
# the 400 KB cap of run.sh keeps the bundled 6 MB model out
for f in tests/data/*/*.safetensors $shared/reference/*/model.safetensors; do
    cp "$f" "$out/safetensors/$(flat "$f")"
    hlen=$(od -An -t u8 -N 8 "$f" | tr -d ' ')    # safetensors: u64 header length, then JSON
    tail -c +9 "$f" | head -c "$hlen" > "$out/json/$(flat "$f").header"
done
# gguf: tiny generated models (all of each loads and runs), and the start of
# the real llama.cpp files (their header, metadata and tensor infos)
for f in $shared/reference/*/*.gguf; do head -c 65536 "$f" > "$out/gguf/$(flat "$f")"; done
cp models/*/tokenizer.json "$out/tokenizer_json/" 2>/dev/null || true
# torch: the torch.save archives whole ('P' mode), and (below, with python3)
# their data.pkl alone behind a 0 byte (the driver re-zips it with the storages)
for f in tests/data/pt-*/*.bin; do cp "$f" "$out/torch/$(flat "$f")"; done

# model: one seed per model (byte 0), chunk 3, and a few edits of each kind
i=0
while [ $i -lt 9 ]; do
    b=$(printf '\\%03o' $i)
    printf "$b\003" > "$out/model/m$i"
    printf "$b\005\020\000\000\300\001" > "$out/model/m$i-header-xor"      # header byte 16 ^= 1
    printf "$b\002\000\010\000\100\377" > "$out/model/m$i-data-xor"       # byte 2048 ^= 0xff
    printf "$b\007\000\004\000\040" > "$out/model/m$i-truncate"           # cut at 1024
    i=$((i + 1))
done

# state: a valid save of reference/m1-tiny after 3 tokens (byte 0 = 1), edited
printf '\001' > "$out/state/valid"
printf '\001\074\000\001' > "$out/state/checksum-flip"          # byte 60 ^= 1
printf '\001\014\000\200' > "$out/state/d-model-flip"           # byte 12 ^= 0x80
printf '\001\100\000\000' > "$out/state/truncate-header"        # cut at 64
printf '\000MBST\001\000\000\000' > "$out/state/raw-short"

if ! command -v python3 >/dev/null 2>&1; then
    echo "make_seeds.sh: no python3: skipping the tokenizer, encode and decode seeds derived from JSON" >&2
    exit 0
fi
python3 tests/fuzz/tiny_gguf.py "$out/gguf"
python3 - "$out" tests/data/pt-*/*.bin <<'EOF'
import sys, zipfile, os
out = sys.argv[1]
for path in sys.argv[2:]:
    z = zipfile.ZipFile(path)
    pkl = [n for n in z.namelist() if n.endswith('/data.pkl')][0]
    name = path.replace('tests/data/', '').replace('/', '_') + '.pkl'
    with open(os.path.join(out, 'torch', name), 'wb') as f:
        f.write(b'\0' + z.read(pkl))
EOF
python3 tests/fuzz/tiny_spm.py "$out"      # SentencePiece: cut-down Mistral models, a "llama" GGUF, tokenizer.json
python3 - "$shared" "$out" <<'EOF'
import json, struct, sys, os
shared, out = sys.argv[1], sys.argv[2]
def put(d, name, data):
    with open(os.path.join(out, d, name), 'wb') as f: f.write(data)

# encode / decode: the Hugging Face goldens (byte 0: which tokenizer, then text or int32 ids)
for t, name in enumerate(['neox', 'falcon']):
    for n, line in enumerate(open(f'{shared}/tokenizer-goldens/{name}-public.jsonl', encoding='utf-8')):
        g = json.loads(line)
        put('encode', f'{name}-{n:03d}', bytes([t | (n & 3) << 4]) + g['text'].encode('utf-8')[:1023])
        put('decode', f'{name}-{n:03d}', bytes([t | (n & 1) << 1]) + struct.pack(f'<{len(g["ids"])}i', *g['ids']))
        if n < 40: put('json', f'golden-{name}-{n:03d}', line.encode('utf-8'))
text = open(f'{shared}/tinyshakespeare.txt', 'rb').read()
for k in range(8): put('encode', f'shakespeare-{k}', bytes([k & 1 | (k & 6) << 3]) + text[k * 1000:k * 1000 + 1000])
put('encode', 'invalid-utf8', b'\x00a\xff\xfe\xc3(\xe2\x82\xf0\x9f\x98 \xed\xa0\x80 \xc0\xaf<|endoftext|>')

# tokenizer_json: the real tokenizers cut to their first 400 ids (so they fit
# the 64 KB input cap), and variants for the loader's other branches
def trim(path, keep=400, n_merges=300):
    d = json.load(open(path, encoding='utf-8'))
    vocab = {k: v for k, v in d['model']['vocab'].items() if v < keep}
    merges = [m for m in d['model']['merges'] if len(m.split(' ')) == 2 and
              all(p in vocab for p in m.split(' ') + [m.replace(' ', '')])][:n_merges]
    d['model']['vocab'], d['model']['merges'] = vocab, merges
    d['added_tokens'] = [a for a in d['added_tokens'] if a['id'] < keep]
    return d
dump = lambda d: json.dumps(d, ensure_ascii=False).encode('utf-8')
neox, falcon = trim(f'{shared}/tokenizer-gpt-neox-20b.json'), trim(f'{shared}/tokenizer-falcon.json')
put('tokenizer_json', 'neox-400', dump(neox))
put('tokenizer_json', 'falcon-400', dump(falcon))
put('tokenizer_json', 'neox-400-ascii', json.dumps(neox).encode())       # \u escapes everywhere
v = json.loads(dump(neox)); v['model']['merges'] = [m.split(' ') for m in v['model']['merges']]
put('tokenizer_json', 'neox-pair-merges', dump(v))
v = json.loads(dump(neox)); v['post_processor'] = {'type': 'TemplateProcessing',
    'single': [{'SpecialToken': {'id': '<|endoftext|>', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
               {'SpecialToken': {'id': '<|padding|>', 'type_id': 0}}],
    'special_tokens': {'<|endoftext|>': {'id': '<|endoftext|>', 'ids': [0], 'tokens': ['<|endoftext|>']}}}
put('tokenizer_json', 'neox-template', dump(v))
v = json.loads(dump(neox))
v['normalizer'] = {'type': 'Sequence', 'normalizers': [{'type': 'NFC'}]}
v['pre_tokenizer'] = {'type': 'Sequence', 'pretokenizers': [
    {'type': 'Split', 'pattern': {'Regex': "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"},
     'behavior': 'Isolated', 'invert': False},
    {'type': 'Split', 'pattern': {'String': ' '}, 'behavior': 'MergedWithNext', 'invert': False},
    {'type': 'ByteLevel', 'add_prefix_space': True, 'use_regex': False}]}
v['decoder'] = {'type': 'Sequence', 'decoders': [{'type': 'ByteLevel'}]}
v['model'].update(unk_token='!', fuse_unk=True, byte_fallback=True, ignore_merges=True)
v['added_tokens'].append({'id': 399, 'content': 'Hello', 'special': False, 'single_word': True,
                          'lstrip': True, 'rstrip': True, 'normalized': True})
put('tokenizer_json', 'neox-variants', dump(v))
for f in os.listdir(os.path.join(out, 'tokenizer_json')):
    put('json', 'tokenizer-' + f, open(os.path.join(out, 'tokenizer_json', f), 'rb').read())
EOF
echo "seeds: $(for d in "$out"/*; do printf '%s %s  ' "${d##*/}" "$(ls "$d" | wc -l)"; done)"
