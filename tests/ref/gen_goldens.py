#!/usr/bin/python3
"""Write the random-weight golden models under tests/data/ (deterministic).

Each tests/data/<name>/ gets config.json, safetensors weights, tokens.txt (one
line of ids) and logits.txt (line t = the first vocab_size logits after feeding
token t, one token at a time from a zero state, "%.9g"). Logits come from
mamba_ref.py in float64 on the weights *as stored* (after F16/BF16 rounding).

Afterwards every model is re-loaded from disk and must reproduce its logits;
a sensitivity table shows how far typical bugs move the logits (in units of
the C tests' tolerance 1e-4 + 1e-3|ref|); finally m1-tiny is re-validated.

    /usr/bin/python3 tests/ref/gen_goldens.py
"""
import copy
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep tests/ref free of __pycache__
sys.path.insert(0, HERE)
import mamba_ref as ref  # noqa: E402

DATA = os.path.normpath(os.path.join(HERE, "..", "data"))
M1_TINY = "/work/shared/data/reference/m1-tiny"

# --------------------------------------------------------------------------
# random weights, scales like m1-tiny (HF/state-spaces init with larger projections)

def random_mamba1(rng, d, n_layer, N, K, R, rows, *, expand=2, bias=False, conv_bias=True,
                  lm_head=False, big_dt=(), emb_std=1.0):
    """float64 weights in HF naming. big_dt: (layer, channel, bias) triples forcing a
    dt pre-activation above softplus's threshold of 20 in that channel."""
    di = expand * d
    g = rng.standard_normal
    w = {"backbone.embeddings.weight": emb_std * g((rows, d))}
    for i in range(n_layer):
        p = "backbone.layers.%d." % i
        m = p + "mixer."
        w[p + "norm.weight"] = 1 + 0.1 * g(d)
        w[m + "in_proj.weight"] = 0.1 * g((2 * di, d))
        if bias:
            w[m + "in_proj.bias"] = 0.1 * g(2 * di)
        w[m + "conv1d.weight"] = rng.uniform(-0.5, 0.5, (di, 1, K))
        if conv_bias:
            w[m + "conv1d.bias"] = rng.uniform(-0.1, 0.1, di)
        w[m + "x_proj.weight"] = 0.3 * g((R + 2 * N, di))
        w[m + "dt_proj.weight"] = rng.uniform(-1, 1, (di, R)) * R ** -0.5
        # mamba init: dt ~ logU[1e-3, 1e-1], bias = softplus^-1(dt) = dt + log(-expm1(-dt))
        dt = np.exp(rng.uniform(math.log(1e-3), math.log(1e-1), di))
        w[m + "dt_proj.bias"] = dt + np.log(-np.expm1(-dt))
        # S4D-real init A_log = log(1..N), plus noise so channels differ
        w[m + "A_log"] = np.log(np.arange(1, N + 1))[None, :] + 0.2 * g((di, N))
        w[m + "D"] = 1 + 0.5 * g(di)
        w[m + "out_proj.weight"] = 0.15 * g((d, di))
        if bias:
            w[m + "out_proj.bias"] = 0.1 * g(d)
    for layer, c, b in big_dt:
        m = "backbone.layers.%d.mixer." % layer
        w[m + "dt_proj.bias"][c] = b
        w[m + "out_proj.weight"][:, c] *= 0.02     # keep that channel's (dt*B*x) output modest
    w["backbone.norm_f.weight"] = 1 + 0.1 * g(d)
    if lm_head:
        w["lm_head.weight"] = g((rows, d))
    return w


def hf_config(arch, d, n_layer, N, K, R, vocab, *, bias=False, conv_bias=True, tied=True,
              dtype="float32"):
    c = {"architectures": ["FalconMambaForCausalLM" if arch == "falcon_mamba" else "MambaForCausalLM"],
         "model_type": arch, "hidden_size": d, "num_hidden_layers": n_layer, "state_size": N,
         "expand": 2, "intermediate_size": 2 * d, "conv_kernel": K, "time_step_rank": R,
         "use_bias": bias, "use_conv_bias": conv_bias, "layer_norm_epsilon": 1e-5,
         "hidden_act": "silu", "residual_in_fp32": True, "vocab_size": vocab,
         "tie_word_embeddings": tied, "bos_token_id": 0, "eos_token_id": 0, "pad_token_id": 0,
         "torch_dtype": dtype}
    if arch == "falcon_mamba":
        c["mixer_rms_eps"] = 1e-6
    return c


