#!/usr/bin/env python3
"""Fallback converter for the firmware build: a Mamba-1 Hugging Face model
directory (config.json, model.safetensors in F32, tokenizer.json) to a GGUF
file laid out as llama.cpp's convert_hf_to_gguf.py + llama-quantize Q8_0 do:
matrices whose rows are a multiple of 32 become Q8_0 (blocks of 32: f16 scale
d = max|x| / 127, then round(x / d) as int8, ties away from zero), everything
else stays F32; conv1d squeezed to 2-D; ssm_a holds A = -exp(A_log); the
tokenizer goes in the metadata (tokenizer.ggml.*, model "gpt2").

    python3 tools/st_to_gguf_q8.py MODEL_DIR OUT.gguf

Pure Python (no numpy). `make firmware` uses build/mamba-quantize instead when
examples/quantize.c exists."""
import array
import json
import math
import struct
import sys


def gstr(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def kv_str(k, v):
    return gstr(k) + struct.pack("<I", 8) + gstr(v)


def kv_u32(k, v):
    return gstr(k) + struct.pack("<II", 4, v)


def kv_f32(k, v):
    return gstr(k) + struct.pack("<If", 6, v)


def kv_bool(k, v):
    return gstr(k) + struct.pack("<IB", 7, 1 if v else 0)


def kv_arr(k, et, items):
    out = gstr(k) + struct.pack("<IIQ", 9, et, len(items))
    if et == 8:
        return out + b"".join(gstr(x) for x in items)
    return out + b"".join(struct.pack("<i", x) for x in items)


def read_safetensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack_from("<Q", raw, 0)[0]
    hdr = json.loads(raw[8:8 + n])
    base = 8 + n
    out = {}
    for name, t in hdr.items():
        if name == "__metadata__":
            continue
        if t["dtype"] != "F32":
            sys.exit(f"{name}: dtype {t['dtype']}, this converter takes F32 only")
        a, b = t["data_offsets"]
        v = array.array("f")
        v.frombytes(raw[base + a:base + b])
        if sys.byteorder != "little":
            v.byteswap()
        out[name] = (t["shape"], v)
    return out


def q8_0(vals):
    out = bytearray()
    for i in range(0, len(vals), 32):
        blk = vals[i:i + 32]
        amax = max(abs(x) for x in blk)
        d = amax / 127.0
        idv = 1.0 / d if d else 0.0
        out += struct.pack("<e", d)
        for x in blk:
            q = x * idv
            q = int(math.floor(abs(q) + 0.5)) * (1 if q >= 0 else -1)
            out += struct.pack("<b", max(-128, min(127, q)))
    return bytes(out)


def main():
    src, dst = sys.argv[1:3]
    cfg = json.load(open(f"{src}/config.json"))
    if cfg.get("model_type") != "mamba":
        sys.exit("only Mamba-1 (model_type mamba)")
    w = read_safetensors(f"{src}/model.safetensors")
    tj = json.load(open(f"{src}/tokenizer.json", encoding="utf-8"))
    d, L = cfg["hidden_size"], cfg["num_hidden_layers"]
    tensors = []   # (gguf name, ne list, ggml type, bytes)

    def add(gname, hfname, transform=None, squeeze=False):
        shape, v = w[hfname]
        if transform:
            v = array.array("f", [transform(x) for x in v])
        if squeeze:
            shape = [s for s in shape if s != 1]
        ne = list(reversed(shape))
        if len(ne) == 2 and ne[0] % 32 == 0:
            tensors.append((gname, ne, 8, q8_0(v)))
        else:
            tensors.append((gname, ne, 0, v.tobytes()))

    add("token_embd.weight", "backbone.embeddings.weight")
    for i in range(L):
        p, q = f"backbone.layers.{i}.", f"blk.{i}."
        add(q + "attn_norm.weight", p + "norm.weight")
        add(q + "ssm_in.weight", p + "mixer.in_proj.weight")
        add(q + "ssm_conv1d.weight", p + "mixer.conv1d.weight", squeeze=True)
        if p + "mixer.conv1d.bias" in w:
            add(q + "ssm_conv1d.bias", p + "mixer.conv1d.bias")
        add(q + "ssm_x.weight", p + "mixer.x_proj.weight")
        add(q + "ssm_dt.weight", p + "mixer.dt_proj.weight")
        add(q + "ssm_dt.bias", p + "mixer.dt_proj.bias")
        add(q + "ssm_a", p + "mixer.A_log", transform=lambda x: -math.exp(x))
        add(q + "ssm_d", p + "mixer.D")
        add(q + "ssm_out.weight", p + "mixer.out_proj.weight")
    add("output_norm.weight", "backbone.norm_f.weight")
    if "lm_head.weight" in w and not cfg.get("tie_word_embeddings", True):
        add("output.weight", "lm_head.weight")

    vocab = dict(tj["model"]["vocab"])
    added = {a["id"]: a for a in tj.get("added_tokens", [])}
    for i, a in added.items():
        vocab[a["content"]] = i
    n = max(vocab.values()) + 1
    toks = [""] * n
    for s, i in vocab.items():
        toks[i] = s
    types = [(3 if added[i]["special"] else 4) if i in added else 1 for i in range(n)]
    merges = [m if isinstance(m, str) else " ".join(m) for m in tj["model"]["merges"]]
    kvs = [kv_str("general.architecture", "mamba"), kv_str("general.name", src.rstrip("/").split("/")[-1]),
           kv_u32("general.file_type", 7), kv_u32("general.quantization_version", 2),
           kv_u32("mamba.context_length", 1 << 20), kv_u32("mamba.embedding_length", d),
           kv_u32("mamba.block_count", L), kv_u32("mamba.ssm.conv_kernel", cfg["conv_kernel"]),
           kv_u32("mamba.ssm.inner_size", cfg["intermediate_size"]), kv_u32("mamba.ssm.state_size", cfg["state_size"]),
           kv_u32("mamba.ssm.time_step_rank", cfg["time_step_rank"]),
           kv_f32("mamba.attention.layer_norm_rms_epsilon", cfg["layer_norm_epsilon"]),
           kv_bool("mamba.ssm.dt_b_c_rms", False),
           kv_str("tokenizer.ggml.model", "gpt2"), kv_str("tokenizer.ggml.pre", "gpt-2"),
           kv_arr("tokenizer.ggml.tokens", 8, toks), kv_arr("tokenizer.ggml.token_type", 5, types),
           kv_arr("tokenizer.ggml.merges", 8, merges)]
    infos, off, datas = [], 0, []
    for name, ne, ty, data in tensors:
        off = (off + 31) // 32 * 32
        infos.append(gstr(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", x) for x in ne) +
                     struct.pack("<IQ", ty, off))
        datas.append((off, data))
        off += len(data)
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs)) + b"".join(kvs) + b"".join(infos)
    head += b"\0" * ((32 - len(head) % 32) % 32)
    body = bytearray(off)
    for o, data in datas:
        body[o:o + len(data)] = data
    with open(dst, "wb") as f:
        f.write(head + bytes(body))


if __name__ == "__main__":
    main()
