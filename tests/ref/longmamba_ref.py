#!/usr/bin/python3
"""LongMamba (docs/longmamba.md) for the numpy reference: the sidecar file,
the synthetic test calibrations and their goldens.

The filter itself is mamba_ref.long_filter, hooked into both mixers and the
chunked Mamba-2 path. This file:
  - writes/reads the calibration sidecar (format: mamba.h, "LongMamba"),
  - makes a synthetic calibration for a golden model (gen mode): per layer,
    about half the channels (Mamba-1) or heads (Mamba-2) global, each with a
    threshold set in the widest gap of its own Δt values on the golden prompt
    (so float32 and float64 cannot disagree on which tokens are filtered:
    every kept/filtered Δt is >= 1e-3 relative from its threshold, checked),
  - writes long.bin + long_logits.txt beside the model's goldens.

Usage: longmamba_ref.py gen DIR...        (regenerates; deterministic)
       longmamba_ref.py check DIR         (recomputes and compares)
"""
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mamba_ref as mr  # noqa: E402

MAGIC = b"MBLC"
VERSION = 1
ARCH = {"mamba": 1, "falcon_mamba": 2, "mamba2": 3}

# the golden calibration: training length 4, table 8 / 16 / 32, prompt 18 -> key 16
TRAIN_LEN = 4
LENGTHS = [8, 16, 32]
PROMPT = 18
KEY = 1
WRONG = 1e30   # thresholds of the other keys: picking one filters every token


