#!/usr/bin/python3
"""Write the quantized GGUF golden models under tests/data/ (deterministic).

Each tests/data/<name>/ gets model.gguf (llama.cpp's Mamba tensor names and
metadata, SPEC.md E.2/E.3; projections and embeddings quantized, everything on
the scan path F32), tokens.txt and logits.txt: float64 logits from
mamba_ref.py on the *dequantized* weights (exact math; the C library
multiplies with 8-bit activations, so it lands near, not on, them).

logits-act8.txt: the same float64 model with every matrix product's input
rounded to int8 blocks as ggml-style integer dots do (per 32 values,
d = max|x|/127, for Q8_0/Q4_0 weights; per 256 for the K-quants; the
embedding lookup stays exact). Its distance from logits.txt is the expected
error of an implementation that quantizes activations; tolerance.txt holds
twice that (2 significant digits), the absolute tolerance the C tests apply
against logits.txt. Against logits-act8.txt the C library is held to the core
tolerance 1e-4 + 1e-3|ref| (f32 vs f64 rounding can flip a rare activation
rounding, nothing more).

    /usr/bin/python3 tests/ref/gen_quant_goldens.py
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import gen_goldens as gg  # noqa: E402
import gguf_quant as gq  # noqa: E402
import mamba_ref as ref  # noqa: E402


def to_gguf(path, cfg, w, qtypes):
    """HF-named float64 weights -> GGUF file; returns the weights as the file holds
    them (dequantized / F32-rounded), HF-named, for the reference."""
    d, L = cfg["hidden_size"], cfg["num_hidden_layers"]
    di, N, K, R = cfg["intermediate_size"], cfg["state_size"], cfg["conv_kernel"], cfg["time_step_rank"]
    kvs = [("general.architecture", "mamba"), ("general.name", os.path.basename(os.path.dirname(path))),
           ("mamba.context_length", 1 << 20), ("mamba.embedding_length", d), ("mamba.block_count", L),
           ("mamba.feed_forward_length", 0), ("mamba.attention.head_count", 0),
           ("mamba.attention.layer_norm_rms_epsilon", float(cfg["layer_norm_epsilon"])),
           ("mamba.ssm.conv_kernel", K), ("mamba.ssm.inner_size", di), ("mamba.ssm.state_size", N),
           ("mamba.ssm.time_step_rank", R), ("mamba.ssm.dt_b_c_rms", False),
           ("general.quantization_version", 2)]
    tensors, back = [], {}

    def put(gname, hname, arr, qtype=None, store=None):
        arr = np.asarray(arr, np.float64)
        if qtype:
            raw, deq = gq.quantize_matrix(arr, qtype)
            back[hname] = deq.astype(np.float64)
        else:
            qtype, raw = "F32", np.asarray(arr, "<f4").tobytes()
            back[hname] = np.asarray(arr, np.float32).astype(np.float64)
        if store is not None:   # the reference takes A_log; the file holds -exp(A_log) in f32
            back[hname] = store(np.frombuffer(raw, "<f4").reshape(arr.shape).astype(np.float64))
        tensors.append((gname, qtype, list(arr.shape[::-1]), raw))

    put("token_embd.weight", "backbone.embeddings.weight", w["backbone.embeddings.weight"], qtypes.get("embd"))
    for i in range(L):
        p, m, b = "backbone.layers.%d." % i, "backbone.layers.%d.mixer." % i, "blk.%d." % i
        put(b + "attn_norm.weight", p + "norm.weight", w[p + "norm.weight"])
        put(b + "ssm_in.weight", m + "in_proj.weight", w[m + "in_proj.weight"], qtypes.get("in"))
        conv = w[m + "conv1d.weight"]
        put(b + "ssm_conv1d.weight", m + "conv1d.weight", conv.reshape(di, K))
        back[m + "conv1d.weight"] = back[m + "conv1d.weight"].reshape(di, 1, K)
        put(b + "ssm_conv1d.bias", m + "conv1d.bias", w[m + "conv1d.bias"])
        put(b + "ssm_x.weight", m + "x_proj.weight", w[m + "x_proj.weight"], qtypes.get("x"))
        put(b + "ssm_dt.weight", m + "dt_proj.weight", w[m + "dt_proj.weight"], qtypes.get("dt"))
        put(b + "ssm_dt.bias", m + "dt_proj.bias", w[m + "dt_proj.bias"])
        put(b + "ssm_a", m + "A_log", -np.exp(w[m + "A_log"]), store=lambda a: np.log(-a))
        put(b + "ssm_d", m + "D", w[m + "D"])
        put(b + "ssm_out.weight", m + "out_proj.weight", w[m + "out_proj.weight"], qtypes.get("out"))
    put("output_norm.weight", "backbone.norm_f.weight", w["backbone.norm_f.weight"])
    if "lm_head.weight" in w:
        put("output.weight", "lm_head.weight", w["lm_head.weight"], qtypes.get("head"))
    gq.write_gguf(path, kvs, tensors)
    return back


def quant_x(x, blk):
    """x rounded as ggml's activation quantization does: per block of blk values,
    d = max|x| / 127 (f32), q = round(x / d), x' = d * q."""
    x = np.asarray(x, np.float64)
    out = np.empty_like(x)
    for s in range(0, len(x), blk):
        b = x[s:s + blk].astype(np.float32)
        d = np.float32(np.abs(b).max() / np.float32(127))
        out[s:s + blk] = 0 if d == 0 else np.round(b * (np.float32(1) / d)) * np.float64(d)
    return out


