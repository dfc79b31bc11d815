#!/usr/bin/python3
"""llama.cpp's reference K-quantization (what llama-quantize writes without an
importance matrix), re-implemented in numpy float32 from ggml-quants.c's
quantize_row_q{2,3,4,5,6}_K_ref (and, issue 19, quantize_row_q4_1_ref,
_q5_0_ref, _q5_1_ref and _iq4_nl_ref for the 32-blocks) and their helpers nearest_int,
make_qx_quants (rmse_type 1), make_q3_quants (do_rmse) and make_qkx2_quants,
one IEEE float32 operation at a time in the source's order, no fused
multiply-add (written from llama.cpp's algorithm, not from mamba.h).

    quantize(row, "Q4_K") -> bytes     (row: float32, a multiple of 256)

gen_quant_goldens.py writes tests/data/qblocks/kref-in.f32 and <TYPE>-ref.bin
with it; tests/test_kernels.c checks the library's writer reproduces every
byte. Every scalar is np.float32 and every constant is wrapped (numpy 1.x
would promote float32 * Python number to float64).
"""
import struct

import numpy as np

f = np.float32
EPS = f(1e-15)


def nearest_int(x):
    v = np.array([f(x) + f(12582912.0)], np.float32)
    i = int(v.view(np.int32)[0])
    return (i & 0x007fffff) - 0x00400000


def clamp(v, lo, hi):
    return lo if v < lo else hi if v > hi else v


def fp16(x):
    """f32 -> (f16 bits, its value as f32), round to nearest even"""
    h = np.array([x], np.float32).astype(np.float16)
    return int(h.view(np.uint16)[0]), f(h[0])


def make_qx_quants(x, nmax):   # rmse_type 1, no weights: w = x^2
    n = len(x)
    amax, mx = f(0), f(0)
    for v in x:
        if abs(v) > amax:
            amax, mx = abs(v), v
    if amax < EPS:
        return f(0), [0] * n
    iscale = f(-nmax) / mx
    L, sumlx, suml2 = [], f(0), f(0)
    for v in x:
        l = clamp(nearest_int(iscale * v), -nmax, nmax - 1)
        L.append(l + nmax)
        w = v * v
        sumlx = sumlx + (w * v) * f(l)
        suml2 = suml2 + (w * f(l)) * f(l)
    scale = sumlx / suml2 if suml2 != 0 else f(0)
    best = scale * sumlx
    for s in range(-9, 10):
        if s == 0:
            continue
        iscale = -(f(nmax) + f(0.1) * f(s)) / mx
        sumlx, suml2 = f(0), f(0)
        for v in x:
            l = clamp(nearest_int(iscale * v), -nmax, nmax - 1)
            w = v * v
            sumlx = sumlx + (w * v) * f(l)
            suml2 = suml2 + (w * f(l)) * f(l)
        if suml2 > 0 and sumlx * sumlx > best * suml2:
            L = [nmax + clamp(nearest_int(iscale * v), -nmax, nmax - 1) for v in x]
            scale = sumlx / suml2
            best = scale * sumlx
    return scale, L


def make_q3_quants(x, nmax):   # do_rmse
    n = len(x)
    amax, mx = f(0), f(0)
    for v in x:
        if abs(v) > amax:
            amax, mx = abs(v), v
    if amax < EPS:
        return f(0), [0] * n
    iscale = f(-nmax) / mx
    L, sumlx, suml2 = [], f(0), f(0)
    for v in x:
        l = clamp(nearest_int(iscale * v), -nmax, nmax - 1)
        L.append(l)
        w = v * v
        sumlx = sumlx + (w * v) * f(l)
        suml2 = suml2 + (w * f(l)) * f(l)
    for _ in range(5):
        changed = 0
        for i, v in enumerate(x):
            w = v * v
            slx = sumlx - (w * v) * f(L[i])
            if slx > 0:
                sl2 = suml2 - (w * f(L[i])) * f(L[i])
                nl = clamp(nearest_int((v * sl2) / slx), -nmax, nmax - 1)
                if nl != L[i]:
                    slx = slx + (w * v) * f(nl)
                    sl2 = sl2 + (w * f(nl)) * f(nl)
                    if sl2 > 0 and (slx * slx) * suml2 > (sumlx * sumlx) * sl2:
                        L[i], sumlx, suml2 = nl, slx, sl2
                        changed += 1
        if not changed:
            break
    return (sumlx / suml2 if suml2 > 0 else f(0)), [l + nmax for l in L]


