#!/usr/bin/python3
"""Independent numpy reference for mamba.h (float64 math).

Mamba-1 and Falcon Mamba single-token recurrent step, as in SPEC.md A.2/A.3/B,
loading a Hugging Face model directory (config.json + model.safetensors or a
sharded model.safetensors.index.json). numpy only: no torch, no safetensors pkg.

Usage:
  mamba_ref.py MODEL_DIR [--tokens IDS...|--tokens-file F] [--compare logits.txt]
  mamba_ref.py MODEL_DIR --greedy N --tokens PROMPT_IDS...

Layout: safetensors I/O -> config normalisation -> weight loading -> per-arch
mixer step functions (mamba1_mixer_step; a mamba2_mixer_step can sit beside it
and be chosen in Model.__init__) -> Model.step (embedding, blocks, norm_f, head).
"""
import json
import math
import os
import struct
import sys

import numpy as np

# --------------------------------------------------------------------------
# dtypes: BF16 is hand-rolled (numpy has none)

def bf16_bits_to_f32(bits):
    """uint16 BF16 bit patterns -> float32 (bits << 16), exact."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


def f32_to_bf16_bits(x):
    """float32 -> uint16 BF16 bits, round-to-nearest-even (same as torch's .to(bfloat16)
    for finite values): add 0x7FFF + lsb-of-result, then truncate."""
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    u = u + 0x7FFF + ((u >> 16) & 1)
    return (u >> 16).astype(np.uint16)


# --------------------------------------------------------------------------
# safetensors

_NP = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "BF16": "<u2"}


def read_safetensors(path):
    """-> {name: (dtype_str, float64 array)}."""
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack_from("<Q", buf, 0)
    header = json.loads(buf[8:8 + n].decode("utf-8"))
    data = memoryview(buf)[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dt, shape, (b, e) = info["dtype"], info["shape"], info["data_offsets"]
        out[name] = (dt, decode_tensor(data[b:e], dt, shape))
    return out


def encode_tensor(arr, dtype):
    """Bytes as stored. Narrow types are rounded from float32, like torch's .to()."""
    a = np.asarray(arr, np.float64 if dtype == "F64" else np.float32)
    if dtype == "BF16":
        return f32_to_bf16_bits(a).tobytes()
    return np.ascontiguousarray(a, dtype=_NP[dtype]).tobytes()


def decode_tensor(raw, dtype, shape):
    a = np.frombuffer(raw, dtype=_NP[dtype])
    assert a.size == math.prod(shape)
    return (bf16_bits_to_f32(a) if dtype == "BF16" else a).astype(np.float64).reshape(shape)


def round_to_dtype(arr, dtype):
    """float64 value of arr after storing it as `dtype`."""
    return decode_tensor(encode_tensor(arr, dtype), dtype, np.shape(arr))


def build_safetensors(tensors, metadata=None, pad_header=True):
    """tensors: {name: (dtype_str, array)}, stored in the given order -> file bytes.
    pad_header=True pads the JSON with spaces so the data starts at a multiple of 8
    (what the HF writer does); False leaves it unpadded."""
    header = {"__metadata__": dict(metadata or {"format": "pt"})}
    blobs, off = [], 0
    for name, (dt, arr) in tensors.items():
        blob = encode_tensor(arr, dt)
        header[name] = {"dtype": dt, "shape": list(np.shape(arr)),
                        "data_offsets": [off, off + len(blob)]}
        blobs.append(blob)
        off += len(blob)
    hj = json.dumps(header, separators=(",", ":")).encode("utf-8")
    if pad_header:
        hj += b" " * (-(8 + len(hj)) % 8)
    return struct.pack("<Q", len(hj)) + hj + b"".join(blobs)


def write_safetensors(path, tensors, **kw):
    with open(path, "wb") as f:
        f.write(build_safetensors(tensors, **kw))

# --------------------------------------------------------------------------
# config