def models():
    out = []
    # K-quants: rows of 256 (d_model 256, d_inner 256: expand 1, which the GGUF
    # metadata carries as inner_size), dt_proj (R = 16 columns) stays F32.
    rng = np.random.default_rng(707)
    d, L, N, K, R, V = 256, 2, 16, 4, 16, 96
    cfg = gg.hf_config("mamba", d, L, N, K, R, V, tied=False)
    cfg["expand"], cfg["intermediate_size"] = 1, d
    w = gg.random_mamba1(rng, d, L, N, K, R, V, expand=1, lm_head=True)
    # gen_goldens' scales are set for d_model ~64: keep each product's output
    # scale as there (fan-in 4x larger here, so weights / 2), or the random
    # model amplifies any perturbation (8-bit activations included) far more
    # than m1-tiny does
    for k in w:
        if k.endswith(("in_proj.weight", "x_proj.weight", "out_proj.weight", "lm_head.weight")):
            w[k] = w[k] / 2
    out.append(("m1-q4k-q6k-gguf", cfg, w, gg.make_tokens(rng, V, 24),
                {"embd": "Q4_K", "in": "Q4_K", "x": "Q6_K", "out": "Q6_K", "head": "Q6_K"}))
    # 32-blocks: Q4_0 and Q8_0 everywhere a matrix is, dt_proj too (R = 32)
    rng = np.random.default_rng(808)
    d, L, N, K, R, V = 64, 2, 16, 4, 32, 80
    cfg = gg.hf_config("mamba", d, L, N, K, R, V, tied=False)
    w = gg.random_mamba1(rng, d, L, N, K, R, V, lm_head=True)
    out.append(("m1-q4_0-q8_0-gguf", cfg, w, gg.make_tokens(rng, V, 24),
                {"embd": "Q8_0", "in": "Q4_0", "x": "Q8_0", "dt": "Q8_0", "out": "Q4_0", "head": "Q4_0"}))
    # issue 19's 256-block types (same shape as m1-q4k-q6k-gguf)
    rng = np.random.default_rng(909)
    d, L, N, K, R, V = 256, 2, 16, 4, 16, 96
    cfg = gg.hf_config("mamba", d, L, N, K, R, V, tied=False)
    cfg["expand"], cfg["intermediate_size"] = 1, d
    w = gg.random_mamba1(rng, d, L, N, K, R, V, expand=1, lm_head=True)
    for k in w:
        if k.endswith(("in_proj.weight", "x_proj.weight", "out_proj.weight", "lm_head.weight")):
            w[k] = w[k] / 2
    out.append(("m1-q2k-q3k-q5k-iq4xs-gguf", cfg, w, gg.make_tokens(rng, V, 24),
                {"embd": "Q2_K", "in": "Q5_K", "x": "Q3_K", "out": "IQ4_XS", "head": "Q5_K"}))
    # issue 19's 32-block types (same shape as m1-q4_0-q8_0-gguf)
    rng = np.random.default_rng(1010)
    d, L, N, K, R, V = 64, 2, 16, 4, 32, 80
    cfg = gg.hf_config("mamba", d, L, N, K, R, V, tied=False)
    w = gg.random_mamba1(rng, d, L, N, K, R, V, lm_head=True)
    out.append(("m1-q4_1-q5-iq4nl-gguf", cfg, w, gg.make_tokens(rng, V, 24),
                {"embd": "IQ4_NL", "in": "Q5_1", "x": "Q5_0", "dt": "Q4_1", "out": "IQ4_NL", "head": "Q5_0"}))
    return out


