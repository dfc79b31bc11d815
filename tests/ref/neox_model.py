#!/usr/bin/env python3
"""Writes a small random Mamba-1 model with the GPT-NeoX-20B tokenizer and its
50,280-row embedding (the vocabulary of the state-spaces mamba-*-hf models):
the README example must work on a model like the ones users download, not
only on the bundled 256-byte one. Python standard library only; deterministic.

    python3 tests/ref/neox_model.py TOKENIZER.json OUTDIR

OUTDIR gets config.json, model.safetensors (F32, hidden 16, 1 layer, tied
embeddings: 3.2 MB) and a copy of TOKENIZER.json as tokenizer.json."""
import json, os, random, shutil, struct, sys
from array import array

tok_json, out = sys.argv[1], sys.argv[2]
V, D, L, N, K, R = 50280, 16, 1, 4, 4, 1
Di = 2 * D
rng = random.Random(20261201)


def normal(n, std):
    return array('f', (rng.gauss(0.0, std) for _ in range(n)))


def const(n, v):
    return array('f', [v]) * n


tensors = {'backbone.embeddings.weight': ([V, D], normal(V * D, 0.5)),
           'backbone.norm_f.weight': ([D], const(D, 1.0))}
for l in range(L):
    p = f'backbone.layers.{l}.'
    tensors.update({
        p + 'norm.weight': ([D], const(D, 1.0)),
        p + 'mixer.in_proj.weight': ([2 * Di, D], normal(2 * Di * D, 0.2)),
        p + 'mixer.conv1d.weight': ([Di, 1, K], normal(Di * K, 0.3)),
        p + 'mixer.conv1d.bias': ([Di], normal(Di, 0.1)),
        p + 'mixer.x_proj.weight': ([R + 2 * N, Di], normal((R + 2 * N) * Di, 0.2)),
        p + 'mixer.dt_proj.weight': ([Di, R], normal(Di * R, 0.5)),
        p + 'mixer.dt_proj.bias': ([Di], normal(Di, 0.5)),
        p + 'mixer.A_log': ([Di, N], array('f', [float(n + 1) for _ in range(Di) for n in range(N)])),
        p + 'mixer.D': ([Di], const(Di, 1.0)),
        p + 'mixer.out_proj.weight': ([D, Di], normal(D * Di, 0.2)),
    })
header, blobs, off = {'__metadata__': {'format': 'pt'}}, [], 0
for name in sorted(tensors):
    shape, data = tensors[name]
    if sys.byteorder != 'little':
        data.byteswap()
    b = data.tobytes()
    header[name] = {'dtype': 'F32', 'shape': shape, 'data_offsets': [off, off + len(b)]}
    blobs.append(b)
    off += len(b)
h = json.dumps(header, separators=(',', ':')).encode()
h += b' ' * (-len(h) % 8)
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, 'model.safetensors'), 'wb') as f:
    f.write(struct.pack('<Q', len(h)) + h)
    for b in blobs:
        f.write(b)
config = {'architectures': ['MambaForCausalLM'], 'model_type': 'mamba', 'hidden_size': D,
          'num_hidden_layers': L, 'state_size': N, 'expand': 2, 'intermediate_size': Di,
          'conv_kernel': K, 'time_step_rank': R, 'use_bias': False, 'use_conv_bias': True,
          'layer_norm_epsilon': 1e-5, 'vocab_size': V, 'tie_word_embeddings': True,
          'residual_in_fp32': True, 'bos_token_id': 0, 'eos_token_id': 0, 'pad_token_id': 0}
with open(os.path.join(out, 'config.json'), 'w') as f:
    json.dump(config, f, indent=2)
shutil.copyfile(tok_json, os.path.join(out, 'tokenizer.json'))
