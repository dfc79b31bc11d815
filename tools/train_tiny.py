#!/usr/bin/python3
"""Train the tiny byte-level Mamba-1 bundled as models/shakespeare-tiny/.

Math follows the project SPEC.md A.2 (kept outside this repository) (HF MambaForCausalLM, no biases except
conv1d/dt_proj, tied lm_head). Output is the Hugging Face layout (config.json,
model.safetensors, tokenizer.json) plus eval.json, written without any
HF packages. See models/README.md for the exact command used.

  tools/train_tiny.py check                  # verify the fast scan vs the naive recurrence
  tools/train_tiny.py train [--steps N ...]  # train, export, evaluate, sample
  tools/train_tiny.py eval                   # recompute eval.json + sample from an existing model dir

Run with Debian's /usr/bin/python3 (python3-torch), OPENBLAS_NUM_THREADS=1.
"""
import argparse, json, math, os, struct, sys, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = "models/tinyshakespeare.txt"
EPS = 1e-5


# ---------------------------------------------------------------- selective scan
# The state tile is kept as [b, n, c] (channels innermost): reductions over n are
# then cheap. Big per-call buffers come from a small pool, because fresh 100 MB
# allocations cost more in page faults than the scan itself.
_pool = {}


def _buf(shape, dtype):
    free = _pool.get((tuple(shape), dtype))
    return free.pop() if free else torch.empty(shape, dtype=dtype)


def _release(*ts):
    for t in ts:
        _pool.setdefault((tuple(t.shape), t.dtype), []).append(t)


def scan_forward(x, dt, A, B, C, keep_states=False):
    """Time-major x,dt [L,b,c], B,C [L,b,n], A [c,n]. Returns y [L,b,c] and, with
    keep_states, hs [L+1,b,n,c] (hs[0] = 0) and dA = exp(dt*A) [L,b,n,c].
    Sequential over t; each step works on a whole cache-resident [b,n,c] tile."""
    L, b, c = x.shape
    n = A.shape[1]
    At = A.t().contiguous()
    dtx = dt * x
    y = x.new_empty(L, b, c)
    if keep_states:
        hs, dA = _buf((L + 1, b, n, c), x.dtype), _buf((L, b, n, c), x.dtype)
        torch.exp(dt[:, :, None, :] * At, out=dA)
        hs[0].zero_()
    else:
        hs = dA = None
    h = x.new_zeros(b, n, c)
    for t in range(L):
        a = dA[t] if keep_states else torch.exp(dt[t, :, None, :] * At)
        nxt = hs[t + 1] if keep_states else h
        torch.addcmul(B[t, :, :, None] * dtx[t, :, None, :], a, h, out=nxt)
        h = nxt
        torch.sum(h * C[t, :, :, None], 1, out=y[t])
    return y, hs, dA


