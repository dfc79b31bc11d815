#!/usr/bin/python3
"""Reference GGUF writer and ggml block quantizers / dequantizers (numpy).

Written from the GGUF container description (ggml docs/gguf.md, SPEC.md E.1)
and the block layouts of ggml-common.h (SPEC.md E.5), not from mamba.h:

    Q8_0  32 values, 34 B: f16 d, int8 q[32]                 v = d*q
    Q4_0  32 values, 18 B: f16 d, u8 qs[16]                   v = d*(nibble-8),
          low nibbles are values 0..15, high nibbles 16..31
    Q4_K  256 values, 144 B: f16 d, f16 dmin, u8 scales[12], u8 qs[128]
          8 sub-blocks of 32 with 6-bit scale sc and min m (get_scale_min_k4
          packing); qs byte 32i+l holds value 64i+l (low nibble) and
          64i+32+l (high nibble); v = d*sc*q - dmin*m
    Q6_K  256 values, 210 B: u8 ql[128], u8 qh[64], i8 scales[16], f16 d
          per half h of 128: value 128h+32g+l (g 0..3, l 0..31) has its low 4
          bits in ql[64h + l + 32(g&1)] (low nibble for g<2, high for g>=2),
          its high 2 bits in qh[32h+l] at bit 2g; v = d*scales[v/16]*(q-32)

The quantizers are plain round-to-nearest (any valid quantization will do:
the goldens are computed from the *dequantized* weights). Dequantization
follows ggml's dequantize_row_* in float32, in the same operation order.
"""
import struct

import numpy as np

GGML = {"F32": 0, "F16": 1, "Q4_0": 2, "Q8_0": 8, "Q4_K": 12, "Q6_K": 14}
BLOCK = {"Q8_0": (32, 34), "Q4_0": (32, 18), "Q4_K": (256, 144), "Q6_K": (256, 210)}


def f16(x):
    """float -> (f16 bits as uint16, the f16 value as float32)"""
    h = np.float16(x)
    return int(h.view(np.uint16)), np.float32(h)


def f16v(raw):
    """little-endian f16 bytes -> float32 values"""
    return np.frombuffer(bytes(raw), "<f2").astype(np.float32)


# ---------------------------------------------------------------- quantizers

def quant_q8_0(row):
    out = bytearray()
    for b in row.reshape(-1, 32):
        amax = float(np.max(np.abs(b)))
        hb, d = f16(amax / 127)
        q = np.zeros(32, np.int64) if d == 0 else np.clip(np.round(b / d), -127, 127).astype(np.int64)
        out += struct.pack("<H", hb) + q.astype(np.int8).tobytes()
    return bytes(out)


def quant_q4_0(row):
    out = bytearray()
    for b in row.reshape(-1, 32):
        mx = b[np.argmax(np.abs(b))]          # the value of largest magnitude maps to -8
        hb, d = f16(mx / -8)
        q = np.full(32, 8) if d == 0 else np.clip(np.round(b / d) + 8, 0, 15).astype(np.int64)
        out += struct.pack("<H", hb) + bytes(int(q[j]) | int(q[j + 16]) << 4 for j in range(16))
    return bytes(out)


def pack_scale_min_k4(sc, mn):
    """8 six-bit scales and mins -> 12 bytes, the inverse of get_scale_min_k4."""
    s = [0] * 12
    for j in range(4):
        s[j] = sc[j] | (sc[j + 4] >> 4) << 6
        s[j + 4] = mn[j] | (mn[j + 4] >> 4) << 6
        s[j + 8] = (sc[j + 4] & 15) | (mn[j + 4] & 15) << 4
    return bytes(s)


def unpack_scale_min_k4(s):
    sc, mn = [], []
    for j in range(8):
        if j < 4:
            sc.append(s[j] & 63)
            mn.append(s[j + 4] & 63)
        else:
            sc.append((s[j + 4] & 15) | (s[j - 4] >> 6) << 4)
            mn.append((s[j + 4] >> 4) | (s[j] >> 6) << 4)
    return sc, mn


def quant_q4_k(row):
    out = bytearray()
    for sb in row.reshape(-1, 256):
        sub = sb.reshape(8, 32)
        mins = np.maximum(0.0, -sub.min(axis=1))             # v = D*q - M with M >= 0
        scales = (sub.max(axis=1) + mins) / 15
        hd, d = f16(scales.max() / 63)
        hm, dmin = f16(mins.max() / 63)
        sc = [0] * 8 if d == 0 else [int(v) for v in np.clip(np.round(scales / d), 0, 63)]
        mn = [0] * 8 if dmin == 0 else [int(v) for v in np.clip(np.round(mins / dmin), 0, 63)]
        q = np.zeros((8, 32), np.int64)
        for j in range(8):
            D, M = d * np.float32(sc[j]), dmin * np.float32(mn[j])
            if D > 0:
                q[j] = np.clip(np.round((sub[j] + M) / D), 0, 15)
        qs = bytes(int(q[2 * i, l]) | int(q[2 * i + 1, l]) << 4 for i in range(4) for l in range(32))
        out += struct.pack("<HH", hd, hm) + pack_scale_min_k4(sc, mn) + qs
    return bytes(out)