def hf_order(tensors):
    """Store in name order, wider dtypes first (the HF writer sorts by alignment),
    so every tensor in an HF-padded file is element-aligned."""
    size = {"F32": 4, "F16": 2, "BF16": 2}
    return dict(sorted(tensors.items(), key=lambda kv: (-size[kv[1][0]], kv[0])))


def make_tokens(rng, vocab, n):
    t = rng.integers(0, vocab, n)
    t[3], t[7], t[8], t[-2] = 0, vocab - 1, vocab - 1, t[1]   # edge rows and a repeat
    return [int(x) for x in t]

# --------------------------------------------------------------------------
# the models

def models():
    """-> list of (name, config, {tensor: (dtype, float64 array)}, tokens, layout, note)."""
    out = []

    rng = np.random.default_rng(101)
    cfg = hf_config("mamba", 37, 2, 7, 4, "auto", 61)
    w = random_mamba1(rng, 37, 2, 7, 4, 3, 61, big_dt=[(0, 5, 22.0), (1, 40, 95.0)])
    out.append(("m1-odd-f32", cfg, {k: ("F32", v) for k, v in w.items()}, make_tokens(rng, 61, 27),
                "single", "dt_proj.bias = 22 (L0 ch5) and 95 (L1 ch40): softplus threshold branch; "
                "95 overflows a naive logf(1+expf(x)) to inf"))

    rng = np.random.default_rng(202)
    cfg = hf_config("mamba", 24, 3, 16, 3, 5, 50, bias=True, conv_bias=False, tied=False,
                    dtype="float16")
    # tiny embeddings (mean square ~1e-4, near eps=1e-5) so the norm eps visibly matters
    w = random_mamba1(rng, 24, 3, 16, 3, 5, 50, bias=True, conv_bias=False, lm_head=True,
                      big_dt=[(2, 11, 21.0)], emb_std=0.01)
    t = {k: ("F32" if k.endswith(("A_log", ".D")) else "F16", v) for k, v in w.items()}
    out.append(("m1-f16-untied-bias", cfg, t, make_tokens(rng, 50, 24), "single",
                "in_proj/out_proj bias, no conv bias, K=3, R=5, embedding std 0.01 (eps matters)"))

    rng = np.random.default_rng(303)
    cfg = {"d_model": 48, "n_layer": 3, "vocab_size": 100, "ssm_cfg": {}, "rms_norm": True,
           "residual_in_fp32": True, "fused_add_norm": True, "pad_vocab_size_multiple": 8,
           "tie_embeddings": True}
    w = random_mamba1(rng, 48, 3, 16, 4, 3, 104, big_dt=[(1, 0, 23.5)])
    w["backbone.embedding.weight"] = w.pop("backbone.embeddings.weight")
    t = {k: ("F32" if k.endswith("A_log") else "BF16", v) for k, v in w.items()}
    out.append(("m1-bf16-sharded", cfg, t, make_tokens(rng, 100, 30), "sharded",
                "original state-spaces config; embedding 104 rows (100 padded to 8)"))

    rng = np.random.default_rng(404)
    cfg = hf_config("mamba", 20, 2, 16, 4, "auto", 40)
    w = random_mamba1(rng, 20, 2, 16, 4, 2, 40)
    out.append(("m1-unaligned-f32", cfg, {k: ("F32", v) for k, v in w.items()},
                make_tokens(rng, 40, 20), "unaligned", "data section starts at an odd offset"))

    rng = np.random.default_rng(505)
    cfg = hf_config("falcon_mamba", 32, 2, 16, 4, 4, 64)
    w = random_mamba1(rng, 32, 2, 16, 4, 4, 64, big_dt=[(0, 17, 20.5)])
    out.append(("falcon-f32", cfg, {k: ("F32", v) for k, v in w.items()}, make_tokens(rng, 64, 25),
                "single", "weightless RMSNorm on dt/B/C, mixer_rms_eps 1e-6"))

    rng = np.random.default_rng(606)
    cfg = hf_config("mamba", 64, 2, 16, 4, "auto", 80, tied=False)
    w = random_mamba1(rng, 64, 2, 16, 4, 4, 80, lm_head=True)
    mixed = {"in_proj.weight": "F16", "x_proj.weight": "BF16", "out_proj.weight": "F32",
             "embeddings.weight": "BF16", "lm_head.weight": "F16"}
    t = {k: (next((d for s, d in mixed.items() if k.endswith(s)), "F32"), v) for k, v in w.items()}
    out.append(("m1-f32-mixed", cfg, t, make_tokens(rng, 80, 22), "single",
                "per-tensor dtypes: in_proj F16, x_proj BF16, embeddings BF16, lm_head F16, rest F32"))
    return out