def write_blocks():
    """tests/data/qblocks/<TYPE>.bin: 64 blocks of random bits (the f16 scales
    set to finite values: normal, zero, negative, subnormal, large), and
    <TYPE>.f32 their values dequantized here (little-endian float32), which
    the C reader must reproduce bit for bit."""
    import struct
    outd = os.path.join(gg.DATA, "qblocks")
    os.makedirs(outd, exist_ok=True)
    f16_at = {"Q4_1": (0, 2), "Q5_0": (0,), "Q5_1": (0, 2), "IQ4_NL": (0,), "Q2_K": (80, 82),
              "Q3_K": (108,), "Q5_K": (0, 2), "IQ4_XS": (0,)}
    rng = np.random.default_rng(1919)
    for qt, offs in sorted(f16_at.items()):
        be, bb = gq.BLOCK[qt]
        raw = bytearray()
        for k in range(64):
            b = bytearray(rng.integers(0, 256, bb, dtype=np.uint8).tobytes())
            for o in offs:
                kind = (k + o) % 5
                h = (np.float16(rng.standard_normal() * 0.05) if kind == 0 else np.float16(0) if kind == 1 else
                     np.float16(-rng.random() * 3) if kind == 2 else np.uint16(rng.integers(1, 1024)).view(np.float16)
                     if kind == 3 else np.float16(rng.random() * 2000))
                b[o:o + 2] = struct.pack("<H", int(np.asarray(h, np.float16).view(np.uint16)))
            raw += b
        vals = gq.dequant(bytes(raw), qt, 64 * be)
        with open(os.path.join(outd, qt + ".bin"), "wb") as f:
            f.write(bytes(raw))
        with open(os.path.join(outd, qt + ".f32"), "wb") as f:
            f.write(np.asarray(vals, "<f4").tobytes())
        print("qblocks/%s: %d blocks, %d values, max |v| %.4g" % (qt, 64, 64 * be, np.abs(vals).max()))