def quant_q6_k(row):
    out = bytearray()
    for sb in row.reshape(-1, 256):
        sub = sb.reshape(16, 16)
        s = np.abs(sub).max(axis=1) / 31
        hd, d = f16(s.max() / 127)
        sc = np.zeros(16, np.int64) if d == 0 else np.clip(np.round(s / d), -128, 127).astype(np.int64)
        q = np.zeros(256, np.int64)
        for j in range(16):
            D = d * np.float32(sc[j])
            if D != 0:
                q[16 * j:16 * j + 16] = np.clip(np.round(sub[j] / D), -32, 31)
        u = q + 32
        ql, qh = bytearray(128), bytearray(64)
        for v in range(256):
            h, g, l = v // 128, v % 128 // 32, v % 32
            ql[64 * h + l + 32 * (g & 1)] |= (int(u[v]) & 15) << (0 if g < 2 else 4)
            qh[32 * h + l] |= (int(u[v]) >> 4) << (2 * g)
        out += bytes(ql) + bytes(qh) + sc.astype(np.int8).tobytes() + struct.pack("<H", hd)
    return bytes(out)


QUANT = {"Q8_0": quant_q8_0, "Q4_0": quant_q4_0, "Q4_K": quant_q4_k, "Q6_K": quant_q6_k}

# -------------------------------------------------------------- dequantizers

def dequant(raw, qtype, n):
    """n values (float32) from the raw blocks of one row or a whole tensor."""
    be, bb = BLOCK[qtype]
    blocks = [raw[i * bb:(i + 1) * bb] for i in range(n // be)]
    out = []
    f32 = np.float32
    for b in blocks:
        if qtype == "Q8_0":
            d = f16v(b[:2])[0]
            out.append(d * np.frombuffer(b[2:], np.int8).astype(f32))
        elif qtype == "Q4_0":
            d = f16v(b[:2])[0]
            qs = np.frombuffer(b[2:], np.uint8).astype(np.int64)
            out.append(d * np.concatenate([(qs & 15) - 8, (qs >> 4) - 8]).astype(f32))
        elif qtype == "Q4_K":
            d, dmin = f16v(b[:2])[0], f16v(b[2:4])[0]
            sc, mn = unpack_scale_min_k4(b[4:16])
            qs = np.frombuffer(b[16:], np.uint8).astype(np.int64)
            v = np.zeros(256, f32)
            for i in range(4):
                q = qs[32 * i:32 * i + 32]
                for half, nib in ((0, q & 15), (1, q >> 4)):
                    j = 2 * i + half
                    d1, m1 = f32(d * f32(sc[j])), f32(dmin * f32(mn[j]))
                    v[32 * j:32 * j + 32] = f32(d1 * nib.astype(f32)) - m1
            out.append(v)
        else:
            ql = np.frombuffer(b[:128], np.uint8).astype(np.int64)
            qh = np.frombuffer(b[128:192], np.uint8).astype(np.int64)
            sc = np.frombuffer(b[192:208], np.int8).astype(f32)
            d = f16v(b[208:210])[0]
            v = np.zeros(256, f32)
            for h in range(2):
                for g in range(4):
                    lo = ql[64 * h + 32 * (g & 1):64 * h + 32 * (g & 1) + 32]
                    lo = lo & 15 if g < 2 else lo >> 4
                    q = (lo | ((qh[32 * h:32 * h + 32] >> (2 * g)) & 3) << 4) - 32
                    for l in range(32):
                        vi = 128 * h + 32 * g + l
                        v[vi] = f32(d * sc[vi // 16]) * f32(q[l])
            out.append(v)
    return np.concatenate(out)


def quantize_matrix(w, qtype):
    """[rows, cols] float -> (raw bytes, dequantized float32 [rows, cols])."""
    raw = b"".join(QUANT[qtype](np.asarray(r, np.float64)) for r in w)
    return raw, dequant(raw, qtype, w.size).reshape(w.shape)

# ---------------------------------------------------------------- GGUF writer

def _str(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def _kv(key, val):
    if isinstance(val, bool):
        return _str(key) + struct.pack("<IB", 7, int(val))
    if isinstance(val, int):
        return _str(key) + struct.pack("<II", 4, val)
    if isinstance(val, float):
        return _str(key) + struct.pack("<If", 6, val)
    if isinstance(val, str):
        return _str(key) + struct.pack("<I", 8) + _str(val)
    raise TypeError(key)


def write_gguf(path, kvs, tensors, alignment=32):
    """kvs: [(key, value)]; tensors: [(name, type name, ne list, raw bytes)],
    ne[0] the contiguous dimension. GGUF v3, little-endian."""
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs))
    head += b"".join(_kv(k, v) for k, v in kvs)
    data, offs = bytearray(), []
    for name, ty, ne, raw in tensors:
        data += b"\0" * (-len(data) % alignment)
        offs.append(len(data))
        data += raw
    for (name, ty, ne, raw), off in zip(tensors, offs):
        head += _str(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", n) for n in ne)
        head += struct.pack("<IQ", GGML[ty], off)
    head += b"\0" * (-len(head) % alignment)
    with open(path, "wb") as f:
        f.write(head + bytes(data))