class SelectiveScan(torch.autograd.Function):
    """y[t] = C[t].h[t],  h[t] = exp(dt[t]*A) * h[t-1] + dt[t]*x[t]*B[t],  h[-1] = 0.
    Batch-major interface: x,dt [b,L,c], A [c,n], B,C [b,L,n] -> y [b,L,c] (no D term)."""
    recycle = True

    @staticmethod
    def forward(ctx, x, dt, A, B, C):
        x, dt, B, C = (v.transpose(0, 1).contiguous() for v in (x, dt, B, C))
        y, hs, dA = scan_forward(x, dt, A, B, C, keep_states=True)
        ctx.save_for_backward(x, dt, A, B, C)
        ctx.hs, ctx.dA = hs, dA
        return y.transpose(0, 1)

    @staticmethod
    def backward(ctx, gy):
        x, dt, A, B, C = ctx.saved_tensors
        hs, dA = ctx.hs, ctx.dA
        At = A.t().contiguous()
        gy = gy.transpose(0, 1).contiguous()
        L = x.shape[0]
        dtx = dt * x
        gdtx, gdt, gB, gC = (torch.empty_like(v) for v in (x, x, B, C))
        gAt = torch.zeros_like(hs[0])
        gh = torch.zeros_like(hs[0])          # dLoss/dh[t] flowing back from t+1
        for t in range(L - 1, -1, -1):
            gh.addcmul_(C[t, :, :, None], gy[t, :, None, :])             # + direct use in y[t]
            torch.sum(hs[t + 1] * gy[t, :, None, :], -1, out=gC[t])
            torch.sum(gh * B[t, :, :, None], 1, out=gdtx[t])
            torch.sum(gh * dtx[t, :, None, :], -1, out=gB[t])
            q = gh * hs[t] * dA[t]                                         # d/d(dt*A)
            torch.sum(q * At, 1, out=gdt[t])
            gAt.addcmul_(q, dt[t, :, None, :])
            gh.mul_(dA[t])
        if SelectiveScan.recycle:                 # off in check(): gradcheck runs backward twice
            _release(hs, dA)
            ctx.hs = ctx.dA = None
        gdt += gdtx * x
        gx = gdtx * dt
        return gx.transpose(0, 1), gdt.transpose(0, 1), gAt.sum(0).t(), gB.transpose(0, 1), gC.transpose(0, 1)


def naive_scan(x, dt, A, B, C):
    """Element-by-element reference of the recurrence (python floats)."""
    b, L, c = x.shape
    n = A.shape[1]
    y = torch.zeros(b, L, c, dtype=torch.float64)
    for i in range(b):
        for ch in range(c):
            h = [0.0] * n
            for t in range(L):
                d, xv, acc = float(dt[i, t, ch]), float(x[i, t, ch]), 0.0
                for s in range(n):
                    h[s] = math.exp(d * float(A[ch, s])) * h[s] + d * float(B[i, t, s]) * xv
                    acc += h[s] * float(C[i, t, s])
                y[i, t, ch] = acc
    return y


def check():
    torch.manual_seed(0)
    b, L, c, n = 2, 23, 6, 4
    x = torch.randn(b, L, c, dtype=torch.float64, requires_grad=True)
    dt = F.softplus(torch.randn(b, L, c, dtype=torch.float64)).requires_grad_()
    A = (-torch.rand(c, n, dtype=torch.float64) * 8).requires_grad_()
    B = torch.randn(b, L, n, dtype=torch.float64, requires_grad=True)
    C = torch.randn(b, L, n, dtype=torch.float64, requires_grad=True)
    SelectiveScan.recycle = False
    ref = naive_scan(x, dt, A, B, C)
    fast = SelectiveScan.apply(x, dt, A, B, C)
    print("forward  max |fast - naive| (f64):", (fast - ref).abs().max().item())
    f32 = SelectiveScan.apply(*(v.detach().float() for v in (x, dt, A, B, C))).double()
    print("forward  max |fast_f32 - naive|  :", (f32 - ref).abs().max().item())
    ok = torch.autograd.gradcheck(SelectiveScan.apply, (x, dt, A, B, C), eps=1e-6, atol=1e-6)
    print("backward gradcheck (f64) passed:", ok)
    # gradients vs autograd through a plain vectorised loop
    def loop(x, dt, A, B, C):
        h, ys = torch.zeros(b, c, n, dtype=x.dtype), []
        for t in range(L):
            h = torch.exp(dt[:, t, :, None] * A) * h + (dt[:, t] * x[:, t])[:, :, None] * B[:, t, None, :]
            ys.append((h * C[:, t, None, :]).sum(-1))
        return torch.stack(ys, 1)
    w = torch.randn(b, L, c, dtype=torch.float64)
    g1 = torch.autograd.grad((SelectiveScan.apply(x, dt, A, B, C) * w).sum(), (x, dt, A, B, C))
    g2 = torch.autograd.grad((loop(x, dt, A, B, C) * w).sum(), (x, dt, A, B, C))
    print("backward max |grad diff| vs autograd loop:", max((p - q).abs().max().item() for p, q in zip(g1, g2)))


