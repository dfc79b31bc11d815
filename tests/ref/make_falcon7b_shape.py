#!/usr/bin/python3
"""Write a random-weight model with the exact shape of Falcon Mamba 7B (not committed).

    tests/ref/make_falcon7b_shape.py OUTDIR [--seed S] [--shard-bytes B] [--golden N]

OUTDIR gets config.json (model_type falcon_mamba: d_model 4096, 64 layers, d_inner
8192, state 16, dt_rank 256, conv 4, vocab 65024, untied lm_head), BF16 safetensors
(A_log F32) sharded into files of at most --shard-bytes (default 5e9, HF's "5GB")
with model.safetensors.index.json, and tokenizer.json (a copy of the shared Falcon
tokenizer, when present). About 14.5 GB. It exists to check that the C library maps
such a model without converting it to F32 (peak RSS well under 16 GB) and generates.

Memory stays small: every tensor is generated, converted to BF16 and written in
slices of --slice elements (default 8M), then freed; file headers are computed
up front from the shapes. Deterministic: each tensor has its own seeded stream.

Scales keep activations finite over 64 layers: matrices std 1/sqrt(fan_in)
(in_proj, x_proj, out_proj, lm_head), embeddings std 1, conv U(+-0.5), conv bias
U(+-0.1), dt_proj U(+-R^-1/2), dt bias softplus^-1(logU[1e-3, 1e-1]), A_log
log(1..16) + N(0, 0.2), D 1 + N(0, 0.1), norms 1 + N(0, 0.1).

--golden N additionally writes tokens.txt (N ids, containing 0 and 65023 twice in a
row) and logits.txt (same format as tests/data), computed by mamba_ref.py's own
mixer step in float64 on the weights as stored, layer by layer (each layer's
weights are read once through np.memmap, run over all N tokens, then freed), and
prints how close a float32 run of the same code gets (in units of the tolerance
1e-4 + 1e-3|ref|).
"""
import argparse
import json
import math
import os
import shutil
import struct
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import mamba_ref as ref  # noqa: E402

D_MODEL, N_LAYER, D_INNER, N, R, K, VOCAB = 4096, 64, 8192, 16, 256, 4, 65024
TOKENIZER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "shared", "tokenizer-falcon.json")


def config():
    return {"architectures": ["FalconMambaForCausalLM"], "model_type": "falcon_mamba",
            "hidden_size": D_MODEL, "num_hidden_layers": N_LAYER, "state_size": N, "expand": 2,
            "intermediate_size": D_INNER, "conv_kernel": K, "time_step_rank": R,
            "use_bias": False, "use_conv_bias": True, "layer_norm_epsilon": 1e-5,
            "mixer_rms_eps": 1e-6, "hidden_act": "silu", "residual_in_fp32": True,
            "vocab_size": VOCAB, "tie_word_embeddings": False, "bos_token_id": 0,
            "eos_token_id": 11, "pad_token_id": 11, "torch_dtype": "bfloat16"}


def tensor_specs():
    """[(name, dtype, shape, init)] in module order (the order HF fills shards in).
    init: ("normal", std, mean) | ("uniform", lo, hi) | special strings."""
    s = [("backbone.embeddings.weight", "BF16", (VOCAB, D_MODEL), ("normal", 1.0, 0.0))]
    for i in range(N_LAYER):
        p = "backbone.layers.%d." % i
        m = p + "mixer."
        s += [(m + "A_log", "F32", (D_INNER, N), ("a_log",)),
              (m + "D", "BF16", (D_INNER,), ("normal", 0.1, 1.0)),
              (m + "conv1d.bias", "BF16", (D_INNER,), ("uniform", -0.1, 0.1)),
              (m + "conv1d.weight", "BF16", (D_INNER, 1, K), ("uniform", -0.5, 0.5)),
              (m + "dt_proj.bias", "BF16", (D_INNER,), ("dt_bias",)),
              (m + "dt_proj.weight", "BF16", (D_INNER, R), ("uniform", -R ** -0.5, R ** -0.5)),
              (m + "in_proj.weight", "BF16", (2 * D_INNER, D_MODEL), ("normal", D_MODEL ** -0.5, 0.0)),
              (m + "out_proj.weight", "BF16", (D_MODEL, D_INNER), ("normal", D_INNER ** -0.5, 0.0)),
              (m + "x_proj.weight", "BF16", (R + 2 * N, D_INNER), ("normal", D_INNER ** -0.5, 0.0)),
              (p + "norm.weight", "BF16", (D_MODEL,), ("normal", 0.1, 1.0))]
    s += [("backbone.norm_f.weight", "BF16", (D_MODEL,), ("normal", 0.1, 1.0)),
          ("lm_head.weight", "BF16", (VOCAB, D_MODEL), ("normal", D_MODEL ** -0.5, 0.0))]
    return s


