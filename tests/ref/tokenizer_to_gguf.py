#!/usr/bin/env python3
"""Write a GGUF file holding only a tokenizer (tokenizer.ggml.* metadata, no
tensors), from a Hugging Face tokenizer.json, the way llama.cpp's
convert_hf_to_gguf.py lays it out for byte-level BPE ("gpt2") vocabularies:
tokens in id order, token_type 3 (control) for special added tokens, 4
(user-defined) for the other added tokens, 1 (normal) for the rest; merges as
"left right" strings; tokenizer.ggml.pre names the pre-tokenizer.

    python3 tests/ref/tokenizer_to_gguf.py TOKENIZER_JSON PRE OUT_GGUF

Pure Python (no numpy): make test runs it to check that the library's GGUF
tokenizer reproduces the Hugging Face goldens exactly, as the JSON one does."""
import json
import struct
import sys


def gguf_string(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def kv_string(key, value):
    return gguf_string(key) + struct.pack("<I", 8) + gguf_string(value)


def kv_u32(key, value):
    return gguf_string(key) + struct.pack("<II", 4, value)


def kv_array(key, elem_type, items):
    out = gguf_string(key) + struct.pack("<IIQ", 9, elem_type, len(items))
    if elem_type == 8:
        return out + b"".join(gguf_string(x) for x in items)
    return out + b"".join(struct.pack("<i", x) for x in items)


def main():
    src, pre, dst = sys.argv[1:4]
    tj = json.load(open(src, encoding="utf-8"))
    vocab = dict(tj["model"]["vocab"])
    added = {a["id"]: a for a in tj.get("added_tokens", [])}
    for i, a in added.items():
        vocab[a["content"]] = i
    n = max(vocab.values()) + 1
    tokens = [""] * n
    for s, i in vocab.items():
        tokens[i] = s
    types = [(3 if added[i]["special"] else 4) if i in added else 1 for i in range(n)]
    merges = [m if isinstance(m, str) else " ".join(m) for m in tj["model"]["merges"]]
    special = [a["id"] for a in tj.get("added_tokens", []) if a["special"]]
    kvs = [kv_string("general.architecture", "mamba"),
           kv_string("tokenizer.ggml.model", "gpt2"),
           kv_string("tokenizer.ggml.pre", pre),
           kv_array("tokenizer.ggml.tokens", 8, tokens),
           kv_array("tokenizer.ggml.token_type", 5, types),
           kv_array("tokenizer.ggml.merges", 8, merges)]
    if special:
        kvs += [kv_u32("tokenizer.ggml.bos_token_id", special[-1] if pre == "falcon" else special[0]),
                kv_u32("tokenizer.ggml.eos_token_id", special[-1] if pre == "falcon" else special[0])]
    with open(dst, "wb") as f:
        f.write(b"GGUF" + struct.pack("<IQQ", 3, 0, len(kvs)) + b"".join(kvs))


if __name__ == "__main__":
    main()