def normalize_config(c):
    """HF (mamba / falcon_mamba) or original state-spaces config dict ->
    {arch, d_model, n_layer, d_inner, d_state, d_conv, dt_rank, eps, mixer_eps,
     vocab_size, tied}."""
    if "d_model" in c:  # original state-spaces format (mamba_ssm MambaConfig)
        ssm = c.get("ssm_cfg") or {}
        if ssm.get("layer", "Mamba1") != "Mamba1":
            raise NotImplementedError("ssm_cfg.layer=%r" % ssm.get("layer"))
        if not c.get("rms_norm", True) or c.get("d_intermediate", 0) or c.get("attn_layer_idx"):
            raise NotImplementedError("only pure RMSNorm Mamba-1 stacks")
        d = c["d_model"]
        dt_rank = ssm.get("dt_rank", "auto")
        vocab = c["vocab_size"]
        # MambaLMHeadModel pads the embedding row count; logical vocab stays vocab_size
        return dict(arch="mamba", d_model=d, n_layer=c["n_layer"],
                    d_inner=ssm.get("expand", 2) * d, d_state=ssm.get("d_state", 16),
                    d_conv=ssm.get("d_conv", 4),
                    dt_rank=math.ceil(d / 16) if dt_rank == "auto" else dt_rank,
                    eps=1e-5, mixer_eps=None, vocab_size=vocab,
                    tied=c.get("tie_embeddings", True))
    mt = c.get("model_type", "mamba")
    if mt not in ("mamba", "falcon_mamba"):
        raise NotImplementedError("model_type %r" % mt)
    d = c["hidden_size"]
    r = c.get("time_step_rank", "auto")
    return dict(arch=mt, d_model=d, n_layer=c["num_hidden_layers"],
                d_inner=c.get("intermediate_size", c.get("expand", 2) * d),
                d_state=c.get("state_size", 16), d_conv=c.get("conv_kernel", 4),
                dt_rank=math.ceil(d / 16) if r == "auto" else r,
                eps=c.get("layer_norm_epsilon", 1e-5),
                mixer_eps=c.get("mixer_rms_eps", 1e-6) if mt == "falcon_mamba" else None,
                vocab_size=c["vocab_size"], tied=c.get("tie_word_embeddings", True))


def load_weights(model_dir):
    """All tensors as float64, from model.safetensors or the sharded index.
    Also returns {name: dtype}."""
    idx = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(idx):
        with open(idx) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    w, dts = {}, {}
    for fn in files:
        for name, (dt, arr) in read_safetensors(os.path.join(model_dir, fn)).items():
            w[name], dts[name] = arr, dt
    return w, dts

# --------------------------------------------------------------------------
# math helpers (float64)

def silu(x):
    return x / (1.0 + np.exp(-x))


def softplus(x):
    # torch.nn.functional.softplus(x) (beta=1, threshold=20)
    return np.where(x > 20.0, x, np.log1p(np.exp(np.minimum(x, 20.0))))


def rmsnorm(x, w, eps):
    # HF MambaRMSNorm: x * rsqrt(mean(x^2) + eps) * weight   (w=None: weightless)
    y = x / np.sqrt(np.mean(x * x) + eps)
    return y if w is None else y * w

# --------------------------------------------------------------------------
# Mamba-1 / Falcon Mamba mixer, one token

def mamba1_mixer_step(p, cfg, u, conv, h):
    """p: this layer's tensors with the 'backbone.layers.i.mixer.' prefix stripped.
    u: normed input [d_model]; conv: [d_inner, K-1] (oldest first), h: [d_inner, N];
    both updated in place. Returns out [d_model]."""
    di, N, R = cfg["d_inner"], cfg["d_state"], cfg["dt_rank"]
    xz = p["in_proj.weight"] @ u
    if "in_proj.bias" in p:
        xz = xz + p["in_proj.bias"]
    x, z = xz[:di], xz[di:]                       # x, z = xz.chunk(2, dim=1)

    # causal depthwise conv: window = [past K-1 inputs (oldest first), x];
    # tap K-1 hits the newest input (mamba_simple.step: sum(conv_state * w, -1))
    w = p["conv1d.weight"][:, 0, :]               # [d_inner, K]
    window = np.concatenate([conv, x[:, None]], axis=1)
    s = np.sum(window * w, axis=1)
    if "conv1d.bias" in p:
        s = s + p["conv1d.bias"]
    conv[:] = window[:, 1:]                       # roll left, keep raw pre-conv x
    xc = silu(s)

    xdbl = p["x_proj.weight"] @ xc                # x_db = self.x_proj(x)
    dlow, B, C = xdbl[:R], xdbl[R:R + N], xdbl[R + N:]
    if cfg["arch"] == "falcon_mamba":
        # modeling_falcon_mamba: rms_forward(..., variance_epsilon=mixer_rms_eps), no weight,
        # applied to time_step, B, C before dt_proj
        e = cfg["mixer_eps"]
        dlow, B, C = rmsnorm(dlow, None, e), rmsnorm(B, None, e), rmsnorm(C, None, e)
    # dt = F.softplus(self.dt_proj(dt))  -- bias added before softplus
    dt = softplus(p["dt_proj.weight"] @ dlow + p["dt_proj.bias"])
    A = -np.exp(p["A_log"])                       # A = -torch.exp(self.A_log.float())

    # selective_state_update: dA = exp(dt*A); dB = dt*B; h = h*dA + x*dB; y = h@C + D*x
    dA = np.exp(dt[:, None] * A)
    h[:] = h * dA + (dt * xc)[:, None] * B[None, :]
    y = h @ C + p["D"] * xc
    y = y * silu(z)                               # y = y * act(z)

    out = p["out_proj.weight"] @ y
    if "out_proj.bias" in p:
        out = out + p["out_proj.bias"]
    return out