SIZE = {"F32": 4, "BF16": 2}


def generate(rng, init, shape, start, count):
    """float32 values [start, start+count) of the flattened tensor."""
    kind = init[0]
    if kind == "normal":
        a = rng.standard_normal(count, dtype=np.float32)
        a *= init[1]
        a += init[2]
        return a
    if kind == "uniform":
        a = rng.random(count, dtype=np.float32)
        a *= init[2] - init[1]
        a += init[1]
        return a
    if kind == "dt_bias":
        dt = np.exp(rng.uniform(math.log(1e-3), math.log(1e-1), count))
        return (dt + np.log(-np.expm1(-dt))).astype(np.float32)
    if kind == "a_log":  # row-major [D_INNER, N]: column n -> log(n + 1)
        n = (np.arange(start, start + count) % shape[-1]) + 1
        return (np.log(n) + 0.2 * rng.standard_normal(count)).astype(np.float32)
    raise ValueError(kind)


def to_bf16(a):
    """float32 -> BF16 bits, round-to-nearest-even (finite values), in place as far as numpy allows."""
    u = a.view(np.uint32)
    u += ((u >> 16) & 1) + np.uint32(0x7FFF)
    return (u >> 16).astype(np.uint16)


def plan_shards(specs, shard_bytes):
    """Greedy in module order, like transformers' shard_checkpoint -> [[spec, ...], ...]."""
    shards, cur, size = [], [], 0
    for sp in specs:
        nb = math.prod(sp[2]) * SIZE[sp[1]]
        if cur and size + nb > shard_bytes:
            shards.append(cur)
            cur, size = [], 0
        cur.append(sp)
        size += nb
    shards.append(cur)
    return shards


def write_shard(path, specs, seeds, slice_elems):
    # HF writer order inside a file: wider dtypes first, then by name (element-aligned)
    specs = sorted(specs, key=lambda sp: (-SIZE[sp[1]], sp[0]))
    header, off = {"__metadata__": {"format": "pt"}}, 0
    for name, dt, shape, _ in specs:
        nb = math.prod(shape) * SIZE[dt]
        header[name] = {"dtype": dt, "shape": list(shape), "data_offsets": [off, off + nb]}
        off += nb
    hj = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hj += b" " * (-(8 + len(hj)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hj)) + hj)
        for name, dt, shape, init in specs:
            rng = np.random.default_rng(seeds[name])
            total = math.prod(shape)
            for start in range(0, total, slice_elems):
                a = generate(rng, init, shape, start, min(slice_elems, total - start))
                f.write((to_bf16(a) if dt == "BF16" else a).tobytes())
                del a
    assert os.path.getsize(path) == 8 + len(hj) + off
    return off


# --------------------------------------------------------------------------
# optional golden logits, layer-major over memory-mapped shards

class Mapped:
    """name -> float64 array read on demand from the shards (np.memmap, no full load)."""

    def __init__(self, d):
        with open(os.path.join(d, "model.safetensors.index.json")) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
        self.t = {}
        for fn in files:
            path = os.path.join(d, fn)
            with open(path, "rb") as f:
                (n,) = struct.unpack("<Q", f.read(8))
                hdr = json.loads(f.read(n))
            for name, info in hdr.items():
                if name != "__metadata__":
                    self.t[name] = (path, 8 + n, info)

    def get(self, name, dtype=np.float64, rows=None):
        """The tensor (or only rows[...] of its first axis) converted to dtype."""
        path, base, info = self.t[name]
        b, e = info["data_offsets"]
        raw = np.memmap(path, dtype=ref._NP[info["dtype"]], mode="r", offset=base + b,
                        shape=tuple(info["shape"]))
        raw = np.array(raw if rows is None else raw[rows])
        a = ref.bf16_bits_to_f32(raw) if info["dtype"] == "BF16" else raw
        return a.astype(dtype)


