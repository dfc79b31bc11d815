#!/usr/bin/python3
"""Passkey retrieval for LongMamba (issue 20): train a tiny byte-level Mamba-1
(tools/train_tiny.py's model and exporter) on prompts of TRAIN_LEN bytes, and
write test prompts of any length for tools/passkey_eval.c.

A prompt: filler sentences, with "The pass key is DDDDD. Remember it. " at a
random sentence boundary, ending "What is the pass key? The pass key is "; the
answer is the 5 digits. The loss is on every byte (the answer weighted x20).

  tools/train_passkey.py train --out build/tmp/passkey [--steps N --max_minutes M --export_every K]
        [--n_layer N --d_model D] [--start_seq S (curriculum)] [--mix_len LO] [--init DIR]
  tools/train_passkey.py prompts --len L --n N --seed S > FILE   (prompt TAB answer, one a line)

Run niced with Debian's /usr/bin/python3, OPENBLAS_NUM_THREADS=1. The models in
models/passkey/ and the commands that made them: docs/longmamba.md L.6 (the
default 2-layer model did not learn the task in the time; 1 layer with
--start_seq 96 did).
"""
import argparse, math, os, random, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np
import torch
import torch.nn.functional as F
import train_tiny as tt

FILLER = ["The grass is green. ", "The sky is blue. ", "The sun is yellow. ", "Here we go. ",
          "There and back again. "]
QUESTION = "What is the pass key? The pass key is "


def prompt(length, rng):
    """-> (prompt text of exactly `length` bytes incl. question, answer digits)"""
    key = "%05d" % rng.randrange(100000)
    needle = "The pass key is %s. Remember it. " % key
    body_len = length - len(QUESTION)
    fill = []
    n = 0
    while n < body_len - len(needle):
        s = FILLER[rng.randrange(len(FILLER))]
        fill.append(s)
        n += len(s)
    pos = rng.randrange(len(fill) + 1)
    text = "".join(fill[:pos]) + needle + "".join(fill[pos:])
    text = text[:body_len] if len(text) >= body_len else text + " " * (body_len - len(text))
    if needle not in text:                       # cut off at the end: put it first
        text = (needle + text)[:body_len]
    return text + QUESTION, key


def train(args):
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    torch.set_num_threads(1)
    model = tt.Mamba(256, args.d_model, args.n_layer, expand=2)
    if args.init:                                # continue from an exported model (same shape)
        w = tt.read_safetensors(os.path.join(args.init, "model.safetensors"))
        model.load_state_dict({k[len("backbone."):]: torch.tensor(v, dtype=torch.float32) for k, v in w.items()})
        print("initialised from", args.init, flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.0)
    t0 = time.time()
    # Curriculum (--start_seq S): train at S bytes, and whenever the mean digit accuracy of the
    # last 25 batches reaches --grow_acc, 32 bytes longer, up to --seq; then --seq to the end.
    L = args.start_seq if args.start_seq else args.seq
    dsum, dn, at_seq = 0.0, 0, (1 if L == args.seq else None)
    for step in range(args.steps):
        # cosine over whichever runs out first: the steps or the time budget
        prog = min(1.0, max(step / args.steps, (time.time() - t0) / (args.max_minutes * 60)))
        lr = args.lr * min(1.0, (step + 1) / 50) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * prog)))
        for g in opt.param_groups:
            g["lr"] = lr
        xs, ws = [], []
        Lb = L
        if args.mix_len:                         # --mix_len LO: this batch's length uniform in [LO, L]
            Lb = rng.randrange(args.mix_len, L + 1)
        for _ in range(args.batch):
            p, k = prompt(Lb - 5, rng)
            b = (p + k).encode()
            xs.append(list(b))
        xb = torch.tensor(xs)
        w = torch.ones(Lb - 1)
        w[-5:] = 20.0
        logits = model(xb[:, :-1])
        loss = (F.cross_entropy(logits.reshape(-1, 256), xb[:, 1:].reshape(-1), reduction="none").view(args.batch, -1) * w).mean() / w.mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            hit = logits[:, -5:].argmax(-1) == xb[:, -5:]
        dsum += hit.float().mean().item()
        dn += 1
        if (step + 1) % 25 == 0:
            acc = hit.all(-1).float().mean().item()
            print("step %d %.0fs len %d lr %.2e loss %.4f answer-acc(batch) %.2f digit-acc(25 batches) %.3f"
                  % (step + 1, time.time() - t0, L, lr, loss.item(), acc, dsum / dn), flush=True)
            if L < args.seq and dsum / dn >= args.grow_acc:
                L = min(args.seq, L + 32)
                print("curriculum: length %d from step %d" % (L, step + 2), flush=True)
                if L == args.seq:
                    at_seq = step + 2
            dsum, dn = 0.0, 0
        if args.export_every and (step + 1) % args.export_every == 0:   # checkpoints for an early passkey-eval
            tt.export(model, argparse.Namespace(d_model=args.d_model, n_layer=args.n_layer, expand=2),
                      "%s-step%d" % (args.out, step + 1))
        if time.time() - t0 > args.max_minutes * 60:
            print("time budget reached at step %d" % (step + 1), flush=True)
            break
    print("trained %d steps, %.0fs; at length %d from step %s" % (step + 1, time.time() - t0, args.seq, at_seq), flush=True)
    a = argparse.Namespace(d_model=args.d_model, n_layer=args.n_layer, expand=2)
    tt.export(model, a, args.out)
    print("exported to", args.out, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["train", "prompts"])
    ap.add_argument("--d_model", type=int, default=64)
    ap.add_argument("--n_layer", type=int, default=2)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=20)
    ap.add_argument("--max_minutes", type=float, default=12)
    ap.add_argument("--out", default="build/tmp/passkey")
    ap.add_argument("--start_seq", type=int, default=0, help="curriculum: start at this length (0: off)")
    ap.add_argument("--grow_acc", type=float, default=0.9, help="curriculum: digit accuracy to grow at")
    ap.add_argument("--mix_len", type=int, default=0, help="each batch's length uniform in [MIX_LEN, current length]")
    ap.add_argument("--init", default="", help="start from this exported model directory")
    ap.add_argument("--export_every", type=int, default=0, help="also export OUT-stepN every N steps")
    ap.add_argument("--len", type=int, default=256)
    ap.add_argument("--n", type=int, default=200)
    a = ap.parse_args()
    if a.cmd == "train":
        train(a)
    else:
        rng = random.Random(a.seed * 1000003 + a.len)
        for _ in range(a.n):
            p, k = prompt(a.len, rng)
            sys.stdout.write(p + "\t" + k + "\n")


if __name__ == "__main__":
    main()