# ---------------------------------------------------------------- model
class RMSNorm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS) * self.weight


class Mixer(nn.Module):
    def __init__(self, d, N, K, expand, n_layer):
        super().__init__()
        di, R = expand * d, math.ceil(d / 16)
        self.di, self.R, self.N = di, R, N
        self.in_proj = nn.Linear(d, 2 * di, bias=False)
        self.conv1d = nn.Conv1d(di, di, K, groups=di, padding=K - 1, bias=True)
        self.x_proj = nn.Linear(di, R + 2 * N, bias=False)
        self.dt_proj = nn.Linear(R, di, bias=True)
        self.A_log = nn.Parameter(torch.log(torch.arange(1, N + 1, dtype=torch.float32)).repeat(di, 1))
        self.D = nn.Parameter(torch.ones(di))
        self.out_proj = nn.Linear(di, d, bias=False)
        # standard Mamba init (mamba_simple.py): dt_proj, dt bias = softplus^-1(dt), dt ~ logU[1e-3, 1e-1]
        nn.init.uniform_(self.dt_proj.weight, -R ** -0.5, R ** -0.5)
        dt = torch.exp(torch.rand(di) * (math.log(0.1) - math.log(1e-3)) + math.log(1e-3)).clamp(min=1e-4)
        with torch.no_grad():
            self.dt_proj.bias.copy_(dt + torch.log(-torch.expm1(-dt)))
            self.out_proj.weight /= math.sqrt(n_layer)   # prenorm residual rescale (1 residual per layer)

    def forward(self, u):                                          # u [b,L,d]
        L = u.shape[1]
        x, z = self.in_proj(u).chunk(2, -1)
        x = F.silu(self.conv1d(x.transpose(1, 2))[..., :L]).transpose(1, 2)
        dlow, B, C = self.x_proj(x).split([self.R, self.N, self.N], -1)
        dt = F.softplus(self.dt_proj(dlow))                        # threshold 20, bias before softplus
        y = SelectiveScan.apply(x, dt, -torch.exp(self.A_log), B, C) + x * self.D
        return self.out_proj(y * F.silu(z))


class Block(nn.Module):
    def __init__(self, *a):
        super().__init__()
        self.norm, self.mixer = RMSNorm(a[0]), Mixer(*a)

    def forward(self, r):
        return r + self.mixer(self.norm(r))


class Mamba(nn.Module):
    def __init__(self, V, d, n_layer, N=16, K=4, expand=2):
        super().__init__()
        self.embeddings = nn.Embedding(V, d)
        nn.init.normal_(self.embeddings.weight, std=0.02)
        self.layers = nn.ModuleList(Block(d, N, K, expand, n_layer) for _ in range(n_layer))
        self.norm_f = RMSNorm(d)

    def forward(self, ids):
        r = self.embeddings(ids)
        for layer in self.layers:
            r = layer(r)
        return F.linear(self.norm_f(r), self.embeddings.weight)    # tied lm_head