def make_qkx2_quants(x, weights, nmax, rmin, rdelta, nstep, use_mad):
    n = len(x)
    mn, mx = x[0], x[0]
    sum_w = weights[0]
    sum_x = sum_w * x[0]
    for i in range(1, n):
        if x[i] < mn:
            mn = x[i]
        if x[i] > mx:
            mx = x[i]
        sum_w = sum_w + weights[i]
        sum_x = sum_x + weights[i] * x[i]
    if mn > 0:
        mn = f(0)
    if mx == mn:
        return f(0), -mn, [0] * n
    iscale = f(nmax) / (mx - mn)
    scale = f(1) / iscale
    L, best = [], f(0)
    for i in range(n):
        L.append(clamp(nearest_int(iscale * (x[i] - mn)), 0, nmax))
        d = (scale * f(L[i]) + mn) - x[i]
        d = abs(d) if use_mad else d * d
        best = best + weights[i] * d
    for s in range(nstep + 1):
        iscale = ((f(rmin) + f(rdelta) * f(s)) + f(nmax)) / (mx - mn)
        sl, sl2, sxl, La = f(0), f(0), f(0), []
        for i in range(n):
            l = clamp(nearest_int(iscale * (x[i] - mn)), 0, nmax)
            La.append(l)
            wl = weights[i] * f(l)
            sl = sl + wl
            sl2 = sl2 + wl * f(l)
            sxl = sxl + wl * x[i]
        D = sum_w * sl2 - sl * sl
        if D > 0:
            ts = (sum_w * sxl - sum_x * sl) / D
            tm = (sl2 * sum_x - sl * sxl) / D
            if tm > 0:
                tm = f(0)
                ts = sxl / sl2
            cur = f(0)
            for i in range(n):
                d = (ts * f(La[i]) + tm) - x[i]
                d = abs(d) if use_mad else d * d
                cur = cur + weights[i] * d
            if cur < best:
                L, best, scale, mn = La, cur, ts, tm
    return scale, -mn, L


def _scale_min_k4(s, j):
    if j < 4:
        return s[j] & 63, s[j + 4] & 63
    return (s[j + 4] & 15) | (s[j - 4] >> 6) << 4, (s[j + 4] >> 4) | (s[j] >> 6) << 4


def q45_k(x, five):
    nmax = 31 if five else 15
    L, scales, mins = [0] * 256, [], []
    for j in range(8):
        sub = x[32 * j:32 * j + 32]
        s2 = f(0)
        for v in sub:
            s2 = s2 + v * v
        av = np.sqrt(s2 / f(32), dtype=np.float32)
        w = [av + abs(v) for v in sub]
        sc, m, Lj = make_qkx2_quants(sub, w, nmax, -0.5 if five else -1.0, 0.1, 15 if five else 20, False)
        scales.append(sc)
        mins.append(m)
        L[32 * j:32 * j + 32] = Lj
    max_scale, max_min = f(0), f(0)
    for j in range(8):
        if scales[j] > max_scale:
            max_scale = scales[j]
        if mins[j] > max_min:
            max_min = mins[j]
    inv_s = f(63) / max_scale if max_scale > 0 else f(0)
    inv_m = f(63) / max_min if max_min > 0 else f(0)
    s = [0] * 12
    for j in range(8):
        ls = min(63, nearest_int(inv_s * scales[j]) & 255)
        lm = min(63, nearest_int(inv_m * mins[j]) & 255)
        if j < 4:
            s[j], s[j + 4] = ls, lm
        else:
            s[j + 4] = (ls & 15) | (lm & 15) << 4
            s[j - 4] |= (ls >> 4) << 6
            s[j] |= (lm >> 4) << 6
    hd, d = fp16(max_scale / f(63))
    hm, dmin = fp16(max_min / f(63))
    for j in range(8):
        sc, m = _scale_min_k4(s, j)
        dd = d * f(sc)
        if dd == 0:
            continue
        dm = dmin * f(m)
        for i in range(32):
            L[32 * j + i] = clamp(nearest_int((x[32 * j + i] + dm) / dd), 0, nmax)
    head = struct.pack("<HH", hd, hm) + bytes(s)
    if not five:
        return head + bytes(L[64 * j + l] | L[64 * j + 32 + l] << 4 for j in range(4) for l in range(32))
    qh, ql = bytearray(32), bytearray(128)
    for n in range(4):
        for j in range(32):
            l1, l2 = L[64 * n + j], L[64 * n + 32 + j]
            if l1 > 15:
                l1 -= 16
                qh[j] |= 1 << (2 * n)
            if l2 > 15:
                l2 -= 16
                qh[j] |= 2 << (2 * n)
            ql[32 * n + j] = l1 | l2 << 4
    return head + bytes(qh) + bytes(ql)


