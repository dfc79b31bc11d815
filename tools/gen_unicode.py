#!/usr/bin/python3
"""Generate the Unicode tables of mamba.h's tokenizer.

    /usr/bin/python3 tools/gen_unicode.py FILE [UCD_DIR]

Rewrites everything between the lines
    /* BEGIN GENERATED UNICODE TABLES */
    /* END GENERATED UNICODE TABLES */
in FILE (mamba.h).
UCD_DIR defaults to /usr/share/unicode (Debian's `unicode-data` package).

What the tokenizer needs, and so what is generated:
  * a property set per code point, three-level table of 4-bit codes:
      L   \\p{L}  (Lu Ll Lt Lm Lo)                  GPT-2 regex
      N   \\p{N}  (Nd Nl No)                        GPT-2 regex, Digits (char::is_numeric)
      P   \\p{P}  (Pc Pd Ps Pe Pi Pf Po)            Punctuation pre-tokenizer
      S   White_Space (PropList.txt)               \\s of the regexes (Oniguruma and
                                                  Rust's regex crate both use it)
      W   \\w of Rust's regex crate: Alphabetic, M, Nd, Pc, Join_Control
                                                  (single_word added tokens)
      U   "NFC-unstable": ccc != 0 or NFC_QC != Yes; text without such a
          character is already NFC
  * canonical decompositions (one level; Hangul is algorithmic), with a flag on
    the primary composites (two-character decompositions that are not
    Full_Composition_Exclusion), and the composites sorted by their pair;
  * canonical combining classes as runs.
"""
import os
import re
import sys

BEGIN = "/* BEGIN GENERATED UNICODE TABLES */"
END = "/* END GENERATED UNICODE TABLES */"
NCP = 0x110000
SB, LB, VB, TB, NCOUNT, SCOUNT = 0xAC00, 0x1100, 0x1161, 0x11A7, 588, 11172


def ranges(path, want):
    """Code points listed in a UCD property file with property == want."""
    out = set()
    for line in open(path, encoding="utf-8"):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        f = [x.strip() for x in line.split(";")]
        if f[1] != want:
            continue
        r = f[0].split("..")
        out.update(range(int(r[0], 16), int(r[-1], 16) + 1))
    return out


def version(path):
    for line in open(path, encoding="utf-8"):
        m = re.match(r"#\s*\w+-(\d+\.\d+\.\d+)\.txt", line)
        if m:
            return m.group(1)
    raise SystemExit("cannot find the Unicode version in " + path)


def load(ucd):
    gc = {}
    ccc = {}
    decomp = {}
    first = None
    for line in open(os.path.join(ucd, "UnicodeData.txt"), encoding="utf-8"):
        f = line.rstrip("\n").split(";")
        cp = int(f[0], 16)
        if f[1].endswith(", First>"):
            first = cp
            continue
        if f[1].endswith(", Last>"):
            for c in range(first, cp + 1):
                gc[c] = f[2]
            continue
        gc[cp] = f[2]
        if int(f[3]):
            ccc[cp] = int(f[3])
        if f[5] and not f[5].startswith("<"):
            decomp[cp] = [int(x, 16) for x in f[5].split()]
    return gc, ccc, decomp