# ---------------------------------------------------------------- HF export
def bytes_to_unicode():
    """GPT-2 byte -> printable unicode char mapping (SPEC F.1)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        a = np.ascontiguousarray(t.detach().cpu().numpy(), dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + a.nbytes]}
        blobs.append(a.tobytes())
        off += a.nbytes
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def read_safetensors(path):
    buf = open(path, "rb").read()
    n = struct.unpack("<Q", buf[:8])[0]
    hdr = json.loads(buf[8:8 + n])
    out = {}
    for name, v in hdr.items():
        if name == "__metadata__":
            continue
        assert v["dtype"] == "F32"
        b0, b1 = v["data_offsets"]
        out[name] = np.frombuffer(buf[8 + n + b0:8 + n + b1], "<f4").reshape(v["shape"]).astype(np.float64)
    return out


def export(model, args, outdir):
    os.makedirs(outdir, exist_ok=True)
    m0 = model.layers[0].mixer
    cfg = {"architectures": ["MambaForCausalLM"], "model_type": "mamba",
           "hidden_size": args.d_model, "num_hidden_layers": args.n_layer, "state_size": m0.N,
           "expand": args.expand, "intermediate_size": m0.di, "conv_kernel": m0.conv1d.kernel_size[0],
           "time_step_rank": m0.R, "use_bias": False, "use_conv_bias": True, "layer_norm_epsilon": EPS,
           "vocab_size": 256, "tie_word_embeddings": True, "residual_in_fp32": True,
           "bos_token_id": 0, "eos_token_id": 0, "pad_token_id": 0,
           "torch_dtype": "float32", "hidden_act": "silu", "use_cache": True,
           "time_step_min": 0.001, "time_step_max": 0.1, "time_step_init_scheme": "random",
           "time_step_floor": 0.0001, "rescale_prenorm_residual": True}
    with open(os.path.join(outdir, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    tensors = {"backbone." + k: v for k, v in model.state_dict().items()}
    write_safetensors(os.path.join(outdir, "model.safetensors"), tensors)
    b2u = bytes_to_unicode()
    tok = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [],
           "normalizer": None,
           "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
           "post_processor": None,
           "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
           "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                     "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                     "vocab": {b2u[b]: b for b in range(256)}, "merges": []}}
    with open(os.path.join(outdir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, indent=2, ensure_ascii=False)
        f.write("\n")


# ---------------------------------------------------------------- reference recurrent step (float64 numpy)
class RefStep:
    """Independent one-token-at-a-time implementation of SPEC A.2/A.3 on the saved file."""

    def __init__(self, outdir):
        self.cfg = json.load(open(os.path.join(outdir, "config.json")))
        self.W = read_safetensors(os.path.join(outdir, "model.safetensors"))
        self.n_layer = self.cfg["num_hidden_layers"]
        self.A = [-np.exp(self.W[f"backbone.layers.{i}.mixer.A_log"]) for i in range(self.n_layer)]
        self.reset()

    def reset(self):
        di, N, K = self.cfg["intermediate_size"], self.cfg["state_size"], self.cfg["conv_kernel"]
        self.conv = [np.zeros((di, K - 1)) for _ in range(self.n_layer)]
        self.h = [np.zeros((di, N)) for _ in range(self.n_layer)]

    def step(self, tok):
        W, eps, R, N = self.W, self.cfg["layer_norm_epsilon"], self.cfg["time_step_rank"], self.cfg["state_size"]
        rms = lambda v, w: v / np.sqrt(np.mean(v * v) + eps) * w
        silu = lambda v: v / (1 + np.exp(-v))
        r = W["backbone.embeddings.weight"][tok].copy()
        for i in range(self.n_layer):
            p = f"backbone.layers.{i}."
            u = rms(r, W[p + "norm.weight"])
            xz = W[p + "mixer.in_proj.weight"] @ u
            x, z = np.split(xz, 2)
            w = W[p + "mixer.conv1d.weight"][:, 0, :]
            s = W[p + "mixer.conv1d.bias"] + (w[:, :-1] * self.conv[i]).sum(1) + w[:, -1] * x
            self.conv[i] = np.concatenate([self.conv[i][:, 1:], x[:, None]], 1)
            xc = silu(s)
            xdbl = W[p + "mixer.x_proj.weight"] @ xc
            dlow, B, C = xdbl[:R], xdbl[R:R + N], xdbl[R + N:]
            v = W[p + "mixer.dt_proj.weight"] @ dlow + W[p + "mixer.dt_proj.bias"]
            dt = np.where(v > 20, v, np.log1p(np.exp(np.minimum(v, 20))))
            self.h[i] = np.exp(dt[:, None] * self.A[i]) * self.h[i] + (dt * xc)[:, None] * B[None, :]
            y = (self.h[i] @ C + W[p + "mixer.D"] * xc) * silu(z)
            r = r + W[p + "mixer.out_proj.weight"] @ y
        f = rms(r, W["backbone.norm_f.weight"])
        return W["backbone.embeddings.weight"] @ f          # tied lm_head


def held_out_start(data):
    return len(data) * 9 // 10


def eval_slice(outdir, data, slice_len=4096):
    split = held_out_start(data)
    start = data.index(b"\n", split) + 1                      # first line boundary of the held-out part
    sl = data[start:start + slice_len]
    ref = RefStep(outdir)
    nll = 0.0
    for t in range(len(sl) - 1):
        lg = ref.step(sl[t])
        m = lg.max()
        nll += (m + math.log(np.exp(lg - m).sum()) - lg[sl[t + 1]]) / math.log(2)
    bpb = nll / (len(sl) - 1)
    res = {"corpus": CORPUS, "slice_start": start, "slice_len": len(sl), "bits_per_byte": round(bpb, 6),
           "perplexity_per_byte": round(2 ** bpb, 6), "n_predictions": len(sl) - 1,
           "how": "bytes are token ids; feed corpus[slice_start : slice_start+slice_len-1] one token at a "
                  "time from a zero state (conv and ssm state = 0, no BOS); bits_per_byte = mean over the "
                  "n_predictions positions of -log2 softmax(logits)[next byte]; computed in float64 by a "
                  "recurrent step implementation reading model.safetensors (tools/train_tiny.py RefStep)"}
    with open(os.path.join(outdir, "eval.json"), "w") as f:
        json.dump(res, f, indent=2)
        f.write("\n")
    return res


def sample(outdir, prompt=b"ROMEO:", n=300, temp=0.8, seed=1234):
    ref, rng = RefStep(outdir), np.random.default_rng(seed)
    out = bytearray(prompt)
    for b in prompt[:-1]:
        ref.step(b)
    tok = prompt[-1]
    for _ in range(n):
        lg = ref.step(tok) / temp
        p = np.exp(lg - lg.max())
        tok = int(rng.choice(256, p=p / p.sum()))
        out.append(tok)
    return out.decode("utf-8", errors="replace")


# ---------------------------------------------------------------- training
@torch.no_grad()
def fast_bpb(model, data_t, win=4096, max_windows=None):
    """Mean -log2 p over non-overlapping windows, each fed from a zero state."""
    model.eval()
    nll, cnt = 0.0, 0
    starts = list(range(0, len(data_t) - 1, win))[:max_windows]
    for s in starts:
        seg = data_t[s:s + win]
        if len(seg) < 2:
            continue
        lg = model(seg[None, :-1])[0]
        nll += F.cross_entropy(lg, seg[1:], reduction="sum").item()
        cnt += len(seg) - 1
    model.train()
    return nll / cnt / math.log(2)


def train(args):
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    data = open(os.path.join(ROOT, CORPUS), "rb").read()
    split = held_out_start(data)
    tr = torch.tensor(np.frombuffer(data[:split], np.uint8).astype(np.int64))
    va = torch.tensor(np.frombuffer(data[split:], np.uint8).astype(np.int64))
    model = Mamba(256, args.d_model, args.n_layer, expand=args.expand)
    nparam = sum(p.numel() for p in model.parameters())
    print(f"params {nparam}  train bytes {len(tr)}  held-out bytes {len(va)}", flush=True)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and "A_log" not in n]
    other = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and "A_log" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.wd}, {"params": other, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95))
    lr_at = lambda s: args.lr * min(1.0, (s + 1) / args.warmup) * (
        0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, s / args.steps))))
    g = torch.Generator().manual_seed(args.seed)
    log = open(os.path.join(ROOT, "models/train_curve.tsv"), "w")
    log.write("step\telapsed_s\tlr\ttrain_loss_nats\ttrain_bpb\tval_bpb_16k\n")
    t0, run = time.time(), []
    for step in range(args.steps):
        for grp in opt.param_groups:
            grp["lr"] = lr_at(step)
        ix = torch.randint(0, len(tr) - args.seq - 1, (args.batch,), generator=g)
        xb = torch.stack([tr[i:i + args.seq + 1] for i in ix])
        loss = F.cross_entropy(model(xb[:, :-1]).reshape(-1, 256), xb[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        opt.step()
        run.append(loss.item())
        last = step == args.steps - 1
        out_of_time = time.time() - t0 > args.max_minutes * 60
        if (step + 1) % args.log_every == 0 or last or out_of_time:
            el = time.time() - t0
            tl = sum(run) / len(run)
            run = []
            vb = fast_bpb(model, va, 4096, 4) if ((step + 1) % args.eval_every == 0 or last or out_of_time) else None
            vs = f"{vb:.4f}" if vb is not None else ""
            print(f"step {step + 1:5d}  {el:7.1f}s  lr {lr_at(step):.2e}  loss {tl:.4f} ({tl / math.log(2):.3f} bpb)"
                  f"  val {vs}", flush=True)
            log.write(f"{step + 1}\t{el:.1f}\t{lr_at(step):.3e}\t{tl:.4f}\t{tl / math.log(2):.4f}\t{vs}\n")
            log.flush()
            if vb is not None:
                torch.save(model.state_dict(), "/tmp/train_tiny_ckpt.pt")
        if out_of_time:
            print(f"time budget reached at step {step + 1}", flush=True)
            break
    train_s = time.time() - t0
    print(f"training wall time {train_s:.1f}s", flush=True)
    outdir = os.path.join(ROOT, args.out)
    export(model, args, outdir)
    full = fast_bpb(model, va, 4096)
    print(f"held-out 10% bpb (fast path, 4096-byte windows from zero state): {full:.4f}", flush=True)
    summary = {"params": nparam, "train_wall_s": round(train_s, 1), "steps_done": step + 1,
               "heldout_bpb_fast": round(full, 6), "args": vars(args)}
    json.dump(summary, open(os.path.join(ROOT, "models/train_summary.json"), "w"), indent=2)
    evaluate(outdir, data)


def evaluate(outdir, data=None):
    data = data or open(os.path.join(ROOT, CORPUS), "rb").read()
    t = time.time()
    print("eval.json:", json.dumps(eval_slice(outdir, data), indent=2), f"({time.time() - t:.0f}s)", flush=True)
    print("sample:\n" + sample(outdir), flush=True)


def bench(args):
    torch.manual_seed(0)
    model = Mamba(256, args.d_model, args.n_layer, expand=args.expand)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    xb = torch.randint(0, 256, (args.batch, args.seq + 1))
    for i in range(4):
        t = time.time()
        loss = F.cross_entropy(model(xb[:, :-1]).reshape(-1, 256), xb[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        print(f"params {sum(p.numel() for p in model.parameters())}  step {time.time() - t:.3f}s", flush=True)


if __name__ == "__main__":
    torch.set_num_threads(1)
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["check", "bench", "train", "eval"])
    ap.add_argument("--d_model", type=int, default=192)
    ap.add_argument("--n_layer", type=int, default=6)
    ap.add_argument("--expand", type=int, default=2)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--wd", type=float, default=0.1)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--log_every", type=int, default=25)
    ap.add_argument("--eval_every", type=int, default=100)
    ap.add_argument("--max_minutes", type=float, default=50.0)
    ap.add_argument("--out", default="models/shakespeare-tiny")
    a = ap.parse_args()
    {"check": lambda: check(), "bench": lambda: bench(a), "train": lambda: train(a),
     "eval": lambda: evaluate(os.path.join(ROOT, a.out))}[a.cmd]()
