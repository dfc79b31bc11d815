#!/usr/bin/python3
"""Independent numpy reference for mamba.h (float64 math).

Mamba-1, Falcon Mamba and Mamba-2 single-token recurrent step, as in SPEC.md
A.2/A.3/B/C.2, loading a Hugging Face model directory (config.json +
model.safetensors or a sharded model.safetensors.index.json; HF or original
state-spaces config). numpy only: no torch, no safetensors pkg.

Usage:
  mamba_ref.py MODEL_DIR [--tokens IDS...|--tokens-file F] [--compare logits.txt]
  mamba_ref.py MODEL_DIR --greedy N --tokens PROMPT_IDS...

Layout: safetensors I/O -> config normalisation -> weight loading -> per-arch
mixer step functions (mamba1_mixer_step, mamba2_mixer_step, chosen in
Model.__init__) -> Model.step (embedding, blocks, norm_f, head).
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
    """HF (mamba / falcon_mamba / mamba2) or original state-spaces config dict ->
    Mamba-1: {arch, d_model, n_layer, d_inner, d_state, d_conv, dt_rank, eps, mixer_eps,
              vocab_size, tied};
    Mamba-2: see mamba2_config."""
    if "d_model" in c:  # original state-spaces format (mamba_ssm MambaConfig)
        ssm = c.get("ssm_cfg") or {}
        if ssm.get("layer", "Mamba1") == "Mamba2":
            return mamba2_config(c)
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
    if mt == "mamba2":
        return mamba2_config(c)
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


def mamba2_config(c):
    """Mamba-2 config (HF `model_type: "mamba2"` or original `ssm_cfg.layer: "Mamba2"`) ->
    {arch="mamba2", d_model, n_layer, d_inner, d_ssm, head_dim, n_heads, n_groups, d_state,
     d_conv, eps (block norms, norm_f), norm_eps (gated norm), rmsnorm, norm_before_gate,
     dt_limit (lo, hi), vocab_size, tied}.
    Defaults are each format's class defaults: HF Mamba2Config (Codestral-shaped:
    state 128, head_dim 64, n_groups 8, tie false), state-spaces Mamba2 (d_state 128,
    headdim 64, ngroups 1, d_conv 4, expand 2, dt_limit (0, inf), gated-norm eps 1e-5)."""
    inf = float("inf")
    if "d_model" in c:
        ssm = c.get("ssm_cfg") or {}
        if not c.get("rms_norm", True) or c.get("d_intermediate", 0) or c.get("attn_layer_idx"):
            raise NotImplementedError("only pure RMSNorm Mamba-2 stacks")
        d = c["d_model"]
        d_inner = ssm.get("expand", 2) * d
        d_ssm = ssm.get("d_ssm") or d_inner            # d_ssm < d_inner: the rest is a gated MLP
        P = ssm.get("headdim", 64)
        cfg = dict(d_model=d, n_layer=c["n_layer"], d_inner=d_inner, d_ssm=d_ssm, head_dim=P,
                   n_heads=d_ssm // P, n_groups=ssm.get("ngroups", 1),
                   d_state=ssm.get("d_state", 128), d_conv=ssm.get("d_conv", 4),
                   eps=1e-5, norm_eps=1e-5,              # RMSNormGated(..., eps=1e-5) hard-coded
                   rmsnorm=ssm.get("rmsnorm", True),
                   norm_before_gate=ssm.get("norm_before_gate", False),
                   dt_limit=tuple(ssm.get("dt_limit", (0.0, inf))),
                   vocab_size=c["vocab_size"], tied=c.get("tie_embeddings", True))
    else:
        d = c["hidden_size"]
        d_inner = int(c.get("expand", 2) * d)           # HF: intermediate_size
        P = c.get("head_dim", 64)
        H = c.get("num_heads", d_inner // P)
        eps = c.get("layer_norm_epsilon", 1e-5)
        # HF always normalises, gate first: its Mamba2 hard-codes norm_before_gate=False,
        # so the key is ignored here too (Mamba-Codestral's config.json says true, and
        # mistral-inference runs state-spaces' default, False). rms_norm is honoured.
        cfg = dict(d_model=d, n_layer=c["num_hidden_layers"], d_inner=d_inner, d_ssm=d_inner,
                   head_dim=P, n_heads=H, n_groups=c.get("n_groups", 8),
                   d_state=c.get("state_size", 128), d_conv=c.get("conv_kernel", 4),
                   eps=eps, norm_eps=eps, rmsnorm=c.get("rms_norm", True),
                   norm_before_gate=False,
                   dt_limit=tuple(c.get("time_step_limit", (0.0, inf))),
                   vocab_size=c["vocab_size"], tied=c.get("tie_word_embeddings", False))
    cfg["arch"] = "mamba2"
    lo, hi = (float(v) for v in cfg["dt_limit"])
    cfg["dt_limit"] = (lo, hi)
    if cfg["n_heads"] * cfg["head_dim"] != cfg["d_ssm"]:
        raise ValueError("num_heads %d * head_dim %d != d_inner %d"
                         % (cfg["n_heads"], cfg["head_dim"], cfg["d_ssm"]))
    if cfg["n_heads"] % cfg["n_groups"] or cfg["d_ssm"] % cfg["n_groups"]:
        raise ValueError("n_groups %d must divide num_heads %d" % (cfg["n_groups"], cfg["n_heads"]))
    if not lo <= hi:
        raise ValueError("time_step_limit %r" % (cfg["dt_limit"],))
    return cfg


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
# LongMamba token filter (docs/longmamba.md L.3): in the channels (Mamba-1) or
# heads (Mamba-2) with a threshold, a Δt not above it becomes 0 (no write, no
# decay). thr None: off. Local channels carry threshold 0 (a no-op on Δt >= 0).
# rec: a list that receives the unfiltered Δt (calibration, golden margins).

def long_filter(dt, thr, rec=None):
    if rec is not None:
        rec.append(dt.copy())
    if thr is None:
        return dt
    return np.where(dt > thr, dt, 0.0)

# --------------------------------------------------------------------------
# Mamba-1 / Falcon Mamba mixer, one token

def mamba1_mixer_step(p, cfg, u, conv, h, thr=None, rec=None):
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
    dt = long_filter(dt, thr, rec)                # LongMamba (docs/longmamba.md L.3)
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
# Mamba-2 mixer, one token (SPEC C.2; state-spaces Mamba2.step, HF Mamba2Mixer torch path)

def head_groups(H, G):
    """Group of each head: contiguous blocks of H/G heads share one B/C group
    (repeat_interleave in HF, `h // (nheads // ngroups)` in the Triton kernel)."""
    return np.arange(H) // (H // G)


def gated_rmsnorm(y, z, w, eps, group_size, norm_before_gate=False):
    """state-spaces RMSNormGated (layernorm_gated.rms_norm_ref): gate with silu(z) first
    (norm_before_gate=False) or last, RMS-normalising each contiguous group of
    `group_size` elements separately, times w. (HF MambaRMSNormGated = one group.)"""
    v = y if norm_before_gate else y * silu(z)
    g = v.reshape(-1, group_size)
    v = (g / np.sqrt(np.mean(g * g, axis=1, keepdims=True) + eps)).reshape(-1) * w
    return v * silu(z) if norm_before_gate else v


def mamba2_mixer_step(p, cfg, u, conv, S, thr=None, rec=None):
    """p: this layer's tensors with the prefix stripped. u: normed input [d_model];
    conv: [conv_dim, K-1] (oldest first), S: [H, P, N]; both updated in place."""
    ds, H, P, G, N = cfg["d_ssm"], cfg["n_heads"], cfg["head_dim"], cfg["n_groups"], cfg["d_state"]
    zxbcdt = p["in_proj.weight"] @ u
    if "in_proj.bias" in p:
        zxbcdt = zxbcdt + p["in_proj.bias"]
    cd = ds + 2 * G * N                           # conv_dim
    # optional leading gated-MLP part, sized from the row count (0 in released models)
    d_mlp = (zxbcdt.shape[0] - 2 * ds - 2 * G * N - H) // 2
    z0, x0 = zxbcdt[:d_mlp], zxbcdt[d_mlp:2 * d_mlp]
    o = 2 * d_mlp                                 # order: [z0, x0, z, xBC, dt]
    z, xBC, dtraw = zxbcdt[o:o + ds], zxbcdt[o + ds:o + ds + cd], zxbcdt[o + ds + cd:]

    # causal depthwise conv over all conv_dim channels (x, B and C), as in Mamba-1
    w = p["conv1d.weight"][:, 0, :]               # [conv_dim, K]
    window = np.concatenate([conv, xBC[:, None]], axis=1)
    s = np.sum(window * w, axis=1)
    if "conv1d.bias" in p:
        s = s + p["conv1d.bias"]
    conv[:] = window[:, 1:]
    xBCc = silu(s)
    x = xBCc[:ds].reshape(H, P)
    B = xBCc[ds:ds + G * N].reshape(G, N)
    C = xBCc[ds + G * N:].reshape(G, N)
    g = head_groups(H, G)

    # dt = clamp(softplus(dt + dt_bias), time_step_limit)  (HF torch path; one dt per head)
    dt = np.clip(softplus(dtraw + p["dt_bias"]), *cfg["dt_limit"])
    dt = long_filter(dt, thr, rec)                # LongMamba, after the clamp (L.3)
    A = -np.exp(p["A_log"])                       # [H]: one scalar per head
    dA = np.exp(dt * A)
    S[:] = S * dA[:, None, None] + (dt[:, None] * x)[:, :, None] * B[g][:, None, :]
    y = np.einsum("hpn,hn->hp", S, C[g])
    D = p["D"]
    y = y + (D[:, None] if D.shape[0] == H else D.reshape(H, P)) * x   # D [H] or [d_ssm]
    y = y.reshape(ds)

    if cfg["rmsnorm"]:
        y = gated_rmsnorm(y, z, p["norm.weight"], cfg["norm_eps"], ds // G, cfg["norm_before_gate"])
    else:
        y = y * silu(z)
    if d_mlp > 0:
        y = np.concatenate([silu(z0) * x0, y])
    out = p["out_proj.weight"] @ y
    if "out_proj.bias" in p:
        out = out + p["out_proj.bias"]
    return out


def mamba2_mixer_chunked(p, cfg, U, Q, thr=None, n_filtered=0):
    """Whole-sequence Mamba-2 mixer from a zero state via chunked SSD (SPEC C.3,
    ssd_minimal): U [L, d_model] normed inputs -> out [L, d_model]. Written
    independently of mamba2_mixer_step (sequence conv, repeat-expanded groups, segment
    sums, explicit per-group norm loop) so the two cross-check each other; Q = chunk."""
    ds, H, P, G, N, K = (cfg[k] for k in ("d_ssm", "n_heads", "head_dim", "n_groups", "d_state", "d_conv"))
    L = U.shape[0]
    Z = U @ p["in_proj.weight"].T
    if "in_proj.bias" in p:
        Z = Z + p["in_proj.bias"]
    d_mlp = (Z.shape[1] - 2 * ds - 2 * G * N - H) // 2
    z0, x0, z, xBC, dtraw = np.split(Z, np.cumsum([d_mlp, d_mlp, ds, ds + 2 * G * N]), axis=1)
    w = p["conv1d.weight"][:, 0, :]
    xp = np.concatenate([np.zeros((K - 1, xBC.shape[1])), xBC])          # causal zero padding
    s = sum(xp[k:k + L] * w[:, k] for k in range(K))
    if "conv1d.bias" in p:
        s = s + p["conv1d.bias"]
    s = silu(s)
    x = s[:, :ds].reshape(L, H, P)
    B = np.repeat(s[:, ds:ds + G * N].reshape(L, G, N), H // G, axis=1)   # [L, H, N]
    C = np.repeat(s[:, ds + G * N:].reshape(L, G, N), H // G, axis=1)
    dt = np.minimum(np.maximum(softplus(dtraw + p["dt_bias"]), cfg["dt_limit"][0]), cfg["dt_limit"][1])
    if thr is not None:                           # LongMamba: the first n_filtered rows
        f = dt[:n_filtered]
        dt[:n_filtered] = np.where(f > thr[None, :], f, 0.0)
    a = dt * -np.exp(p["A_log"])                                          # [L, H], <= 0
    xdt = x * dt[:, :, None]
    Sprev = np.zeros((H, P, N))
    y = np.zeros((L, H, P))
    for c0 in range(0, L, Q):
        sl = slice(c0, min(c0 + Q, L))
        cs = np.cumsum(a[sl], axis=0)                                     # [q, H]
        q = cs.shape[0]
        seg = cs[:, None, :] - cs[None, :, :]                             # [i, j, H] = c_i - c_j
        Lmat = np.where(np.tril(np.ones((q, q), bool))[:, :, None], np.exp(np.minimum(seg, 0)), 0.0)
        CB = np.einsum("ihn,jhn->ijh", C[sl], B[sl])
        y[sl] = np.einsum("ijh,jhp->ihp", CB * Lmat, xdt[sl])             # intra-chunk
        y[sl] += np.exp(cs)[:, :, None] * np.einsum("ihn,hpn->ihp", C[sl], Sprev)   # carried state
        decay = np.exp(cs[-1][None, :] - cs)                              # [q, H]
        Sprev = np.exp(cs[-1])[:, None, None] * Sprev + \
            np.einsum("jh,jhp,jhn->hpn", decay, xdt[sl], B[sl])
    D = p["D"]
    y = y + (D[None, :, None] if D.shape[0] == H else D.reshape(1, H, P)) * x
    y = y.reshape(L, ds)
    if cfg["rmsnorm"]:
        gs = ds // G
        out = np.empty_like(y)
        for gi in range(G):
            cols = slice(gi * gs, (gi + 1) * gs)
            yg, zg = y[:, cols], z[:, cols]
            v = yg if cfg["norm_before_gate"] else yg * silu(zg)
            v = v / np.sqrt((v ** 2).mean(axis=1, keepdims=True) + cfg["norm_eps"]) * p["norm.weight"][cols]
            out[:, cols] = v * silu(zg) if cfg["norm_before_gate"] else v
        y = out
    else:
        y = y * silu(z)
    if d_mlp > 0:
        y = np.concatenate([silu(z0) * x0, y], axis=1)
    o = y @ p["out_proj.weight"].T
    if "out_proj.bias" in p:
        o = o + p["out_proj.bias"]
    return o


def check_mamba2_layer(p, cfg, i):
    """Shape checks so a config/weights mismatch fails loudly instead of mis-splitting."""
    d, ds, H, G, N, K = (cfg[k] for k in ("d_model", "d_ssm", "n_heads", "n_groups", "d_state", "d_conv"))
    cd = ds + 2 * G * N
    rows = p["in_proj.weight"].shape[0]
    d_mlp2 = rows - 2 * ds - 2 * G * N - H
    want = {"in_proj.weight": (rows, d), "conv1d.weight": (cd, 1, K), "dt_bias": (H,),
            "A_log": (H,), "out_proj.weight": (d, d_mlp2 // 2 + ds)}
    if cfg["rmsnorm"]:
        want["norm.weight"] = (ds,)
    for k, shp in want.items():
        if k not in p or p[k].shape != shp:
            raise ValueError("layer %d %s: shape %s, expected %s"
                             % (i, k, p[k].shape if k in p else None, shp))
    if d_mlp2 < 0 or d_mlp2 % 2 or p["D"].shape not in ((H,), (ds,)):
        raise ValueError("layer %d: in_proj rows %d / D %s do not fit the config"
                         % (i, rows, p["D"].shape))

# --------------------------------------------------------------------------

class Model:
    def __init__(self, config, weights, dtype=np.float64):
        """config: raw config.json dict; weights: {name: array}. dtype=np.float32 runs
        the same code in single precision (only to estimate what f32 C code can reach)."""
        self.cfg = cfg = normalize_config(config)
        self.dtype = dtype
        # original state-spaces name (HF renames it with a load hook; SPEC D.2)
        # Codestral files carry a "model." prefix on every name (model.backbone.*,
        # model.lm_head.weight); strip it like the HF converter and llama.cpp do.
        def canon(k):
            k = k[6:] if k.startswith("model.") else k
            return "backbone.embeddings.weight" if k == "backbone.embedding.weight" else k
        self.w = w = {canon(k): np.asarray(v, dtype) for k, v in weights.items()}
        if cfg["arch"] in ("mamba", "falcon_mamba"):
            self.mixer_step = mamba1_mixer_step
        elif cfg["arch"] == "mamba2":
            self.mixer_step = mamba2_mixer_step
        else:
            raise NotImplementedError(cfg["arch"])
        self.layers = []
        for i in range(cfg["n_layer"]):
            pre = "backbone.layers.%d." % i
            p = {k[len(pre) + 6:]: v for k, v in w.items() if k.startswith(pre + "mixer.")}
            if cfg["arch"] == "mamba2":
                check_mamba2_layer(p, cfg, i)
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
        """Per layer (conv, ssm): Mamba-1 [d_inner, K-1], [d_inner, N];
        Mamba-2 [conv_dim, K-1], [H, P, N]."""
        c = self.cfg
        if c["arch"] == "mamba2":
            cd = c["d_ssm"] + 2 * c["n_groups"] * c["d_state"]
            return [(np.zeros((cd, c["d_conv"] - 1), self.dtype),
                     np.zeros((c["n_heads"], c["head_dim"], c["d_state"]), self.dtype))
                    for _ in range(c["n_layer"])]
        return [(np.zeros((c["d_inner"], c["d_conv"] - 1), self.dtype),
                 np.zeros((c["d_inner"], c["d_state"]), self.dtype)) for _ in range(c["n_layer"])]

    def step(self, token, state, thr=None, rec=None):
        """Feed one token; updates state in place; returns the first vocab_size logits.
        thr: per-layer LongMamba thresholds for this token (None: no filter);
        rec: per-layer lists receiving the unfiltered Δt."""
        c = self.cfg
        r = self.emb[token].copy()                # residual stream
        for i, ((norm_w, p), (conv, h)) in enumerate(zip(self.layers, state)):
            r = r + self.mixer_step(p, c, rmsnorm(r, norm_w, c["eps"]), conv, h,
                                    None if thr is None else thr[i], None if rec is None else rec[i])
        f = rmsnorm(r, self.w["backbone.norm_f.weight"], c["eps"])
        return (self.head @ f)[:c["vocab_size"]]

    def logits_chunked(self, tokens, chunk, thr=None, n_filtered=0):
        """Mamba-2 only: all tokens at once, layer by layer, with the chunked SSD path
        (cross-check of the step path; same logits up to float64 rounding)."""
        c = self.cfg
        assert c["arch"] == "mamba2"
        R = self.emb[np.asarray(tokens)].copy()
        done = []
        for norm_w, p in self.layers:
            U = np.stack([rmsnorm(r, norm_w, c["eps"]) for r in R])
            R = R + mamba2_mixer_chunked(p, c, U, chunk, None if thr is None else thr[len(done)], n_filtered)
            done.append(1)
        F = np.stack([rmsnorm(r, self.w["backbone.norm_f.weight"], c["eps"]) for r in R])
        return (F @ self.head.T)[:, :c["vocab_size"]]

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