def write_kref():
    """tests/data/qblocks/kref-in.f32: 16 super-blocks of values (gaussian,
    heavy-tailed, all-positive, all-zero, constant, tiny, huge, sparse) and
    <TYPE>-ref.bin: llama.cpp's reference K-quantization of them
    (gguf_kquant_ref.py), which the writer must reproduce byte for byte."""
    import gguf_kquant_ref as kr
    rng = np.random.default_rng(2020)
    parts = [rng.standard_normal(256) * 0.02, rng.standard_t(2, 256) * 0.05, np.abs(rng.standard_normal(256)) + 0.3,
             np.zeros(256), np.full(256, -0.75), rng.standard_normal(256) * 1e-9, rng.standard_normal(256) * 3e3,
             rng.standard_normal(256) * (rng.random(256) < 0.1), rng.uniform(-1, 1, 256), rng.standard_normal(256) * 0.1 - 0.2,
             rng.laplace(0, 0.03, 256), rng.standard_normal(256) * np.repeat(rng.random(16) * 2, 16),
             np.round(rng.standard_normal(256) * 4) / 8, rng.standard_normal(256) * 0.01 + 0.05,
             rng.standard_normal(256) * np.linspace(0.001, 1, 256), rng.standard_normal(256)]
    x = np.concatenate(parts).astype(np.float32)
    outd = os.path.join(gg.DATA, "qblocks")
    with open(os.path.join(outd, "kref-in.f32"), "wb") as fo:
        fo.write(x.astype("<f4").tobytes())
    for qt in sorted(kr.KQUANT) + sorted(kr.QUANT32):
        raw = kr.quantize(x, qt)
        with open(os.path.join(outd, qt + "-ref.bin"), "wb") as fo:
            fo.write(raw)
        deq = gq.dequant(raw, qt, len(x))
        print("qblocks/%s-ref.bin: %d bytes, rms error %.4g of rms" % (qt, len(raw), np.sqrt(np.mean((deq - x) ** 2) / np.mean(x ** 2))))


def main():
    write_blocks()
    write_kref()
    for name, cfg, w, tokens, qtypes in models():
        d = os.path.join(gg.DATA, name)
        os.makedirs(d, exist_ok=True)
        back = to_gguf(os.path.join(d, "model.gguf"), cfg, w, qtypes)
        model = ref.Model(cfg, back)
        gold = model.logits_for(tokens)
        with open(os.path.join(d, "tokens.txt"), "w") as f:
            f.write(" ".join(map(str, tokens)) + "\n")
        with open(os.path.join(d, "logits.txt"), "w") as f:
            f.write(ref.format_logits(gold))
        # the expected error of 8-bit activations: same model, each matrix input
        # rounded per block as ggml does (the embedding row lookup is exact)
        blk_of = {t: gq.BLOCK[t][0] for t in gq.BLOCK}
        orig = ref.Model(cfg, back)
        mats = {"in_proj.weight": qtypes.get("in"), "x_proj.weight": qtypes.get("x"),
                "dt_proj.weight": qtypes.get("dt"), "out_proj.weight": qtypes.get("out")}
        for _, p in orig.layers:
            for k, qt in mats.items():
                if qt:
                    a, blk = p[k], blk_of[qt]
                    p[k] = _QMat(a, blk, quant_x)
        if qtypes.get("head"):
            orig.head = _QMat(orig.head, blk_of[qtypes["head"]], quant_x)
        sim = orig.logits_for(tokens)
        err = np.abs(sim - gold).max()
        with open(os.path.join(d, "logits-act8.txt"), "w") as f:
            f.write(ref.format_logits(sim))
        # tolerance against logits.txt: twice the simulated effect of 8-bit activations
        tol = float("%.2g" % (2 * err))
        tol = tol if tol >= 2 * err else float("%.2g" % (2.1 * err))
        with open(os.path.join(d, "tolerance.txt"), "w") as f:
            f.write("%g\n" % tol)
        print("  per token:", " ".join("%.2g" % e for e in np.abs(sim - gold).max(1)))
        same = int(np.sum(sim.argmax(1) == gold.argmax(1)))
        gap = np.sort(gold, 1)
        print("%-20s %s  file %d bytes; 8-bit activations move logits by up to %.3g (|logit| up to %.3g), "
              "top token same in %d/%d rows (smallest top-2 gap %.3g); tolerance %g"
              % (name, qtypes, os.path.getsize(os.path.join(d, "model.gguf")), err, np.abs(gold).max(),
                 same, len(tokens), (gap[:, -1] - gap[:, -2]).min(), tol))


class _QMat:
    """A weight matrix whose products round the input vector to int8 blocks."""
    def __init__(self, a, blk, qx):
        self.a, self.blk, self.q, self.shape = a, blk, qx, a.shape

    def __matmul__(self, x):
        return self.a @ self.q(x, self.blk)

    def __getitem__(self, k):
        return self.a[k]


if __name__ == "__main__":
    main()
