#!/usr/bin/env python3
"""Turn bench/peer/run.sh's raw.txt into one markdown table (standard library only).

usage: table.py RAW
Each cell: llama.cpp tok/s / mamba.h tok/s (medians over the rounds), then the ratio
ours/llama.cpp as median [min] over the rounds, each round's pair taken seconds apart."""
import statistics as st
import sys

rows = {}      # (shape, file) -> {(kind, threads): {engine: {round: tok/s}}}
loads = []
head = []
for line in open(sys.argv[1]):
    if line.startswith("#"):
        head.append(line.strip("# \n"))
        continue
    p = line.split()
    if len(p) != 8:
        continue
    shape, f, th, kind, eng, rnd, v, ld = p
    loads.append(float(ld))
    d = rows.setdefault((shape, f), {}).setdefault((kind, int(th)), {}).setdefault(eng, {})
    d[rnd] = None if v == "FAIL" else float(v)


def fmt(x):
    return "–" if x is None else (f"{x:.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else f"{x:.2f}")


def cell(d):
    if not d:
        return "–"
    a, b = d.get("llama.cpp", {}), d.get("mamba.h", {})
    va = [x for x in a.values() if x]
    vb = [x for x in b.values() if x]
    ratios = [b[r] / a[r] for r in a if a[r] and b.get(r)]
    s = f"{fmt(st.median(va)) if va else 'FAIL'} / {fmt(st.median(vb)) if vb else 'FAIL'}"
    if ratios:
        s += f" (**{st.median(ratios):.2f}x** [{min(ratios):.2f}])"
    return s


order_shape = {"130m": 0, "1.4b": 1}
order_file = ["lc-F32", "lc-F16", "lc-Q8_0", "lc-Q4_0", "lc-Q4_K_M", "lc-Q6_K", "mh-Q8_0", "mh-Q4_0", "mh-Q4_K"]
keys = sorted(rows, key=lambda k: (order_shape.get(k[0], 9), order_file.index(k[1]) if k[1] in order_file else 99, k[1]))
for h in head:
    print(h + "  ")
if loads:
    print(f"load average (1 min) beside the runs: min {min(loads):.2f}, median {st.median(loads):.2f}, max {max(loads):.2f}  ")
print("cells: llama.cpp tok/s / mamba.h tok/s (medians), then mamba.h / llama.cpp per-round ratio: **median** [min]  ")
print("files: lc- = written by llama.cpp (convert_hf_to_gguf.py F16 + llama-quantize), mh- = written by mamba-quantize\n")
print("| shape | file | prefill 1t | prefill 2t | decode 1t | decode 2t |")
print("|---|---|---|---|---|---|")
for k in keys:
    d = rows[k]
    print(f"| {k[0]} | {k[1]} | " + " | ".join(cell(d.get((kind, th))) for kind in ("pp", "tg") for th in (1, 2)) + " |")