def c_array(ctype, name, values, per_line, fmt, comment):
    lines = ["/* %s */" % comment, "static const %s %s[%d] = {" % (ctype, name, len(values))]
    for i in range(0, len(values), per_line):
        lines.append("    " + ",".join(fmt(v) for v in values[i:i + per_line]) + ",")
    lines.append("};")
    return lines


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    target = sys.argv[1]
    ucd = sys.argv[2] if len(sys.argv) > 2 else "/usr/share/unicode"
    p = lambda n: os.path.join(ucd, n)
    uver = version(p("DerivedNormalizationProps.txt"))
    gc, ccc, decomp = load(ucd)
    ws = ranges(p("PropList.txt"), "White_Space")
    other_alpha = ranges(p("PropList.txt"), "Other_Alphabetic")
    join_control = ranges(p("PropList.txt"), "Join_Control")
    nfc_qc = ranges(p("DerivedNormalizationProps.txt"), "NFC_QC")   # N and M
    fce = ranges(p("DerivedNormalizationProps.txt"), "Full_Composition_Exclusion")
    # cross-check the exclusions file: every listed code point must be fully excluded
    excl = set()
    for line in open(p("CompositionExclusions.txt"), encoding="utf-8"):
        line = line.split("#", 1)[0].strip()
        if line:
            excl.add(int(line.split("..")[0], 16))
    assert excl <= fce

    # ---- property codes -------------------------------------------------
    FL, FN, FP, FS, FW, FU = 1, 2, 4, 8, 16, 32
    props = [0] * NCP
    for c in range(NCP):
        g = gc.get(c, "Cn")
        f = 0
        if g[0] == "L":
            f |= FL | FW
        if g[0] == "N":
            f |= FN
            if g in ("Nd", "Nl"):
                f |= FW
        if g[0] == "P":
            f |= FP
            if g == "Pc":
                f |= FW
        if g[0] == "M" or c in other_alpha or c in join_control:
            f |= FW
        if c in ws:
            f |= FS
        if c in nfc_qc or c in ccc:
            f |= FU
        props[c] = f
    combos = sorted(set(props))
    assert combos[0] == 0 and len(combos) <= 16, combos
    code = {v: i for i, v in enumerate(combos)}
    limit = max(c for c in range(NCP) if props[c]) + 1
    limit = (limit + 1023) // 1024 * 1024
    codes = [code[props[c]] for c in range(limit)]
    # three levels: cp>>10 -> chunk (u8); chunk*32 + (cp>>5 & 31) -> block (u16);
    # block*16 + (cp & 31)/2 -> two 4-bit codes (low nibble = even cp)
    blocks, block_ix = {}, []
    for b in range(limit // 32):
        t = tuple(codes[b * 32:(b + 1) * 32])
        block_ix.append(blocks.setdefault(t, len(blocks)))
    chunks, top = {}, []
    for k in range(limit // 1024):
        t = tuple(block_ix[k * 32:(k + 1) * 32])
        top.append(chunks.setdefault(t, len(chunks)))
    assert len(chunks) <= 256 and len(blocks) <= 65536
    mid = [x for t in sorted(chunks, key=chunks.get) for x in t]
    leaf = []
    for t in sorted(blocks, key=blocks.get):
        leaf += [t[i] | t[i + 1] << 4 for i in range(0, 32, 2)]

    # ---- decompositions and compositions ----------------------------------
    dlist = []
    for c in sorted(decomp):
        if SB <= c < SB + SCOUNT:
            continue
        d = decomp[c]
        assert 1 <= len(d) <= 2
        d1, d2 = d[0], d[1] if len(d) == 2 else 0
        comp = len(d) == 2 and c not in fce
        dlist.append((c, d1, d2, comp))
    packed = [(1 << 63 if comp else 0) | c << 42 | d1 << 21 | d2 for c, d1, d2, comp in dlist]
    comp_ix = sorted((i for i, e in enumerate(dlist) if e[3]), key=lambda i: (dlist[i][1], dlist[i][2]))
    assert len(dlist) < 65536

    # ---- canonical combining classes ----------------------------------------
    runs = []
    c = 0
    while c < NCP:
        v = ccc.get(c, 0)
        if not v:
            c += 1
            continue
        s = c
        while c < NCP and ccc.get(c, 0) == v and c - s < 256:
            c += 1
        runs.append((s, c - s, v))

    nbytes = {
        "properties": len(top) + 2 * len(mid) + len(leaf) + len(combos),
        "decompositions": 8 * len(packed) + 2 * len(comp_ix),
        "combining classes": 5 * len(runs),
    }
    total = sum(nbytes.values())

    out = [BEGIN,
           "/* Generated by tools/gen_unicode.py from the Unicode Character Database %s" % uver,
           "   (UnicodeData.txt, PropList.txt, DerivedNormalizationProps.txt,",
           "   CompositionExclusions.txt). Do not edit: re-run the script.",
           "   Sizes: %s;" % ", ".join("%s %d B" % kv for kv in nbytes.items()),
           "   %d bytes in all. */" % total,
           '#define MAMBA__UNICODE_VERSION "%s"' % uver,
           "#define MAMBA__UC_L 1   /* \\p{L} */",
           "#define MAMBA__UC_N 2   /* \\p{N} */",
           "#define MAMBA__UC_P 4   /* \\p{P} */",
           "#define MAMBA__UC_S 8   /* White_Space */",
           "#define MAMBA__UC_W 16  /* \\w of Rust's regex crate */",
           "#define MAMBA__UC_U 32  /* ccc != 0 or NFC_QC != Yes */",
           "#define MAMBA__UC_LIMIT 0x%X /* code points from here up have no property */" % limit,
           "#define MAMBA__UC_NDECOMP %d" % len(packed),
           "#define MAMBA__UC_NCOMP %d" % len(comp_ix),
           "#define MAMBA__UC_NCCC %d" % len(runs)]
    out += c_array("uint8_t", "mamba__uc_code", combos, 16, str, "4-bit code -> MAMBA__UC_* flags")
    out += c_array("uint8_t", "mamba__uc_top", top, 36, str, "cp >> 10 -> chunk of mamba__uc_mid")
    out += c_array("uint16_t", "mamba__uc_mid", mid, 24, str, "chunk*32 + (cp >> 5 & 31) -> block of mamba__uc_leaf")
    out += c_array("uint8_t", "mamba__uc_leaf", leaf, 28, str,
                   "block*16 + (cp & 31)/2 -> codes of two code points (low nibble: even cp)")
    out += c_array("uint64_t", "mamba__uc_decomp", packed, 5, lambda v: "0x%xu" % v,
                   "canonical decompositions sorted by cp: bit 63 primary composite,\n"
                   "   cp << 42 | first << 21 | second (0 for singletons)")
    out += c_array("uint16_t", "mamba__uc_comp", comp_ix, 20, str,
                   "primary composites (indices into mamba__uc_decomp) sorted by (first, second)")
    out += c_array("uint32_t", "mamba__uc_ccc_run", [s << 8 | (n - 1) for s, n, v in runs], 8,
                   lambda v: "0x%x" % v, "runs of equal non-zero ccc: start << 8 | (length - 1)")
    out += c_array("uint8_t", "mamba__uc_ccc_val", [v for s, n, v in runs], 24, str, "their ccc")
    out.append(END)

    text = open(target, encoding="utf-8").read()
    a = text.find(BEGIN)
    b = text.find(END)
    if a < 0 or b < a:
        raise SystemExit("%s: markers not found" % target)
    text = text[:a] + "\n".join(out) + text[b + len(END):]
    with open(target, "w", encoding="utf-8") as f:
        f.write(text)
    print("%s: Unicode %s, %s; %d bytes" % (target, uver,
          ", ".join("%s %d B" % kv for kv in nbytes.items()), total))


if __name__ == "__main__":
    main()
