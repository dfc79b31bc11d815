#!/usr/bin/env python3
"""Copy a GGUF file with a tokenizer.chat_template string key added first in
its metadata (the data section stays 32-byte aligned: the key is padded).
  python3 with_template.py IN.gguf OUT.gguf TEMPLATE"""
import struct, sys

src, dst, tmpl = sys.argv[1], sys.argv[2], sys.argv[3].encode()
data = open(src, 'rb').read()
assert data[:4] == b'GGUF' and struct.unpack_from('<I', data, 4)[0] == 3
n_kv = struct.unpack_from('<Q', data, 16)[0]
key = b'tokenizer.chat_template'
while (8 + len(key) + 4 + 8 + len(tmpl)) % 32:
    tmpl += b' '
kv = struct.pack('<Q', len(key)) + key + struct.pack('<IQ', 8, len(tmpl)) + tmpl
open(dst, 'wb').write(data[:16] + struct.pack('<Q', n_kv + 1) + kv + data[24:])