def fnv1a64(b):
    h = 0xcbf29ce484222325
    for x in b:
        h = ((h ^ x) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def write_sidecar(path, cfg, train_len, lengths, cls, decay, thr, c_thr, b):
    """cls, decay: [n_layer][C]; thr: [n_layer][n_len][C] (float32 on disk)."""
    nl = cfg["n_layer"]
    C = cfg["n_heads"] if cfg["arch"] == "mamba2" else cfg["d_inner"]
    pay = struct.pack("<%dI" % len(lengths), *lengths)
    for l in range(nl):
        pay += np.asarray(cls[l], "<u4").tobytes() + np.asarray(decay[l], "<f4").tobytes()
        pay += np.asarray(thr[l], "<f4").reshape(len(lengths) * C).tobytes()
    hdr = MAGIC + struct.pack("<8I2fIQQ", VERSION, ARCH[cfg["arch"]], nl, C, cfg["d_model"], cfg["d_state"],
                              train_len, len(lengths), c_thr, b, 0, len(pay), fnv1a64(pay))
    assert len(hdr) == 64
    with open(path, "wb") as f:
        f.write(hdr + pay)


def read_sidecar(path):
    raw = open(path, "rb").read()
    assert raw[:4] == MAGIC
    v, arch, nl, C, dm, ds, tl, nlen, c_thr, b, _, npay, ck = struct.unpack("<8I2fIQQ", raw[4:64])
    pay = raw[64:]
    assert v == VERSION and len(pay) == npay and fnv1a64(pay) == ck
    lengths = list(struct.unpack("<%dI" % nlen, pay[:4 * nlen]))
    o, cls, decay, thr = 4 * nlen, [], [], []
    for _ in range(nl):
        cls.append(np.frombuffer(pay, "<u4", C, o)); o += 4 * C
        decay.append(np.frombuffer(pay, "<f4", C, o)); o += 4 * C
        thr.append(np.frombuffer(pay, "<f4", C * nlen, o).reshape(nlen, C)); o += 4 * C * nlen
    return dict(train_len=tl, lengths=lengths, cls=cls, decay=decay, thr=thr)


def effective(cal, prompt_len):
    """Per-layer thresholds the library uses for a prompt of prompt_len tokens:
    nearest table length (ties: the shorter), local channels 0; None when off."""
    if prompt_len <= cal["train_len"]:
        return None
    ls = cal["lengths"]
    k = min(range(len(ls)), key=lambda i: (abs(prompt_len - ls[i]), ls[i]))
    return [np.where(c == 1, t[k].astype(np.float64), 0.0) for c, t in zip(cal["cls"], cal["thr"])]


def run(model, tokens, thr, n_filtered):
    """Step path: logits of every token, the filter on for the first n_filtered."""
    st = model.init_state()
    rec = [[] for _ in model.layers]
    out = [model.step(t, st, thr if i < n_filtered else None, rec) for i, t in enumerate(tokens)]
    return np.array(out), [np.array(r) for r in rec]


def synth(model, tokens, seed):
    cfg = model.cfg
    nl = cfg["n_layer"]
    C = cfg["n_heads"] if cfg["arch"] == "mamba2" else cfg["d_inner"]
    rng = np.random.default_rng(seed)
    thr = [np.zeros(C) for _ in range(nl)]
    cls = [np.zeros(C, np.uint32) for _ in range(nl)]
    for l in range(nl):           # layer by layer: Δt of layer l depends on the filters below it
        _, rec = run(model, tokens, thr, PROMPT)
        dts = rec[l][:PROMPT]     # [PROMPT, C] unfiltered Δt of the prompt tokens
        want = rng.random(C) < 0.5
        for c in range(C):
            v = np.sort(dts[:, c])
            lo, hi = PROMPT // 4, 3 * PROMPT // 4
            best, gap = None, 0.0
            for i in range(lo, hi):
                if v[i] > 0 and v[i + 1] / v[i] > 1 + gap:
                    best, gap = i, v[i + 1] / v[i] - 1
            if want[c] and best is not None and gap > 4e-3:
                cls[l][c] = 1
                t = np.float32(np.sqrt(v[best] * v[best + 1]))
                thr[l][c] = float(t)
    return cls, thr


def margin(thr, rec, cls):
    m = np.inf
    for l in range(len(thr)):
        d = rec[l][:PROMPT]
        for c in np.nonzero(cls[l])[0]:
            m = min(m, np.min(np.abs(d[:, c] / thr[l][c] - 1)))
    return m


def gen(d):
    model = mr.Model.load(d)
    cfg = model.cfg
    tokens = [int(x) for x in open(os.path.join(d, "tokens.txt")).read().split()]
    assert len(tokens) > PROMPT + 3
    cls, thr = synth(model, tokens, seed=20 + len(tokens))
    nl = cfg["n_layer"]
    C = len(cls[0])
    table = []
    for l in range(nl):
        t = np.full((len(LENGTHS), C), 0.0, np.float32)
        t[:, :] = np.where(cls[l] == 1, WRONG, 0.0)[None, :]
        t[KEY] = np.where(cls[l] == 1, thr[l], 0.0)
        table.append(t)
    decay = [np.where(c == 1, 0.9, 0.1).astype(np.float32) for c in cls]
    path = os.path.join(d, "long.bin")
    write_sidecar(path, cfg, TRAIN_LEN, LENGTHS, cls, decay, table, 0.5, 1.0)
    cal = read_sidecar(path)
    eff = effective(cal, PROMPT)
    logits, rec = run(model, tokens, eff, PROMPT)
    mg = margin(eff, rec, cls)
    assert mg > 1e-3, mg
    plain = model.logits_for(tokens)
    nglob = sum(int(c.sum()) for c in cls)
    nfilt = sum(int(np.sum((rec[l][:PROMPT] <= eff[l][None, :]) & (cls[l][None, :] == 1))) for l in range(nl))
    if cfg["arch"] == "mamba2":   # the chunked SSD path agrees with the step path
        for q in (4, 7):
            ch = model.logits_chunked(tokens[:PROMPT], q, eff, PROMPT)
            assert np.max(np.abs(ch - logits[:PROMPT])) < 1e-9, np.max(np.abs(ch - logits[:PROMPT]))
    with open(os.path.join(d, "long_logits.txt"), "w") as f:
        f.write(mr.format_logits(logits))
    print("%s: %d global of %d, %d (token, channel) filtered, margin %.3g, max |filtered - plain| %.3g"
          % (d, nglob, nl * C, nfilt, mg, np.max(np.abs(logits - plain))))


def check(d):
    model = mr.Model.load(d)
    tokens = [int(x) for x in open(os.path.join(d, "tokens.txt")).read().split()]
    eff = effective(read_sidecar(os.path.join(d, "long.bin")), PROMPT)
    logits, _ = run(model, tokens, eff, PROMPT)
    print(d, mr.compare(logits, mr.read_logits(os.path.join(d, "long_logits.txt"))))


if __name__ == "__main__":
    mode, dirs = sys.argv[1], sys.argv[2:]
    for d in dirs:
        gen(d) if mode == "gen" else check(d)