# --------------------------------------------------------------------------
# writing

def write_model(name, cfg, tensors, tokens, layout):
    d = os.path.join(DATA, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    if layout == "single":
        ref.write_safetensors(os.path.join(d, "model.safetensors"), hf_order(tensors))
    elif layout == "sharded":
        # shard 1: embedding + layer 0, shard 2: layer 1, shard 3: layer 2 + norm_f
        def shard_of(k):
            return 1 if ("embedding" in k or ".layers.0." in k) else 2 if ".layers.1." in k else 3
        wmap, total = {}, 0
        for s in (1, 2, 3):
            fn = "model-%05d-of-00003.safetensors" % s
            part = hf_order({k: v for k, v in tensors.items() if shard_of(k) == s})
            ref.write_safetensors(os.path.join(d, fn), part)
            for k, (dt, a) in part.items():
                wmap[k] = fn
                total += len(ref.encode_tensor(a, dt))
        with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": total}, "weight_map": dict(sorted(wmap.items()))},
                      f, indent=2)
            f.write("\n")
    elif layout == "unaligned":
        # No header padding, and a filler string in __metadata__ whose length we pick
        # so that 8 + len(header) is odd: the data section (and, since every F32
        # tensor is a multiple of 4 bytes long, every tensor) starts at an odd file
        # offset -- misaligned for 2- and 4-byte loads alike.
        for k in range(8):
            blob = ref.build_safetensors(tensors, pad_header=False,
                                         metadata={"format": "pt", "pad": "x" * k})
            start = 8 + int.from_bytes(blob[:8], "little")
            if start % 4 == 1:
                break
        assert start % 2 == 1
        with open(os.path.join(d, "model.safetensors"), "wb") as f:
            f.write(blob)
    with open(os.path.join(d, "tokens.txt"), "w") as f:
        f.write(" ".join(map(str, tokens)) + "\n")
    return d

# --------------------------------------------------------------------------
# sensitivity: how far do typical implementation bugs move the logits?

def ablations(cfg, w, tokens, gold):
    base = ref.Model(cfg, w)
    c, N, R, di = base.cfg, base.cfg["d_state"], base.cfg["dt_rank"], base.cfg["d_inner"]

    def edit_layers(fn):
        def run():
            m = ref.Model(cfg, w)
            for _, p in m.layers:
                fn(p)
            return m.logits_for(tokens)
        return run

    def swap_bc(p):
        x = p["x_proj.weight"].copy()
        x[R:R + N], x[R + N:] = p["x_proj.weight"][R + N:], p["x_proj.weight"][R:R + N]
        p["x_proj.weight"] = x

    def swap_xz(p):
        for k in ("in_proj.weight", "in_proj.bias"):
            if k in p:
                p[k] = np.concatenate([p[k][di:], p[k][:di]])

    def no_hist(p):
        cw = p["conv1d.weight"].copy()
        cw[:, :, :-1] = 0
        p["conv1d.weight"] = cw

    def patched(attr, fn, cfg_edit=None):
        def run():
            old = getattr(ref, attr)
            setattr(ref, attr, fn)
            try:
                cf = copy.deepcopy(cfg)
                if cfg_edit:
                    cf.update(cfg_edit)
                return ref.Model(cf, w).logits_for(tokens)
            finally:
                setattr(ref, attr, old)
        return run

    def state_reset():
        m = ref.Model(cfg, w)
        step = m.mixer_step
        m.mixer_step = lambda p, cf, u, conv, h: step(p, cf, u, conv, np.zeros_like(h))
        return m.logits_for(tokens)

    def tied_head():
        m = ref.Model(cfg, w)
        m.head = m.emb
        return m.logits_for(tokens)

    def with_cfg(**kw):
        def run():
            m = ref.Model(cfg, w)
            m.cfg = dict(m.cfg, **kw)
            return m.logits_for(tokens)
        return run

    tests = {
        "conv taps reversed": edit_layers(lambda p: p.update({"conv1d.weight": p["conv1d.weight"][:, :, ::-1]})),
        "conv history ignored": edit_layers(no_hist),
        "ssm state not carried": state_reset,
        "B/C swapped": edit_layers(swap_bc),
        "x/z halves swapped": edit_layers(swap_xz),
        "no softplus": patched("softplus", lambda x: x),
        "dt bias dropped": edit_layers(lambda p: p.update({"dt_proj.bias": 0 * p["dt_proj.bias"]})),
        "D skip dropped": edit_layers(lambda p: p.update({"D": 0 * p["D"]})),
        "norm eps 1e-6": with_cfg(eps=1e-6),
    }
    names = set(k for _, p in base.layers for k in p)
    for b in ("in_proj.bias", "out_proj.bias", "conv1d.bias"):
        if b in names:
            tests[b + " dropped"] = edit_layers(lambda p, b=b: p.pop(b))
    if "lm_head.weight" in base.w:
        tests["embedding used as head"] = tied_head
    if c["arch"] == "falcon_mamba":
        tests["falcon dt/B/C norms dropped"] = with_cfg(arch="mamba")
        tests["falcon mixer eps 1e-5"] = with_cfg(mixer_eps=1e-5)
    res = {}
    with np.errstate(all="ignore"):
        for k, fn in tests.items():
            got = fn()
            res[k] = float("inf") if not np.all(np.isfinite(got)) else ref.compare(got, gold)[1]
    return res