def golden(d, tokens):
    """-> (float64 logits [T, VOCAB], float32 logits) using mamba_ref.mamba1_mixer_step."""
    with open(os.path.join(d, "config.json")) as f:
        cfg = ref.normalize_config(json.load(f))
    wm = Mapped(d)
    out = []
    for dtype in (np.float64, np.float32):
        res = wm.get("backbone.embeddings.weight", dtype, np.asarray(tokens))
        for i in range(cfg["n_layer"]):
            pre = "backbone.layers.%d." % i
            p = {k[len(pre) + 6:]: wm.get(k, dtype) for k in wm.t if k.startswith(pre + "mixer.")}
            nw = wm.get(pre + "norm.weight", dtype)
            conv = np.zeros((cfg["d_inner"], cfg["d_conv"] - 1), dtype)
            h = np.zeros((cfg["d_inner"], cfg["d_state"]), dtype)
            for t in range(len(tokens)):
                res[t] = res[t] + ref.mamba1_mixer_step(p, cfg, ref.rmsnorm(res[t], nw, cfg["eps"]), conv, h)
            del p
        fw = wm.get("backbone.norm_f.weight", dtype)
        F = np.stack([ref.rmsnorm(r, fw, cfg["eps"]) for r in res])
        logits = np.empty((len(tokens), VOCAB), dtype)
        head_rows = 8192
        for r0 in range(0, VOCAB, head_rows):
            hw = wm.get("lm_head.weight", dtype, slice(r0, r0 + head_rows))
            logits[:, r0:r0 + head_rows] = F @ hw.T
        out.append(logits.astype(np.float64))
        print("  %s pass done, |logit| max %.3g, finite %s" % (np.dtype(dtype).name, np.abs(logits).max(),
                                                               bool(np.isfinite(logits).all())), flush=True)
    return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--shard-bytes", type=float, default=5e9)
    ap.add_argument("--slice", type=int, default=1 << 23, help="elements generated at a time")
    ap.add_argument("--golden", type=int, default=0, metavar="N", help="also write N tokens' logits")
    ap.add_argument("--golden-only", action="store_true", help="skip writing weights (already there)")
    a = ap.parse_args(argv)
    os.makedirs(a.outdir, exist_ok=True)
    t0 = time.time()
    specs = tensor_specs()
    if not a.golden_only:
        seeds = {sp[0]: [a.seed, i] for i, sp in enumerate(specs)}
        shards = plan_shards(specs, a.shard_bytes)
        n = len(shards)
        wmap, total = {}, 0
        for s, part in enumerate(shards, 1):
            fn = "model-%05d-of-%05d.safetensors" % (s, n)
            total += write_shard(os.path.join(a.outdir, fn), part, seeds, a.slice)
            for sp in part:
                wmap[sp[0]] = fn
            print("%s: %d tensors, %.3f GB, %.0f s" % (fn, len(part), os.path.getsize(
                os.path.join(a.outdir, fn)) / 1e9, time.time() - t0), flush=True)
        with open(os.path.join(a.outdir, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": total}, "weight_map": dict(sorted(wmap.items()))}, f, indent=2)
            f.write("\n")
        with open(os.path.join(a.outdir, "config.json"), "w") as f:
            json.dump(config(), f, indent=2)
            f.write("\n")
        if os.path.exists(TOKENIZER):
            shutil.copyfile(TOKENIZER, os.path.join(a.outdir, "tokenizer.json"))
        print("weights: %d tensors, %.3f GB of tensor data, %d shards, %.0f s"
              % (len(specs), total / 1e9, n, time.time() - t0), flush=True)
    if a.golden:
        rng = np.random.default_rng(a.seed + 1000)
        toks = [int(x) for x in rng.integers(0, VOCAB, a.golden)]
        if a.golden >= 4:
            toks[1], toks[2], toks[3] = VOCAB - 1, VOCAB - 1, 0
        t1 = time.time()
        g64, g32 = golden(a.outdir, toks)
        with open(os.path.join(a.outdir, "tokens.txt"), "w") as f:
            f.write(" ".join(map(str, toks)) + "\n")
        with open(os.path.join(a.outdir, "logits.txt"), "w") as f:
            f.write(ref.format_logits(g64))
        mx, rel = ref.compare(g32, g64)
        print("golden: %d tokens, %.0f s; float32 run vs float64: max abs err %.3g, max err/tol %.3g"
              % (len(toks), time.time() - t1, mx, rel))
        print("greedy argmax per token:", " ".join(str(int(i)) for i in g64.argmax(1)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
