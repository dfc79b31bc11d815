#!/usr/bin/python3
"""Goldens for the SentencePiece normalizer settings Mistral's models do not
use, from Debian's python3-sentencepiece (0.1.97).

Each variant is tests/data/tokenizer-spm/mistral-v1.model with a NormalizerSpec
appended to the file: protobuf merges a repeated message field, so the
appended fields override the file's own (sentencepiece reads it so, and so
must mamba.h). The texts are those of mistral-v1-spm-public.jsonl plus a few
more aimed at whitespace. Writes tests/data/tokenizer-spm/variants-spm.jsonl:
{"variant", "suffix" (hex of the bytes appended), "text", "ids", "decoded"},
ids from sp.encode(text) (no BOS), decoded = sp.decode(ids).

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


if __name__ == '__main__':
    main()
