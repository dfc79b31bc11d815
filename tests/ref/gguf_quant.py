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

The types of issue 19, from ggml-common.h's block_* structs (read, not copied):

    Q4_1   32, 20 B: f16 d, f16 m, u8 qs[16]           v = q*d + m (q = nibble)
    Q5_0   32, 22 B: f16 d, u8 qh[4], u8 qs[16]        v = (q5 - 16)*d
    Q5_1   32, 24 B: f16 d, f16 m, u8 qh[4], u8 qs[16] v = q5*d + m
           q5 of value j < 16: low nibble of qs[j] | bit j of qh (LE u32) << 4;
           of value j + 16: high nibble of qs[j] | bit j + 16 of qh << 4
    IQ4_NL 32, 18 B: f16 d, u8 qs[16]                  v = d*KV[nibble]
    Q2_K  256, 84 B: u8 scales[16] (low nibble: scale, high: min), u8 qs[64],
           f16 d, f16 dmin; value 128h + 32g + l is bits 2g..2g+1 of
           qs[32h + l]; 16 sub-blocks of 16;  v = (d*sc)*q - (dmin*m)
    Q3_K  256, 110 B: u8 hmask[32], u8 qs[64], u8 scales[12], f16 d; low 2
           bits as Q2_K, the high bit of value 128h + 32g + l is bit 4h + g of
           hmask[l] (set: +0, clear: -4); 16 six-bit scales (low nibbles: j < 8
           in scales[j] low, j >= 8 in scales[j-8] high; top 2 bits at bit
           2(j//4) of scales[8 + j%4]), minus 32;  v = (d*(sc-32))*(q3 - 4)
    Q5_K  256, 176 B: f16 d, f16 dmin, u8 scales[12] (as Q4_K), u8 qh[32],
           u8 qs[128]; value 64i + 32k + l: nibble k of qs[32i + l], plus 16 if
           bit 2i + k of qh[l];  v = (d*sc)*q - (dmin*m)
    IQ4_XS 256, 136 B: f16 d, u16 scales_h, u8 scales_l[4], u8 qs[128];
           sub-block ib of 32: ls = nibble (ib%2) of scales_l[ib//2] | bits
           2ib..2ib+1 of scales_h << 4; its 16 bytes qs[16ib..]: low nibbles
           are values 0..15, high 16..31;  v = (d*(ls-32))*KV[nibble]
    KV = ggml's kvalues_iq4nl: -127 -104 -83 -65 -49 -35 -22 -10 1 13 25 38 53 69 89 113
"""
import struct

import numpy as np

GGML = {"F32": 0, "F16": 1, "Q4_0": 2, "Q4_1": 3, "Q5_0": 6, "Q5_1": 7, "Q8_0": 8, "Q2_K": 10, "Q3_K": 11,
        "Q4_K": 12, "Q5_K": 13, "Q6_K": 14, "IQ4_NL": 20, "IQ4_XS": 23}
BLOCK = {"Q8_0": (32, 34), "Q4_0": (32, 18), "Q4_K": (256, 144), "Q6_K": (256, 210),
         "Q4_1": (32, 20), "Q5_0": (32, 22), "Q5_1": (32, 24), "IQ4_NL": (32, 18),
         "Q2_K": (256, 84), "Q3_K": (256, 110), "Q5_K": (256, 176), "IQ4_XS": (256, 136)}
KV = np.array([-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113], np.int64)


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


def _q5_pack(q):
    """32 five-bit values -> (qh 4 bytes, qs 16 bytes)"""
    h = 0
    for j in range(32):
        h |= (int(q[j]) >> 4 & 1) << j
    return struct.pack("<I", h), bytes((int(q[j]) & 15) | (int(q[j + 16]) & 15) << 4 for j in range(16))


def quant_q4_1(row, bits=4):
    out = bytearray()
    top = (1 << bits) - 1
    for b in row.reshape(-1, 32):
        lo, hi = float(b.min()), float(b.max())
        hd, d = f16((hi - lo) / top)
        hm, m = f16(lo)
        q = np.zeros(32, np.int64) if d == 0 else np.clip(np.round((b - m) / d), 0, top).astype(np.int64)
        if bits == 4:
            out += struct.pack("<HH", hd, hm) + bytes(int(q[j]) | int(q[j + 16]) << 4 for j in range(16))
        else:
            qh, qs = _q5_pack(q)
            out += struct.pack("<HH", hd, hm) + qh + qs
    return bytes(out)


def quant_q5_0(row):
    out = bytearray()
    for b in row.reshape(-1, 32):
        mx = b[np.argmax(np.abs(b))]
        hd, d = f16(mx / -16)
        q = np.full(32, 16) if d == 0 else np.clip(np.round(b / d) + 16, 0, 31).astype(np.int64)
        qh, qs = _q5_pack(q)
        out += struct.pack("<H", hd) + qh + qs
    return bytes(out)


def _nl_index(b, d):
    """nearest KV entry of each b/d"""
    if d == 0:
        return np.full(len(b), 8)
    return np.abs((b / d)[:, None] - KV[None, :]).argmin(axis=1)


def quant_iq4_nl(row):
    out = bytearray()
    for b in row.reshape(-1, 32):
        hd, d = f16(float(np.abs(b).max()) / 127)
        q = _nl_index(b, d)
        out += struct.pack("<H", hd) + bytes(int(q[j]) | int(q[j + 16]) << 4 for j in range(16))
    return bytes(out)


def quant_iq4_xs(row):
    out = bytearray()
    for sb in row.reshape(-1, 256):
        sub = sb.reshape(8, 32)
        s = np.abs(sub).max(axis=1) / 127
        hd, d = f16(s.max() / 31 if s.max() > 0 else 0.0)
        ls = np.zeros(8, np.int64) if d == 0 else np.clip(np.round(s / d), 0, 31).astype(np.int64)
        sh, sl = 0, bytearray(4)
        qs = bytearray()
        for ib in range(8):
            u = int(ls[ib]) + 32
            sl[ib // 2] |= (u & 15) << (4 * (ib % 2))
            sh |= (u >> 4) << (2 * ib)
            q = _nl_index(sub[ib], d * np.float32(ls[ib]))
            qs += bytes(int(q[j]) | int(q[j + 16]) << 4 for j in range(16))
        out += struct.pack("<HH", hd, sh) + bytes(sl) + bytes(qs)
    return bytes(out)


def _pack2(q, base=0):
    """256 two-bit values -> 64 bytes: value 128h + 32g + l at bits 2g of byte 32h + l"""
    qs = bytearray(64)
    for v in range(256):
        h, g, l = v // 128, v % 128 // 32, v % 32
        qs[32 * h + l] |= (int(q[v]) & 3) << (2 * g)
    return bytes(qs)


def quant_q2_k(row):
    out = bytearray()
    for sb in row.reshape(-1, 256):
        sub = sb.reshape(16, 16)
        mins = np.maximum(0.0, -sub.min(axis=1))
        scales = (sub.max(axis=1) + mins) / 3
        hd, d = f16(scales.max() / 15)
        hm, dmin = f16(mins.max() / 15)
        sc = [0] * 16 if d == 0 else [int(v) for v in np.clip(np.round(scales / d), 0, 15)]
        mn = [0] * 16 if dmin == 0 else [int(v) for v in np.clip(np.round(mins / dmin), 0, 15)]
        q = np.zeros(256, np.int64)
        for j in range(16):
            D, M = d * np.float32(sc[j]), dmin * np.float32(mn[j])
            if D > 0:
                q[16 * j:16 * j + 16] = np.clip(np.round((sub[j] + M) / D), 0, 3)
        out += bytes(sc[j] | mn[j] << 4 for j in range(16)) + _pack2(q) + struct.pack("<HH", hd, hm)
    return bytes(out)


def quant_q3_k(row):
    out = bytearray()
    for sb in row.reshape(-1, 256):
        sub = sb.reshape(16, 16)
        s = sub[np.arange(16), np.abs(sub).argmax(axis=1)] / -4     # the largest magnitude -> -4
        hd, d = f16(float(np.abs(s).max()) / 32)
        sc = np.zeros(16, np.int64) if d == 0 else np.clip(np.round(s / d), -32, 31).astype(np.int64)
        q = np.zeros(256, np.int64)
        for j in range(16):
            D = d * np.float32(sc[j])
            if D != 0:
                q[16 * j:16 * j + 16] = np.clip(np.round(sub[j] / D), -4, 3)
        u = q + 4
        hmask = bytearray(32)
        for v in range(256):
            h, g, l = v // 128, v % 128 // 32, v % 32
            if u[v] > 3:
                hmask[l] |= 1 << (4 * h + g)
        scb = bytearray(12)
        for j in range(16):
            e = int(sc[j]) + 32
            if j < 8:
                scb[j] |= e & 15
            else:
                scb[j - 8] |= (e & 15) << 4
            scb[8 + j % 4] |= (e >> 4) << (2 * (j // 4))
        out += bytes(hmask) + _pack2(u & 3) + bytes(scb) + struct.pack("<H", hd)
    return bytes(out)


def quant_q5_k(row):
    out = bytearray()
    for sb in row.reshape(-1, 256):
        sub = sb.reshape(8, 32)
        mins = np.maximum(0.0, -sub.min(axis=1))
        scales = (sub.max(axis=1) + mins) / 31
        hd, d = f16(scales.max() / 63)
        hm, dmin = f16(mins.max() / 63)
        sc = [0] * 8 if d == 0 else [int(v) for v in np.clip(np.round(scales / d), 0, 63)]
        mn = [0] * 8 if dmin == 0 else [int(v) for v in np.clip(np.round(mins / dmin), 0, 63)]
        q = np.zeros((8, 32), np.int64)
        for j in range(8):
            D, M = d * np.float32(sc[j]), dmin * np.float32(mn[j])
            if D > 0:
                q[j] = np.clip(np.round((sub[j] + M) / D), 0, 31)
        qh = bytearray(32)
        for j in range(8):
            for l in range(32):
                qh[l] |= (int(q[j, l]) >> 4) << j
        qs = bytes((int(q[2 * i, l]) & 15) | (int(q[2 * i + 1, l]) & 15) << 4 for i in range(4) for l in range(32))
        out += struct.pack("<HH", hd, hm) + pack_scale_min_k4(sc, mn) + bytes(qh) + qs
    return bytes(out)


QUANT = {"Q8_0": quant_q8_0, "Q4_0": quant_q4_0, "Q4_K": quant_q4_k, "Q6_K": quant_q6_k,
         "Q4_1": quant_q4_1, "Q5_1": lambda r: quant_q4_1(r, 5), "Q5_0": quant_q5_0, "IQ4_NL": quant_iq4_nl,
         "Q2_K": quant_q2_k, "Q3_K": quant_q3_k, "Q5_K": quant_q5_k, "IQ4_XS": quant_iq4_xs}


def _q5_values(qh, qs):
    h = struct.unpack("<I", bytes(qh))[0]
    qs = np.frombuffer(bytes(qs), np.uint8).astype(np.int64)
    hb = np.array([(h >> j) & 1 for j in range(32)], np.int64)
    return np.concatenate([qs & 15, qs >> 4]) | hb << 4


def dequant_new(b, qtype):
    """one block of issue 19's types -> float32 values (ggml's operation order)"""
    f32 = np.float32
    if qtype in ("Q4_1", "Q5_1"):
        d, m = f16v(b[:2])[0], f16v(b[2:4])[0]
        if qtype == "Q4_1":
            qs = np.frombuffer(bytes(b[4:20]), np.uint8).astype(np.int64)
            q = np.concatenate([qs & 15, qs >> 4])
        else:
            q = _q5_values(b[4:8], b[8:24])
        return (q.astype(f32) * d + m).astype(f32)
    if qtype == "Q5_0":
        d = f16v(b[:2])[0]
        return ((_q5_values(b[2:6], b[6:22]) - 16).astype(f32) * d).astype(f32)
    if qtype == "IQ4_NL":
        d = f16v(b[:2])[0]
        qs = np.frombuffer(bytes(b[2:18]), np.uint8).astype(np.int64)
        return (d * KV[np.concatenate([qs & 15, qs >> 4])].astype(f32)).astype(f32)
    v = np.zeros(256, f32)
    if qtype in ("Q2_K", "Q3_K"):
        if qtype == "Q2_K":
            qs = b[16:80]
            d, dmin = f16v(b[80:82])[0], f16v(b[82:84])[0]
        else:
            qs, hm = b[32:96], b[0:32]
            d = f16v(b[108:110])[0]
            s = b[96:108]
        for vi in range(256):
            h, g, l = vi // 128, vi % 128 // 32, vi % 32
            j = vi // 16
            q = (qs[32 * h + l] >> (2 * g)) & 3
            if qtype == "Q2_K":
                dl, ml = f32(d * f32(b[j] & 15)), f32(dmin * f32(b[j] >> 4))
                v[vi] = f32(dl * f32(q)) - ml
            else:
                lo = s[j] & 15 if j < 8 else s[j - 8] >> 4
                sc = (lo | ((s[8 + j % 4] >> (2 * (j // 4))) & 3) << 4) - 32
                q -= 0 if hm[l] >> (4 * h + g) & 1 else 4
                v[vi] = f32(d * f32(sc)) * f32(q)
        return v
    if qtype == "Q5_K":
        d, dmin = f16v(b[:2])[0], f16v(b[2:4])[0]
        sc, mn = unpack_scale_min_k4(b[4:16])
        qh, qs = b[16:48], b[48:176]
        for vi in range(256):
            i, k, l = vi // 64, vi % 64 // 32, vi % 32
            j = 2 * i + k
            q = (qs[32 * i + l] >> (4 * k)) & 15
            q += 16 if qh[l] >> j & 1 else 0
            v[vi] = f32(f32(d * f32(sc[j])) * f32(q)) - f32(dmin * f32(mn[j]))
        return v
    if qtype == "IQ4_XS":
        d = f16v(b[:2])[0]
        sh = b[2] | b[3] << 8
        for ib in range(8):
            ls = ((b[4 + ib // 2] >> (4 * (ib % 2))) & 15) | ((sh >> (2 * ib)) & 3) << 4
            dl = f32(d * f32(ls - 32))
            for j in range(16):
                q = b[8 + 16 * ib + j]
                v[32 * ib + j] = dl * f32(KV[q & 15])
                v[32 * ib + 16 + j] = dl * f32(KV[q >> 4])
        return v
    raise ValueError(qtype)

# -------------------------------------------------------------- dequantizers

def dequant(raw, qtype, n):
    """n values (float32) from the raw blocks of one row or a whole tensor."""
    be, bb = BLOCK[qtype]
    blocks = [raw[i * bb:(i + 1) * bb] for i in range(n // be)]
    out = []
    f32 = np.float32
    for b in blocks:
        if qtype not in ("Q8_0", "Q4_0", "Q4_K", "Q6_K"):
            out.append(dequant_new(b, qtype))
        elif qtype == "Q8_0":
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
