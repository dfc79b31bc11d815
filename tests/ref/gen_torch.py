#!/usr/bin/python3
"""Writes tests/data/pt-*: the golden safetensors models of tests/data saved
again with Debian's python3-torch `torch.save`, in the original state-spaces
layout (config.json with d_model / n_layer / ssm_cfg, pytorch_model.bin or
pytorch_model-0000N-of-0000M.bin + pytorch_model.bin.index.json, the tensor
names of mamba_ssm's MambaLMHeadModel, `backbone.embedding.weight`).

Each model holds exactly the weights of its twin (the same bits), so the C
test can demand bit-identical logits from both loads and check them against
the twin's float64 logits.txt. Deterministic: run it twice, get the same bytes
(torch.save writes no timestamps).

    /usr/bin/python3 tests/ref/gen_torch.py        # needs python3-torch

What each one exercises (as state-spaces' save_pretrained writes them):
  pt-m1-tied-f32     <- m1-odd-f32: vocab 61 padded to 64 rows (pad 8), a tied
                        lm_head.weight sharing the embedding's storage (as
                        state_dict() of a tied MambaLMHeadModel), the state
                        dict's _metadata (a BUILD), x_proj.weight stored
                        transposed (strided: gathered once), every layer's
                        dt_proj.bias and D slices of one shared storage
                        (storage offsets).
  pt-m1-f16-untied   <- m1-f16-untied-bias: F16 with F32 A_log / D, untied,
                        in/out_proj biases, no conv bias, lm_head padded to 56.
  pt-m2-f32-tied     <- m2-g1-tied: Mamba-2, F32, tied (shared storage).
  pt-m2-f16-untied   <- m2-g2-untied: Mamba-2, F16 (norms F32), two groups,
                        ssm_cfg.dt_limit [0.001, 0.2].
  pt-m1-bf16-sharded <- m1-bf16-sharded: BF16, three .bin shards + index.
"""
import collections
import json
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")


def read_safetensors(path):
    """name -> torch tensor with the stored dtype and bits."""
    raw = open(path, "rb").read()
    (hlen,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + hlen])
    base = 8 + hlen
    dt = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        buf = bytearray(raw[base + a:base + b])
        t = torch.frombuffer(buf, dtype=dt[info["dtype"]]) if b > a else torch.zeros(0, dtype=dt[info["dtype"]])
        out[name] = t.reshape(info["shape"]).clone()
    return out


def read_model(d):
    idx = os.path.join(DATA, d, "model.safetensors.index.json")
    if os.path.exists(idx):
        files = sorted(set(json.load(open(idx))["weight_map"].values()))
        w = {}
        for f in files:
            w.update(read_safetensors(os.path.join(DATA, d, f)))
        return w, files
    return read_safetensors(os.path.join(DATA, d, "model.safetensors")), None


def rename(w):
    """HF names -> state-spaces' (embedding, singular)."""
    out = collections.OrderedDict()
    for k in sorted(w):
        out[k.replace("backbone.embeddings.weight", "backbone.embedding.weight")] = w[k]
    return out


def pad_rows(t, rows, gen):
    if t.shape[0] >= rows:
        return t
    extra = torch.randn(rows - t.shape[0], t.shape[1], generator=gen).to(t.dtype)
    return torch.cat([t, extra], 0)


def with_metadata(sd, n_layer):
    """state_dict() of an nn.Module carries _metadata (pickled with a BUILD)."""
    meta = collections.OrderedDict()
    meta[""] = {"version": 1}
    meta["backbone"] = {"version": 1}
    meta["backbone.embedding"] = {"version": 1}
    for i in range(n_layer):
        for sub in ("", ".mixer", ".mixer.in_proj", ".mixer.conv1d", ".norm"):
            meta["backbone.layers.%d%s" % (i, sub)] = {"version": 1}
    meta["lm_head"] = {"version": 1}
    sd._metadata = meta
    return sd


def write(d, cfg, sd):
    out = os.path.join(DATA, d)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    torch.save(sd, os.path.join(out, "pytorch_model.bin"))


