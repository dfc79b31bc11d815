#!/usr/bin/python3
"""Writes one random Mamba-2 model twice: in the Hugging Face layout of
mistralai/Mamba-Codestral-7B-v0.1 and in Mistral's own layout.

    /usr/bin/python3 tests/ref/make_codestral_shape.py OUTDIR [--dim 4096]
        [--layers 2] [--vocab 32768] [--groups 8] [--seed 7]

OUTDIR/hf/       config.json  (Codestral's published HF config: model_type
                 "mamba2", hidden_size, n_groups 8, head_dim 64, state_size 128,
                 "norm_before_gate": true as published, untied) +
                 model.safetensors (backbone.embeddings.weight, ...)
OUTDIR/mistral/  params.json  (mistral-inference MambaArgs: dim, n_layers,
                 vocab_size, n_groups, rms_norm, residual_in_fp32,
                 fused_add_norm, pad_vocab_size_multiple, tie_embeddings,
                 model_type "mamba") + consolidated.safetensors (the state
                 dict of mistral-inference's Mamba: "model." + state-spaces'
                 MambaLMHeadModel names, backbone.embedding.weight singular)

The defaults are Codestral's real dimensions (d_model 4096, d_inner 8192,
128 heads of 64, state 128, 8 groups, conv 4, vocab 32768) with 2 layers
instead of 64: ~0.98 GB per layout, every tensor BF16 as published. Both
files hold the same bytes for every tensor, so a loader must give identical
logits from both. numpy only; streams in blocks (peak RSS ~0.2 GB); about
20 s for the default size.
"""
import argparse
import json
import os
import struct

import numpy as np


def bf16_bits(x):
    """float32 array -> uint16 BF16 bits, round to nearest even."""
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    r = ((u >> 16) & 1) + np.uint32(0x7FFF)
    return ((u + r) >> 16).astype(np.uint16)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--dim", type=int, default=4096)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--vocab", type=int, default=32768)
    ap.add_argument("--groups", type=int, default=8)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    D, L, V, G = a.dim, a.layers, a.vocab, a.groups
    N, P, K = 128, 64, 4                      # state-spaces Mamba2 defaults
    E = 2 * D
    H = E // P
    assert E % P == 0 and H % G == 0
    conv = E + 2 * G * N
    d_in_proj = E + conv + H
    rng = np.random.default_rng(a.seed)

    # (HF name, Mistral name, shape, generator of float32 values)
    def normal(std):
        return lambda n: rng.standard_normal(n, dtype=np.float32) * np.float32(std)

    def uniform(lo, hi):
        return lambda n: rng.random(n, dtype=np.float32) * np.float32(hi - lo) + np.float32(lo)

    def dt_bias(n):   # softplus^-1 of dt ~ logU[1e-3, 1e-1]
        dt = np.exp(rng.random(n) * (np.log(0.1) - np.log(1e-3)) + np.log(1e-3))
        return (dt + np.log(-np.expm1(-dt))).astype(np.float32)

    def a_log(n):
        return np.log(rng.random(n) * 15 + 1).astype(np.float32)

    tensors = [("backbone.embeddings.weight", "model.backbone.embedding.weight", (V, D), normal(1.0))]
    for l in range(L):
        hf = "backbone.layers.%d." % l
        tensors += [
            (hf + "norm.weight", None, (D,), uniform(0.9, 1.1)),
            (hf + "mixer.in_proj.weight", None, (d_in_proj, D), normal(1.0 / np.sqrt(D))),
            (hf + "mixer.conv1d.weight", None, (conv, 1, K), uniform(-0.5, 0.5)),
            (hf + "mixer.conv1d.bias", None, (conv,), uniform(-0.1, 0.1)),
            (hf + "mixer.dt_bias", None, (H,), dt_bias),
            (hf + "mixer.A_log", None, (H,), a_log),
            (hf + "mixer.D", None, (H,), lambda n: 1 + rng.standard_normal(n, dtype=np.float32) * np.float32(0.5)),
            (hf + "mixer.norm.weight", None, (E,), uniform(0.9, 1.1)),
            (hf + "mixer.out_proj.weight", None, (D, E), normal(0.5 / np.sqrt(E))),
        ]
    tensors += [("backbone.norm_f.weight", None, (D,), uniform(0.9, 1.1)),
                ("lm_head.weight", None, (V, D), normal(1.0 / np.sqrt(D)))]
    tensors = [(h, m if m else "model." + h, s, g) for h, m, s, g in tensors]

    header_hf, header_mi, off = {}, {}, 0
    for h, m, s, _ in tensors:
        n = int(np.prod(s)) * 2
        header_hf[h] = {"dtype": "BF16", "shape": list(s), "data_offsets": [off, off + n]}
        header_mi[m] = {"dtype": "BF16", "shape": list(s), "data_offsets": [off, off + n]}
        off += n

    def header_bytes(hdr):
        b = json.dumps(hdr, separators=(",", ":")).encode()
        b += b" " * (-len(b) % 8)
        return struct.pack("<Q", len(b)) + b

    hf_dir, mi_dir = os.path.join(a.out, "hf"), os.path.join(a.out, "mistral")
    os.makedirs(hf_dir, exist_ok=True)
    os.makedirs(mi_dir, exist_ok=True)
    f1 = open(os.path.join(hf_dir, "model.safetensors"), "wb")
    f2 = open(os.path.join(mi_dir, "consolidated.safetensors"), "wb")
    f1.write(header_bytes(header_hf))
    f2.write(header_bytes(header_mi))
    block = 1 << 23
    for _, _, s, gen in tensors:
        n = int(np.prod(s))
        for i in range(0, n, block):
            b = bf16_bits(gen(min(block, n - i))).tobytes()
            f1.write(b)
            f2.write(b)
    f1.close()
    f2.close()

    hf_config = {
        "architectures": ["Mamba2ForCausalLM"], "bos_token_id": 0, "chunk_size": 256, "conv_kernel": K,
        "eos_token_id": 0, "expand": 2, "head_dim": P, "hidden_act": "silu", "hidden_size": D,
        "initializer_range": 0.1, "intermediate_size": E, "layer_norm_epsilon": 1e-05, "model_type": "mamba2",
        "n_groups": G, "norm_before_gate": True, "num_heads": H, "num_hidden_layers": L, "pad_token_id": 0,
        "rescale_prenorm_residual": False, "residual_in_fp32": True, "rms_norm": True, "state_size": N,
        "tie_word_embeddings": False, "time_step_floor": 0.0001, "time_step_init_scheme": "random",
        "time_step_limit": [0.0, float("inf")], "time_step_max": 0.1, "time_step_min": 0.001,
        "time_step_rank": 256, "time_step_scale": 1.0, "torch_dtype": "bfloat16", "use_bias": False,
        "use_cache": True, "use_conv_bias": True, "vocab_size": V}
    with open(os.path.join(hf_dir, "config.json"), "w") as f:
        json.dump(hf_config, f, indent=2)   # Infinity, as Python writes it
        f.write("\n")
    params = {"dim": D, "n_layers": L, "vocab_size": V, "n_groups": G, "rms_norm": True,
              "residual_in_fp32": True, "fused_add_norm": True, "pad_vocab_size_multiple": 1,
              "tie_embeddings": False, "model_type": "mamba"}
    with open(os.path.join(mi_dir, "params.json"), "w") as f:
        json.dump(params, f, indent=2)
        f.write("\n")
    print("wrote %s (d_model %d, %d layers, vocab %d, %d groups, %.2f GB per layout)" % (a.out, D, L, V, G, off / 1e9))


if __name__ == "__main__":
    main()