def dt_stats(cfg, w, tokens):
    """Range of the softplus input and how often it exceeds the threshold of 20."""
    seen = []
    orig = ref.softplus
    ref.softplus = lambda x: (seen.append(np.array(x)), orig(x))[1]
    try:
        ref.Model(cfg, w).logits_for(tokens)
    finally:
        ref.softplus = orig
    a = np.concatenate(seen)
    return a.min(), a.max(), int((a > 20).sum()), a.size

# --------------------------------------------------------------------------

def main():
    os.makedirs(DATA, exist_ok=True)
    ok = True
    summary = []
    for name, cfg, tensors, tokens, layout, note in models():
        stored = {k: ref.round_to_dtype(a, dt) for k, (dt, a) in tensors.items()}
        gold = ref.Model(cfg, stored).logits_for(tokens)
        d = write_model(name, cfg, tensors, tokens, layout)
        with open(os.path.join(d, "logits.txt"), "w") as f:
            f.write(ref.format_logits(gold))

        # self-consistency: reload config + weights from disk; parse the text back
        m = ref.Model.load(d)
        again = m.logits_for([int(t) for t in open(os.path.join(d, "tokens.txt")).read().split()])
        text = ref.read_logits(os.path.join(d, "logits.txt"))
        same = np.array_equal(again, gold) and text.shape == (len(tokens), m.cfg["vocab_size"])
        txt_err = float(np.max(np.abs(text - gold) / np.maximum(np.abs(gold), 1e-30)))
        ok &= same and txt_err < 1e-8
        lo, hi, n20, ndt = dt_stats(cfg, stored, tokens)
        size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
        print("%-20s %s  reload bit-exact=%s  text rel err %.1e  |logit| max %.3g  %d B"
              % (name, m.cfg["arch"], same, txt_err, np.abs(gold).max(), size))
        print("    dt pre-activation in [%.3g, %.3g], %d of %d > 20" % (lo, hi, n20, ndt))
        abl = ablations(cfg, stored, tokens, gold)
        print("    bug -> max err/tol: " + ", ".join("%s %.3g" % kv for kv in abl.items()))
        summary.append((name, note))

    mx, rel = ref.compare(ref.Model.load(M1_TINY).logits_for(
        [int(t) for t in open(os.path.join(M1_TINY, "tokens.txt")).read().split()]),
        ref.read_logits(os.path.join(M1_TINY, "logits.txt")))
    g = open(os.path.join(M1_TINY, "greedy.txt")).read().split("\n")
    prompt = [int(t) for t in g[0].split(":")[1].split()]
    cont = [int(t) for t in g[1].split(":")[1].split()]
    gm = ref.Model.load(M1_TINY).greedy(prompt, len(cont)) == cont
    print("m1-tiny: max abs err %.3g, max err/tol %.3g, greedy match %s" % (mx, rel, gm))
    ok &= rel < 0.01 and gm
    print("ALL OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
