#!/usr/bin/env python3
"""Write a Hugging Face Mamba model directory (config.json + safetensors,
single or sharded) as an F32 GGUF file, from the GGUF specification and
llama.cpp's conventions (SPEC.md section E), independently of mamba.h's writer:

    python3 tests/ref/gguf_write.py MODEL_DIR OUT.gguf

Pure Python (struct + math, no numpy) so that `make test` can run it.
Conventions followed (convert_hf_to_gguf.py, llama-model.cpp):
  - general.architecture "mamba" (Mamba-1, Falcon Mamba: mamba.ssm.dt_b_c_rms
    true) or "mamba2" (mamba2.ssm.group_count; time_step_rank = heads);
  - ne[] is the PyTorch shape reversed; conv1d [C,1,K] squeezed to ne {K, C};
  - ssm_a = -exp(A_log): Mamba-1 ne {N, E}; Mamba-2 A and D unsqueezed to {1, H};
  - Mamba-2 mixer.norm.weight reshaped per group to ne {E/G, G};
  - dt_bias -> ssm_dt.bias; output.weight only when the embeddings are untied;
  - every tensor F32, data 32-byte aligned. No tokenizer keys (the C test
    compares logits only)."""
import json
import math
import os
import struct
import sys


def read_safetensors(path):
    raw = open(path, "rb").read()
    (hlen,) = struct.unpack_from("<Q", raw, 0)
    header = json.loads(raw[8:8 + hlen])
    base = 8 + hlen
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        buf = raw[base + b:base + e]
        dt = info["dtype"]
        if dt == "F32":
            vals = list(struct.unpack("<%df" % (len(buf) // 4), buf))
        elif dt == "F16":
            vals = list(struct.unpack("<%de" % (len(buf) // 2), buf))
        elif dt == "BF16":
            hs = struct.unpack("<%dH" % (len(buf) // 2), buf)
            vals = [struct.unpack("<f", struct.pack("<I", h << 16))[0] for h in hs]
        else:
            raise SystemExit("unsupported dtype " + dt)
        out[name] = (list(info["shape"]), vals)
    return out


def load_dir(d):
    idx = os.path.join(d, "model.safetensors.index.json")
    tensors = {}
    if os.path.exists(idx):
        for f in sorted(set(json.load(open(idx))["weight_map"].values())):
            tensors.update(read_safetensors(os.path.join(d, f)))
    else:
        tensors.update(read_safetensors(os.path.join(d, "model.safetensors")))
    return tensors


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def main():
    src, dst = sys.argv[1], sys.argv[2]
    cfg = json.load(open(os.path.join(src, "config.json")))
    ts = load_dir(src)
    original = "d_model" in cfg
    ssm = cfg.get("ssm_cfg", {}) or {}
    if original:
        mamba2 = ssm.get("layer") == "Mamba2"
        arch = "mamba2" if mamba2 else "mamba"
        d_model, n_layer = cfg["d_model"], cfg["n_layer"]
        eps = cfg.get("norm_epsilon", 1e-5)
        expand = ssm.get("expand", 2)
        d_state = ssm.get("d_state", 128 if mamba2 else 16)
        d_conv = ssm.get("d_conv", 4)
        head_dim = ssm.get("headdim", 64)
        n_groups = ssm.get("ngroups", 1)
        falcon = False
        d_inner = expand * d_model
        dt_rank = ssm.get("dt_rank", "auto")
    else:
        mt = cfg["model_type"]
        mamba2 = mt == "mamba2"
        falcon = mt == "falcon_mamba"
        arch = "mamba2" if mamba2 else "mamba"
        d_model, n_layer = cfg["hidden_size"], cfg["num_hidden_layers"]
        eps = cfg.get("layer_norm_epsilon", 1e-5)
        d_state = cfg.get("state_size", 128 if mamba2 else 16)
        d_conv = cfg.get("conv_kernel", 4)
        head_dim = cfg.get("head_dim", 64)
        n_groups = cfg.get("n_groups", 8)
        d_inner = cfg.get("intermediate_size", cfg.get("expand", 2) * d_model) if not mamba2 else cfg.get("expand", 2) * d_model
        dt_rank = cfg.get("time_step_rank", "auto")
    if dt_rank == "auto" or dt_rank is None:
        dt_rank = math.ceil(d_model / 16)
    n_heads = d_inner // head_dim if mamba2 else 0

    def get(name):
        for n in (name, name.replace("embeddings", "embedding")):
            if n in ts:
                return ts[n]
        return None

    out = []   # (name, ne list, values)

    def add(name, shape, vals):
        out.append((name, list(reversed(shape)), vals))

    emb = get("backbone.embeddings.weight")
    add("token_embd.weight", emb[0], emb[1])
    for l in range(n_layer):
        p = "backbone.layers.%d." % l
        g = "blk.%d." % l
        for hf, gg in (("norm.weight", "attn_norm.weight"), ("mixer.in_proj.weight", "ssm_in.weight"),
                       ("mixer.in_proj.bias", "ssm_in.bias"), ("mixer.conv1d.bias", "ssm_conv1d.bias"),
                       ("mixer.x_proj.weight", "ssm_x.weight"), ("mixer.dt_proj.weight", "ssm_dt.weight"),
                       ("mixer.dt_proj.bias", "ssm_dt.bias"), ("mixer.dt_bias", "ssm_dt.bias"),
                       ("mixer.out_proj.weight", "ssm_out.weight"), ("mixer.out_proj.bias", "ssm_out.bias")):
            t = get(p + hf)
            if t is not None:
                add(g + gg, t[0], t[1])
        shape, vals = get(p + "mixer.conv1d.weight")
        add(g + "ssm_conv1d.weight", [shape[0], shape[2]], vals)          # squeeze [C,1,K]
        shape, vals = get(p + "mixer.A_log")
        a = [f32(-math.exp(v)) for v in vals]
        add(g + "ssm_a", shape + [1] if mamba2 else shape, a)
        shape, vals = get(p + "mixer.D")
        add(g + "ssm_d", shape + [1] if mamba2 else shape, vals)
        if mamba2:
            shape, vals = get(p + "mixer.norm.weight")
            add(g + "ssm_norm.weight", [n_groups, d_inner // n_groups], vals)
    nf = get("backbone.norm_f.weight")
    add("output_norm.weight", nf[0], nf[1])
    lm = get("lm_head.weight")
    if lm is not None:
        add("output.weight", lm[0], lm[1])

    def s(x):
        b = x.encode()
        return struct.pack("<Q", len(b)) + b

    kv = [s("general.architecture") + struct.pack("<I", 8) + s(arch)]
    def u32(k, v): kv.append(s(k) + struct.pack("<II", 4, v))
    u32(arch + ".context_length", 1 << 20)
    u32(arch + ".embedding_length", d_model)
    u32(arch + ".block_count", n_layer)
    u32(arch + ".ssm.conv_kernel", d_conv)
    u32(arch + ".ssm.inner_size", d_inner)
    u32(arch + ".ssm.state_size", d_state)
    u32(arch + ".ssm.time_step_rank", n_heads if mamba2 else dt_rank)
    if mamba2:
        u32(arch + ".ssm.group_count", n_groups)
    kv.append(s(arch + ".attention.layer_norm_rms_epsilon") + struct.pack("<If", 6, eps))
    if not mamba2:
        kv.append(s("mamba.ssm.dt_b_c_rms") + struct.pack("<IB", 7, 1 if falcon else 0))
    u32("general.file_type", 0)

    infos, blobs, off = [], [], 0
    for name, ne, vals in out:
        assert math.prod(ne) == len(vals), name
        data = struct.pack("<%df" % len(vals), *vals)
        infos.append(s(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", n) for n in ne)
                     + struct.pack("<IQ", 0, off))
        pad = (-len(data)) % 32
        blobs.append(data + b"\0" * pad)
        off += len(data) + pad
    head = b"GGUF" + struct.pack("<IQQ", 3, len(out), len(kv)) + b"".join(kv) + b"".join(infos)
    head += b"\0" * ((-len(head)) % 32)
    with open(dst, "wb") as f:
        f.write(head + b"".join(blobs))


if __name__ == "__main__":
    main()
