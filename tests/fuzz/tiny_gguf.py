#!/usr/bin/env python3
"""Writes tiny GGUF models (a few KB) as fuzz seeds: every tensor and metadata
key the loader reads, laid out as llama.cpp's convert_hf_to_gguf.py does, with
small pseudo-random weights. Small inputs keep the GGUF fuzzer fast; the real
files of tests/data/shared are megabytes of tensor data that mutations rarely reach.

    python3 tests/fuzz/tiny_gguf.py OUT_DIR

Pure Python (struct only). Writes mamba-f32, mamba-q8_0, mamba-q4_0,
falcon-q8_0 (ssm.dt_b_c_rms), mamba2-f32, and mamba-tok (a 12-token
byte-level BPE tokenizer in the metadata)."""
import os
import struct
import sys

F32, F16, Q4_0, Q8_0 = 0, 1, 2, 8


def s(x):
    b = x.encode()
    return struct.pack("<Q", len(b)) + b


def kv(key, typ, val):
    out = s(key) + struct.pack("<I", typ)
    if typ == 4:
        return out + struct.pack("<I", val)
    if typ == 6:
        return out + struct.pack("<f", val)
    if typ == 7:
        return out + struct.pack("<B", val)
    if typ == 8:
        return out + s(val)
    et, items = val                       # array
    out += struct.pack("<IQ", et, len(items))
    if et == 8:
        return out + b"".join(s(i) for i in items)
    return out + b"".join(struct.pack("<i", i) for i in items)


class Rng:                                # xorshift: the same bytes on every run
    def __init__(self, seed):
        self.x = seed

    def __call__(self):
        self.x ^= (self.x << 13) & 0xFFFFFFFF
        self.x ^= self.x >> 17
        self.x ^= (self.x << 5) & 0xFFFFFFFF
        return (self.x % 2001 - 1000) / 4000.0


def q8_0(vals):
    out = b""
    for b in range(0, len(vals), 32):
        blk = vals[b:b + 32]
        d = max(abs(v) for v in blk) / 127 or 1.0
        out += struct.pack("<e", d) + bytes((round(v / d) & 0xFF) for v in blk)
    return out


def q4_0(vals):
    out = b""
    for b in range(0, len(vals), 32):
        blk = vals[b:b + 32]
        m = max(blk, key=abs)
        d = m / -8 or 1.0
        q = [min(15, max(0, int(v / d + 8.5))) for v in blk]
        out += struct.pack("<e", d) + bytes(q[j] | q[j + 16] << 4 for j in range(16))
    return out


def write(path, arch, dims, quant, extra_kv=(), mamba2=False):
    D, E, N, R, K, V, L = dims["D"], dims["E"], dims["N"], dims["R"], dims["K"], dims["V"], dims["L"]
    rnd = Rng(12345)
    tensors = []                          # (name, ne (ggml order), type, bytes)

    def add(name, ne, qtype=F32):
        n = 1
        for d in ne:
            n *= d
        vals = [rnd() for _ in range(n)]
        if qtype == F32 or ne[0] % 32:
            data, qtype = struct.pack("<%df" % n, *vals), F32
        else:
            data = q8_0(vals) if qtype == Q8_0 else q4_0(vals)
        tensors.append((name, ne, qtype, data))

    H, G = (dims["H"], dims["G"]) if mamba2 else (0, 1)
    C = E + 2 * G * N if mamba2 else E
    add("token_embd.weight", [D, V], quant)
    for l in range(L):
        p = "blk.%d." % l
        add(p + "attn_norm.weight", [D])
        add(p + "ssm_in.weight", [D, 2 * E + 2 * G * N + H if mamba2 else 2 * E], quant)
        add(p + "ssm_conv1d.weight", [K, C])
        add(p + "ssm_conv1d.bias", [C])
        if mamba2:
            add(p + "ssm_dt.bias", [H])
            add(p + "ssm_a", [H])
            add(p + "ssm_d", [H])
            add(p + "ssm_norm.weight", [E // G, G])
        else:
            add(p + "ssm_x.weight", [E, R + 2 * N], quant)
            add(p + "ssm_dt.weight", [R, E], quant)
            add(p + "ssm_dt.bias", [E])
            add(p + "ssm_a", [N, E])
            add(p + "ssm_d", [E])
        add(p + "ssm_out.weight", [E, D], quant)
    add("output_norm.weight", [D])
    kvs = [kv("general.architecture", 8, arch),
           kv(arch + ".context_length", 4, 1048576),
           kv(arch + ".embedding_length", 4, D),
           kv(arch + ".block_count", 4, L),
           kv(arch + ".ssm.conv_kernel", 4, K),
           kv(arch + ".ssm.inner_size", 4, E),
           kv(arch + ".ssm.state_size", 4, N),
           kv(arch + ".ssm.time_step_rank", 4, H if mamba2 else R),
           kv(arch + ".attention.layer_norm_rms_epsilon", 6, 1e-5)]
    if mamba2:
        kvs.append(kv(arch + ".ssm.group_count", 4, G))
    kvs += list(extra_kv)
    infos, off, blobs = b"", 0, []
    for name, ne, qt, data in tensors:
        infos += s(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", d) for d in ne)
        infos += struct.pack("<IQ", qt, off)
        pad = (-len(data)) % 32
        blobs.append(data + b"\0" * pad)
        off += len(data) + pad
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs)) + b"".join(kvs) + infos
    head += b"\0" * ((-len(head)) % 32)
    with open(path, "wb") as f:
        f.write(head + b"".join(blobs))


def main():
    out = sys.argv[1]
    m1 = dict(D=32, E=64, N=4, R=2, K=4, V=32, L=1)   # quantized rows: multiples of 32
    write(os.path.join(out, "mamba-f32"), "mamba", dict(D=8, E=16, N=4, R=2, K=4, V=16, L=2), F32)
    write(os.path.join(out, "mamba-q8_0"), "mamba", m1, Q8_0)
    write(os.path.join(out, "mamba-q4_0"), "mamba", m1, Q4_0)
    write(os.path.join(out, "falcon-q8_0"), "mamba", m1, Q8_0, [kv("mamba.ssm.dt_b_c_rms", 7, 1)])
    write(os.path.join(out, "mamba2-f32"), "mamba2", dict(D=8, E=16, N=4, R=0, K=4, V=16, L=1, H=4, G=2), F32, mamba2=True)
    toks = [chr(c) for c in b"abcdefghij"] + ["ab", "<|endoftext|>"]
    tok_kv = [kv("tokenizer.ggml.model", 8, "gpt2"), kv("tokenizer.ggml.pre", 8, "gpt-2"),
              kv("tokenizer.ggml.tokens", 9, (8, toks)),
              kv("tokenizer.ggml.token_type", 9, (5, [1] * 11 + [3])),
              kv("tokenizer.ggml.merges", 9, (8, ["a b"])),
              kv("tokenizer.ggml.bos_token_id", 4, 11), kv("tokenizer.ggml.eos_token_id", 4, 11)]
    write(os.path.join(out, "mamba-tok"), "mamba", dict(m1, V=32), Q8_0, tok_kv)


if __name__ == "__main__":
    main()