def main():
    gen = torch.Generator().manual_seed(18)

    # Mamba-1, F32, tied, padded, strided + offset storages
    w = rename(read_model("m1-odd-f32")[0])
    emb = pad_rows(w["backbone.embedding.weight"], 64, gen)
    sd = collections.OrderedDict()
    for k, t in w.items():
        if k.endswith("x_proj.weight"):
            t = t.t().contiguous().t()          # same values, column-major storage
            assert not t.is_contiguous()
        sd[k] = t
    sd["backbone.embedding.weight"] = emb
    sd["lm_head.weight"] = emb.detach()         # tied: a second tensor on the same storage
    n_layer = 2
    for i in range(n_layer):                    # dt_proj.bias and D: slices of one storage
        a = sd["backbone.layers.%d.mixer.dt_proj.bias" % i]
        b = sd["backbone.layers.%d.mixer.D" % i]
        flat = torch.cat([torch.zeros(3), a, b, torch.zeros(2)])
        sd["backbone.layers.%d.mixer.dt_proj.bias" % i] = flat[3:3 + a.numel()]
        sd["backbone.layers.%d.mixer.D" % i] = flat[3 + a.numel():3 + a.numel() + b.numel()]
    write("pt-m1-tied-f32", {"d_model": 37, "n_layer": 2, "vocab_size": 61, "ssm_cfg": {"d_state": 7},
                             "rms_norm": True, "residual_in_fp32": True, "fused_add_norm": True,
                             "pad_vocab_size_multiple": 8, "tie_embeddings": True},
          with_metadata(sd, n_layer))

    # Mamba-1, F16, untied, biases
    w = rename(read_model("m1-f16-untied-bias")[0])
    w["backbone.embedding.weight"] = pad_rows(w["backbone.embedding.weight"], 56, gen)
    w["lm_head.weight"] = pad_rows(w["lm_head.weight"], 56, gen)
    write("pt-m1-f16-untied", {"d_model": 24, "n_layer": 3, "vocab_size": 50,
                               "ssm_cfg": {"d_state": 16, "d_conv": 3, "dt_rank": 5, "bias": True, "conv_bias": False},
                               "rms_norm": True, "residual_in_fp32": True, "fused_add_norm": True,
                               "pad_vocab_size_multiple": 8, "tie_embeddings": False},
          with_metadata(w, 3))

    # Mamba-2, F32, tied
    w = rename(read_model("m2-g1-tied")[0])
    emb = pad_rows(w["backbone.embedding.weight"], 72, gen)
    w["backbone.embedding.weight"] = emb
    w["lm_head.weight"] = emb.detach()
    write("pt-m2-f32-tied", {"d_model": 40, "d_intermediate": 0, "n_layer": 2, "vocab_size": 70,
                             "ssm_cfg": {"layer": "Mamba2", "d_state": 12, "headdim": 10, "ngroups": 1},
                             "attn_layer_idx": [], "attn_cfg": {}, "rms_norm": True, "residual_in_fp32": True,
                             "fused_add_norm": True, "pad_vocab_size_multiple": 8, "tie_embeddings": True},
          with_metadata(w, 2))

    # Mamba-2, F16, untied, two groups, dt_limit
    w = rename(read_model("m2-g2-untied")[0])
    write("pt-m2-f16-untied", {"d_model": 48, "d_intermediate": 0, "n_layer": 3, "vocab_size": 90,
                               "ssm_cfg": {"layer": "Mamba2", "d_state": 16, "d_conv": 3, "headdim": 12, "ngroups": 2,
                                           "dt_limit": [0.001, 0.2]},
                               "attn_layer_idx": [], "attn_cfg": {}, "rms_norm": True, "residual_in_fp32": True,
                               "fused_add_norm": True, "pad_vocab_size_multiple": 1, "tie_embeddings": False},
          with_metadata(w, 3))

    # Mamba-1, BF16, three shards as the twin is sharded
    src = "m1-bf16-sharded"
    wmap = json.load(open(os.path.join(DATA, src, "model.safetensors.index.json")))["weight_map"]
    out = os.path.join(DATA, "pt-m1-bf16-sharded")
    os.makedirs(out, exist_ok=True)
    files = sorted(set(wmap.values()))
    index = {"metadata": {"total_size": 0}, "weight_map": {}}
    for n, f in enumerate(files):
        part = rename(read_safetensors(os.path.join(DATA, src, f)))
        name = "pytorch_model-%05d-of-%05d.bin" % (n + 1, len(files))
        torch.save(part, os.path.join(out, name))
        for k, t in part.items():
            index["weight_map"][k] = name
            index["metadata"]["total_size"] += t.numel() * t.element_size()
    index["weight_map"] = dict(sorted(index["weight_map"].items()))
    with open(os.path.join(out, "pytorch_model.bin.index.json"), "w") as f:
        json.dump(index, f, indent=2)
        f.write("\n")
    with open(os.path.join(out, "config.json"), "w") as f:
        f.write(open(os.path.join(DATA, src, "config.json")).read())
    print("torch", torch.__version__, "wrote tests/data/pt-*")


if __name__ == "__main__":
    sys.exit(main())