def q6_k(x):
    L, scales = [0] * 256, []
    max_scale, max_abs = f(0), f(0)
    for ib in range(16):
        sc, Lb = make_qx_quants(x[16 * ib:16 * ib + 16], 32)
        scales.append(sc)
        L[16 * ib:16 * ib + 16] = Lb
        if abs(sc) > max_abs:
            max_abs, max_scale = abs(sc), sc
    if max_abs < EPS:
        return bytes(210)
    iscale = f(-128) / max_scale
    hd, d = fp16(f(1) / iscale)
    sc8 = [min(127, nearest_int(iscale * scales[ib])) for ib in range(16)]
    for j in range(16):
        dd = d * f(sc8[j])
        if dd == 0:
            continue
        for i in range(16):
            L[16 * j + i] = clamp(nearest_int(x[16 * j + i] / dd), -32, 31) + 32
    ql, qh = bytearray(128), bytearray(64)
    for h in range(2):
        Lh = L[128 * h:128 * h + 128]
        for l in range(32):
            ql[64 * h + l] = (Lh[l] & 15) | (Lh[l + 64] & 15) << 4
            ql[64 * h + l + 32] = (Lh[l + 32] & 15) | (Lh[l + 96] & 15) << 4
            qh[32 * h + l] = (Lh[l] >> 4) | (Lh[l + 32] >> 4) << 2 | (Lh[l + 64] >> 4) << 4 | (Lh[l + 96] >> 4) << 6
    return bytes(ql) + bytes(qh) + bytes(v & 255 for v in sc8) + struct.pack("<H", hd)


def _pack2(L):
    return bytes(L[128 * h + l] | L[128 * h + l + 32] << 2 | L[128 * h + l + 64] << 4 | L[128 * h + l + 96] << 6
                 for h in range(2) for l in range(32))


def q2_k(x):
    L, scales, mins = [0] * 256, [], []
    for j in range(16):
        sub = x[16 * j:16 * j + 16]
        sc, m, Lj = make_qkx2_quants(sub, [abs(v) for v in sub], 3, -0.5, 0.1, 15, True)
        scales.append(sc)
        mins.append(m)
        L[16 * j:16 * j + 16] = Lj
    max_scale, max_min = f(0), f(0)
    for j in range(16):
        if scales[j] > max_scale:
            max_scale = scales[j]
        if mins[j] > max_min:
            max_min = mins[j]
    s = [0] * 16
    hd = hm = 0
    if max_scale > 0:
        isc = f(15) / max_scale
        s = [nearest_int(isc * scales[j]) & 255 for j in range(16)]
        hd, _ = fp16(max_scale / f(15))
    if max_min > 0:
        isc = f(15) / max_min
        s = [(s[j] | nearest_int(isc * mins[j]) << 4) & 255 for j in range(16)]
        hm, _ = fp16(max_min / f(15))
    d = f(np.array([hd], np.uint16).view(np.float16)[0])
    dmin = f(np.array([hm], np.uint16).view(np.float16)[0])
    for j in range(16):
        dd = d * f(s[j] & 15)
        if dd == 0:
            continue
        dm = dmin * f(s[j] >> 4)
        for i in range(16):
            L[16 * j + i] = clamp(nearest_int((x[16 * j + i] + dm) / dd), 0, 3)
    return bytes(s) + _pack2(L) + struct.pack("<HH", hd, hm)


