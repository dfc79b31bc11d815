#!/usr/bin/env python3
"""Worst-case stack depth from GCC's -fcallgraph-info=su files (.ci, VCG).

    python3 tools/stack_bound.py ROOT FILE.ci...

Walks every call path from ROOT adding each function's static frame. Prints
the deepest path and its bytes, the functions taking part in recursion (with
the depth the walk assumed: one pass round each cycle), the callees with no
frame information (C library: their own stack is not counted) and any frame
that is not static (dynamic or bounded alloca)."""
import re
import sys

root, files = sys.argv[1], sys.argv[2:]
frame, kind, edges = {}, {}, {}
for f in files:
    for line in open(f):
        m = re.match(r'node: \{ title: "([^"]+)" label: "([^"]*)"', line)
        if m:
            name = m.group(1).split(":")[-1]
            sz = re.search(r"\\n(\d+) bytes \((\w+)", m.group(2))
            if sz:
                frame[name] = int(sz.group(1))
                kind[name] = sz.group(2)
            edges.setdefault(name, set())
            continue
        m = re.match(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"', line)
        if m:
            a, b = m.group(1).split(":")[-1], m.group(2).split(":")[-1]
            edges.setdefault(a, set()).add(b)

recursive, unknown = set(), set()
memo = {}


def depth(fn, stack):
    if fn in stack:
        recursive.update(stack[stack.index(fn):])
        return 0, []
    if fn in memo:
        return memo[fn]
    if fn not in frame:
        unknown.add(fn)
    best, path = 0, []
    for c in edges.get(fn, ()):
        d, p = depth(c, stack + [fn])
        if d > best:
            best, path = d, p
    r = (frame.get(fn, 0) + best, [fn] + path)
    if not recursive.intersection(stack + [fn]):
        memo[fn] = r
    return r


total, path = depth(root, [])
print(f"worst-case stack from {root}: {total} bytes")
print("  path: " + " -> ".join(f"{p} ({frame.get(p, '?')})" for p in path))
print("  recursion: " + (", ".join(sorted(recursive)) or "none"))
print("  not static: " + (", ".join(sorted(f for f, k in kind.items() if k != "static")) or "none"))
print("  no frame size (library code, not counted): " + ", ".join(sorted(unknown)))