# --------------------------------------------------------------------------

class Model:
    def __init__(self, config, weights, dtype=np.float64):
        """config: raw config.json dict; weights: {name: array}. dtype=np.float32 runs
        the same code in single precision (only to estimate what f32 C code can reach)."""
        self.cfg = cfg = normalize_config(config)
        self.dtype = dtype
        # original state-spaces name (HF renames it with a load hook; SPEC D.2)
        self.w = w = {("backbone.embeddings.weight" if k == "backbone.embedding.weight" else k):
                      np.asarray(v, dtype) for k, v in weights.items()}
        if cfg["arch"] in ("mamba", "falcon_mamba"):
            self.mixer_step = mamba1_mixer_step
        else:  # e.g. a future mamba2_mixer_step with its own state shapes
            raise NotImplementedError(cfg["arch"])
        self.layers = []
        for i in range(cfg["n_layer"]):
            pre = "backbone.layers.%d." % i
            p = {k[len(pre) + 6:]: v for k, v in w.items() if k.startswith(pre + "mixer.")}
            self.layers.append((w[pre + "norm.weight"], p))
        self.emb = w["backbone.embeddings.weight"]
        # tied: use lm_head if present, else the embedding (SPEC A.6)
        self.head = w.get("lm_head.weight", self.emb)
        assert self.emb.shape[0] >= cfg["vocab_size"]

    @classmethod
    def load(cls, model_dir, dtype=np.float64):
        with open(os.path.join(model_dir, "config.json")) as f:
            config = json.load(f)
        return cls(config, load_weights(model_dir)[0], dtype)

    def init_state(self):
        c = self.cfg
        return [(np.zeros((c["d_inner"], c["d_conv"] - 1), self.dtype),
                 np.zeros((c["d_inner"], c["d_state"]), self.dtype)) for _ in range(c["n_layer"])]

    def step(self, token, state):
        """Feed one token; updates state in place; returns the first vocab_size logits."""
        c = self.cfg
        r = self.emb[token].copy()                # residual stream
        for (norm_w, p), (conv, h) in zip(self.layers, state):
            r = r + self.mixer_step(p, c, rmsnorm(r, norm_w, c["eps"]), conv, h)
        f = rmsnorm(r, self.w["backbone.norm_f.weight"], c["eps"])
        return (self.head @ f)[:c["vocab_size"]]

    def logits_for(self, tokens):
        st = self.init_state()
        return np.array([self.step(t, st) for t in tokens])

    def greedy(self, prompt, n):
        st = self.init_state()
        for t in prompt:
            lg = self.step(t, st)
        out = []
        for _ in range(n):
            t = int(np.argmax(lg))
            out.append(t)
            lg = self.step(t, st)
        return out

# --------------------------------------------------------------------------

def format_logits(rows):
    return "".join(" ".join("%.9g" % v for v in row) + "\n" for row in rows)


def read_logits(path):
    with open(path) as f:
        return np.array([[float(v) for v in line.split()] for line in f if line.strip()])


def compare(got, ref):
    """-> (max abs err, max err / (1e-4 + 1e-3 |ref|)); <= 1 means within tolerance."""
    err = np.abs(got - ref)
    return float(err.max()), float((err / (1e-4 + 1e-3 * np.abs(ref))).max())


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model_dir")
    ap.add_argument("--tokens", type=int, nargs="*")
    ap.add_argument("--tokens-file")
    ap.add_argument("--compare", help="logits.txt to compare against")
    ap.add_argument("--greedy", type=int, metavar="N", help="greedy-decode N ids after the tokens")
    ap.add_argument("--f32", action="store_true", help="compute in float32 instead of float64")
    a = ap.parse_args(argv)
    m = Model.load(a.model_dir, np.float32 if a.f32 else np.float64)
    toks = a.tokens
    if toks is None:
        tf = a.tokens_file or os.path.join(a.model_dir, "tokens.txt")
        with open(tf) as f:
            toks = [int(t) for t in f.read().split()]
    if a.greedy:
        print(" ".join(map(str, m.greedy(toks, a.greedy))))
        return 0
    got = m.logits_for(toks)
    if a.compare:
        mx, rel = compare(got, read_logits(a.compare))
        print("max abs err %.3g, max err/(1e-4+1e-3|ref|) %.3g -> %s"
              % (mx, rel, "OK" if rel <= 1 else "FAIL"))
        return 0 if rel <= 1 else 1
    sys.stdout.write(format_logits(got))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