def q3_k(x):
    L, scales = [0] * 256, []
    amax, max_scale = f(0), f(0)
    for j in range(16):
        sc, Lj = make_q3_quants(x[16 * j:16 * j + 16], 4)
        scales.append(sc)
        L[16 * j:16 * j + 16] = Lj
        if abs(sc) > amax:
            amax, max_scale = abs(sc), sc
    s = bytearray(12)
    hd = 0
    if max_scale != 0:
        iscale = f(-32) / max_scale
        for j in range(16):
            l = nearest_int(iscale * scales[j])
            l = ((l & 255) ^ 128) - 128
            l = clamp(l, -32, 31) + 32
            if j < 8:
                s[j] = l & 15
            else:
                s[j - 8] |= (l & 15) << 4
            s[8 + j % 4] |= (l >> 4) << (2 * (j // 4))
        hd, _ = fp16(f(1) / iscale)
    d = f(np.array([hd], np.uint16).view(np.float16)[0])
    for j in range(16):
        lo = s[j] & 15 if j < 8 else s[j - 8] >> 4
        sc = (lo | ((s[8 + j % 4] >> (2 * (j // 4))) & 3) << 4) - 32
        dd = d * f(sc)
        if dd == 0:
            continue
        for i in range(16):
            L[16 * j + i] = clamp(nearest_int(x[16 * j + i] / dd), -4, 3) + 4
    hmask = bytearray(32)
    for j in range(256):
        if L[j] > 3:
            hmask[j % 32] |= 1 << (j // 32)
            L[j] -= 4
    return bytes(hmask) + _pack2(L) + bytes(s) + struct.pack("<H", hd)


KQUANT = {"Q2_K": q2_k, "Q3_K": q3_k, "Q4_K": lambda x: q45_k(x, False), "Q5_K": lambda x: q45_k(x, True), "Q6_K": q6_k}


# ---- the 32-blocks (issue 19): quantize_row_q4_1_ref, _q5_0_ref, _q5_1_ref
# and quantize_row_iq4_nl_ref (quantize_row_iq4_nl_impl with one block of 32,
# no importance matrix: weights x^2, ntry 7, best_index_int8)

def _trunc8(v):   # C's (int8_t)/(uint8_t) of a float in range: toward zero
    return int(v)


def q4_1(x, bits=4):
    mn, mx = x[0], x[0]
    for v in x[1:]:
        if v < mn:
            mn = v
        if v > mx:
            mx = v
    d = (mx - mn) / f((1 << bits) - 1)
    i_d = f(1) / d if d != 0 else f(0)
    hd, _ = fp16(d)
    hm, _ = fp16(mn)
    qs, qh = [0] * 16, 0
    for j in range(16):
        x0 = ((x[j] - mn) * i_d) + f(0.5)
        x1 = ((x[j + 16] - mn) * i_d) + f(0.5)
        a, b = _trunc8(x0), _trunc8(x1)
        if bits == 4:
            qs[j] = min(15, a) | (min(15, b) << 4)
        else:
            a, b = a & 0xFF, b & 0xFF
            qs[j] = (a & 0xF) | ((b & 0xF) << 4)
            qh |= ((a & 0x10) >> 4) << j
            qh |= ((b & 0x10) >> 4) << (j + 16)
    if bits == 4:
        return struct.pack("<HH", hd, hm) + bytes(qs)
    return struct.pack("<HHI", hd, hm, qh) + bytes(qs)


def q5_0(x):
    amax, mx = f(0), f(0)
    for v in x:
        if amax < abs(v):
            amax, mx = abs(v), v
    d = mx / f(-16)
    i_d = f(1) / d if d != 0 else f(0)
    hd, _ = fp16(d)
    qs, qh = [0] * 16, 0
    for j in range(16):
        a = min(31, _trunc8((x[j] * i_d) + f(16.5))) & 0xFF
        b = min(31, _trunc8((x[j + 16] * i_d) + f(16.5))) & 0xFF
        qs[j] = (a & 0xF) | ((b & 0xF) << 4)
        qh |= ((a & 0x10) >> 4) << j
        qh |= ((b & 0x10) >> 4) << (j + 16)
    return struct.pack("<HI", hd, qh) + bytes(qs)


IQ4NL = [f(v) for v in (-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113)]


def best_index_iq4(x):
    if x <= IQ4NL[0]:
        return 0
    if x >= IQ4NL[15]:
        return 15
    ml, mu = 0, 15
    while mu - ml > 1:
        mav = (ml + mu) // 2
        if x < IQ4NL[mav]:
            mu = mav
        else:
            ml = mav
    return mu - 1 if x - IQ4NL[mu - 1] < IQ4NL[mu] - x else mu


def iq4_nl(x):
    amax, mx = f(0), f(0)
    for v in x:
        if abs(v) > amax:
            amax, mx = abs(v), v
    if amax < EPS:
        d = f(0)
    else:
        d = -mx / IQ4NL[0]
        i_d = f(1) / d
        sumqx, sumq2 = f(0), f(0)
        for v in x:
            q = IQ4NL[best_index_iq4(i_d * v)]
            w = v * v
            sumqx = sumqx + (w * q) * v
            sumq2 = sumq2 + (w * q) * q
        d = sumqx / sumq2
        best = d * sumqx
        for itry in range(-7, 8):
            i_d = f(itry + (-127)) / mx
            sumqx, sumq2 = f(0), f(0)
            for v in x:
                q = IQ4NL[best_index_iq4(i_d * v)]
                w = v * v
                sumqx = sumqx + (w * q) * v
                sumq2 = sumq2 + (w * q) * q
            if sumq2 > 0 and sumqx * sumqx > best * sumq2:
                d = sumqx / sumq2
                best = d * sumqx
    hd, _ = fp16(d)
    i_d = f(1) / d if d != 0 else f(0)
    L = [best_index_iq4(i_d * v) for v in x]
    return struct.pack("<H", hd) + bytes(L[j] | (L[16 + j] << 4) for j in range(16))


QUANT32 = {"Q4_1": q4_1, "Q5_1": lambda x: q4_1(x, 5), "Q5_0": q5_0, "IQ4_NL": iq4_nl}


def quantize(row, qtype):
    row = [f(v) for v in np.asarray(row, np.float32)]
    if qtype in QUANT32:
        return b"".join(QUANT32[qtype](row[i:i + 32]) for i in range(0, len(row), 32))
    return b"".join(KQUANT[qtype](row[i:i + 256]) for i in range(0, len(row), 256))
