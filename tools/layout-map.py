#!/usr/bin/env python3
"""Rewrites the map at the top of mamba.h's implementation ("How mamba.h is
laid out"): every section (/* ==== X. ... */) and subsection (/* ---- X.n ...)
with its line range and count, and what each section may use. Run it after
moving code:  python3 tools/layout-map.py [mamba.h]"""
import re, sys

USES = {
    'A': 'the C library only',
    'B': 'nothing (pure functions on bytes)',
    'C': 'A, B; the ISA intrinsics it chose',
    'D': 'A-C',
    'E': 'A only (no model, no kernels)',
    'F': 'A-E (a reader fills a mamba__desc; see F.2)',
    'G': 'A-F',
}
START = '/* How mamba.h is laid out'

def build(lines):
    impl = next(i for i, l in enumerate(lines) if l.startswith('#ifdef MAMBA_IMPLEMENTATION')) + 1
    end = next(i for i, l in enumerate(lines) if l.startswith('#endif /* MAMBA_IMPLEMENTATION_INCLUDED */')) + 1
    heads = []
    for i, l in enumerate(lines):
        m = re.match(r'/\* ==== ([A-G])\. (.*?) =*( \*/)?$', l)
        if m: heads.append((i + 1, 0, m.group(1), m.group(2).strip()))
        m = re.match(r'/\* ---- ([A-G]\.\d+) (.*?) -*( \*/)?$', l)
        if m: heads.append((i + 1, 1, m.group(1), m.group(2).strip()))
    out = [START + ' (python3 tools/layout-map.py keeps this map true).',
           '   Lines 1-%d: the documentation block and the public API. Below' % (impl - 1),
           '   #ifdef MAMBA_IMPLEMENTATION, sections in one direction of dependency:',
           '   each uses only what is above it (the "uses" column).',
           '     lines        count  section']
    for k, (ln, lvl, key, title) in enumerate(heads):
        nxt = [h[0] for h in heads[k + 1:] if h[1] <= lvl or (lvl == 1 and h[1] == 0)]
        stop = (nxt[0] - 1) if nxt else end - 1
        if lvl == 1:
            later = [h for h in heads[k + 1:]]
            stop = (later[0][0] - 1) if later else end - 1
        rng = '%d-%d' % (ln, stop)
        if lvl == 0:
            out.append('     %-12s %5d  %s. %s' % (rng, stop - ln + 1, key, title))
            out.append('                         uses: %s' % USES[key])
        else:
            out.append('       %-10s %5d    %s %s' % (rng, stop - ln + 1, key, title))
    out[-1] += ' */'
    return out

def main():
    path = sys.argv[1] if len(sys.argv) > 1 else 'mamba.h'
    text = open(path).read().split('\n')
    for _ in range(3):   # the map's own length moves the lines after it
        i = next(k for k, l in enumerate(text) if l.startswith(START) or l.startswith('/* Contents of the implementation'))
        j = i
        while not text[j].rstrip().endswith('*/'): j += 1
        new = build(text[:i] + ['x'] * 0 + text[j + 1:])
        text = text[:i] + new + text[j + 1:]
        again = build(text)
        # recompute against the final text
        i = next(k for k, l in enumerate(text) if l.startswith(START))
        j = i
        while not text[j].rstrip().endswith('*/'): j += 1
        if text[i:j + 1] == again: break
        text = text[:i] + again + text[j + 1:]
    open(path, 'w').write('\n'.join(text))

main()
