#!/usr/bin/python3
"""Goldens for the SentencePiece normalizer settings Mistral's models do not
use, from Debian's python3-sentencepiece (0.1.97).

Each variant is tests/data/tokenizer-spm/mistral-v1.model with a NormalizerSpec
appended to the file: protobuf merges a repeated message field, so the
appended fields override the file's own (sentencepiece reads it so, and so
must mamba.h). The texts are those of mistral-v1-spm-public.jsonl plus a few
more aimed at whitespace. Writes tests/data/tokenizer-spm/variants-spm.jsonl:
{"variant", "suffix" (hex of the bytes appended), "text", "ids", "decoded"},
ids from sp.encode(text) (no BOS), decoded = sp.decode(ids). Also writes
tests/data/tokenizer-spm/decode-spm.jsonl: sp.decode of 400 random id
sequences of the v3 model (see decode_goldens).

    /usr/bin/python3 tests/ref/gen_spm_goldens.py      (deterministic)
"""
import json, os
import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, '..', 'data', 'tokenizer-spm')

# NormalizerSpec = field 3 of ModelProto: add_dummy_prefix 3, remove_extra_whitespaces 4, escape_whitespaces 5
VARIANTS = [
    ('remove_extra_whitespaces', bytes([0x1a, 0x02, 0x20, 0x01])),
    ('no_dummy_prefix', bytes([0x1a, 0x02, 0x18, 0x00])),
    ('no_dummy_prefix+remove_extra_whitespaces', bytes([0x1a, 0x04, 0x18, 0x00, 0x20, 0x01])),
    ('no_escape_whitespaces', bytes([0x1a, 0x02, 0x28, 0x00])),
]
EXTRA = ['   ', ' a', 'a ', '  a  b   c  ', '\u2581 x', 'x\u2581\u2581y', ' \t \n ', 'end  ', '', 'a  \u2581  b']


def main():
    model = open(os.path.join(DATA, 'mistral-v1.model'), 'rb').read()
    texts = [json.loads(l)['text'] for l in open(os.path.join(DATA, 'mistral-v1-spm-public.jsonl'), encoding='utf-8')] + EXTRA
    out = open(os.path.join(DATA, 'variants-spm.jsonl'), 'w', encoding='utf-8', newline='\n')
    for name, suffix in VARIANTS:
        sp = spm.SentencePieceProcessor(model_proto=model + suffix)
        for t in texts:
            ids = sp.encode(t)
            rec = {'variant': name, 'suffix': suffix.hex(), 'text': t, 'ids': ids, 'decoded': sp.decode(ids)}
            out.write(json.dumps(rec, ensure_ascii=False) + '\n')
    out.close()


def decode_goldens():
    """decode-spm.jsonl: sp.decode of random id sequences (byte pieces that do
    and do not make UTF-8, normal pieces with and without U+2581, control and
    unknown pieces) for the v3 model: {"ids", "decoded"}."""
    import random
    rnd = random.Random(18)
    sp = spm.SentencePieceProcessor(model_file=os.path.join(DATA, 'mistral-v3.model'))
    byte = lambda b: 771 + b
    utf8 = [b'\xe4\xb8\xad', b'\xc3\xa9', b'\xf0\x9f\x98\x80', b'A', b'\n']
    out = open(os.path.join(DATA, 'decode-spm.jsonl'), 'w', encoding='utf-8', newline='\n')
    for k in range(400):
        ids = []
        for _ in range(rnd.randint(1, 12)):
            r = rnd.random()
            if r < 0.3: ids.append(byte(rnd.randint(0, 255)))                       # any byte
            elif r < 0.5: ids += [byte(b) for b in rnd.choice(utf8)[:rnd.randint(1, 4)]]   # whole or cut characters
            elif r < 0.6: ids.append(rnd.choice([0, 1, 2, 3, 4, 760]))              # unk, control, user-defined
            else: ids.append(rnd.randint(1027, 32767))                             # normal pieces
        out.write(json.dumps({'ids': ids, 'decoded': sp.decode(ids)}, ensure_ascii=False) + '\n')
    out.close()


if __name__ == '__main__':
    main()
    decode_goldens()
