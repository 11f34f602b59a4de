#!/usr/bin/env python3
"""PyTorch peer of bench/train-step.ts: one training step of the corrector strategy (and of the stale
strategy, and a full refresh of the cache) with the same shapes as src/train/loop.ts.

Encoders (query f, target g, separate weights): GloVe-bag = embedding table [V, dim] (dense
gradients, as tfjs's gather gradient), IDF-weighted mean over the text's tokens (EmbeddingBag 'sum'
with per-token weights idf/n), a dim×dim linear map (identity at start), L2 normalisation.
Corrector h (kind mlp, depth 1): h(e) = normalize(e + W2·relu(W1·e + b1) + b2), W2 = 0 at start.

One step (strategy 'corrector'; 'stale' is the same without h):
  1. select: f(queries) without gradient; scores = f(q)·h(cache)ᵀ over the whole cache [N, dim]
     (h applied to every row, in blocks of 16384); gold positives excluded; top-`negatives` per query.
  2. encode: f(queries) and g(positives ∪ negatives) with gradient; logits = β·q·tᵀ over the
     unique candidate columns (in-batch negatives: every column but the query's other relevant
     rows); cross-entropy; backward; Adam on both encoders.
  3. correct: one Adam step of h on mse(h(cache[cols]), g(cols).detach()).
Refresh: g over all N passages (no gradient, batches of 2048) written into the cache.

Server mode (what the TypeScript bench uses, so both frameworks are measured interleaved):
    python train_step.py --serve --threads 2
    {"cmd": "setup", "vocab": V, "dim": 100, "rows": N, "passageTokens": Lp, "queryTokens": Lq,
     "queries": Nq, "batch": 64, "negatives": 4, "width": 256, "beta": 20, "lr": 0.002, "hlr": 0.001}
    {"cmd": "run", "strategy": "corrector"|"stale", "steps": 5}   → {"times": [seconds per step]}
    {"cmd": "refresh", "reps": 1}                                  → {"times": [seconds per refresh]}
    {"cmd": "quit"}
Token ids are random (fixed lengths Lp / Lq): the work per step depends on the shapes, not the words.
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F
from torch import nn
from serve import serve, torch_threads

S = {}


class GloveBag(nn.Module):
    def __init__(self, vocab, dim, table):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim, mode="sum")
        with torch.no_grad():
            self.emb.weight.copy_(table)
        self.proj = nn.Linear(dim, dim)
        with torch.no_grad():
            self.proj.weight.copy_(torch.eye(dim))
            self.proj.bias.zero_()

    def forward(self, tokens, weights):
        # tokens [B, L] ids, weights [B, L] = idf / n: the weighted mean as a weighted sum
        pooled = self.emb(tokens, per_sample_weights=weights)
        return F.normalize(self.proj(pooled), dim=1)


class Corrector(nn.Module):
    def __init__(self, dim, width):
        super().__init__()
        self.l1 = nn.Linear(dim, width)
        self.l2 = nn.Linear(width, dim)
        nn.init.zeros_(self.l2.weight)
        nn.init.zeros_(self.l2.bias)

    def forward(self, e):
        return F.normalize(e + self.l2(torch.relu(self.l1(e))), dim=1)


def setup(m):
    torch.manual_seed(0)
    V, d, N = int(m["vocab"]), int(m["dim"]), int(m["rows"])
    Lp, Lq, Nq = int(m["passageTokens"]), int(m["queryTokens"]), int(m.get("queries", 10000))
    table = torch.randn(V, d) * 0.3
    f, g = GloveBag(V, d, table), GloveBag(V, d, table)
    h = Corrector(d, int(m.get("width", 256)))
    idf = torch.rand(V) * 5 + 1
    ptok = torch.randint(0, V, (N, Lp))
    qtok = torch.randint(0, V, (Nq, Lq))
    pw = idf[ptok] / Lp
    qw = idf[qtok] / Lq
    with torch.no_grad():
        cache = torch.cat([g(ptok[s:s + 2048], pw[s:s + 2048]) for s in range(0, N, 2048)])
    S.update(
        f=f, g=g, h=h, ptok=ptok, qtok=qtok, pw=pw, qw=qw, cache=cache, N=N, Nq=Nq,
        batch=int(m.get("batch", 64)), negatives=int(m.get("negatives", 4)), beta=float(m.get("beta", 20)),
        opt=torch.optim.Adam(list(f.parameters()) + list(g.parameters()), lr=float(m.get("lr", 2e-3))),
        hopt=torch.optim.Adam(h.parameters(), lr=float(m.get("hlr", 1e-3))),
        gen=torch.Generator().manual_seed(1),
    )
    step("corrector")  # warm-up
    step("stale")
    return {"torch": torch.__version__, "threads": torch.get_num_threads(),
            "params": sum(p.numel() for p in list(f.parameters()) + list(g.parameters()) + list(h.parameters()))}


def step(strategy):
    f, g, h, cache = S["f"], S["g"], S["h"], S["cache"]
    B, k, beta = S["batch"], S["negatives"], S["beta"]
    qi = torch.randint(0, S["Nq"], (B,), generator=S["gen"])
    pos = torch.randint(0, S["N"], (B,), generator=S["gen"])
    corrected = strategy == "corrector"
    # 1. select
    with torch.no_grad():
        qs = f(S["qtok"][qi], S["qw"][qi])
        best_s, best_i = None, None
        for s in range(0, S["N"], 16384):
            blk = cache[s:s + 16384]
            if corrected:
                blk = h(blk)
            sc = qs @ blk.T
            rows = torch.arange(s, s + blk.shape[0])
            sc[(rows.unsqueeze(0) == pos.unsqueeze(1))] = float("-inf")
            v, i = torch.topk(sc, k, dim=1)
            i = i + s
            if best_s is None:
                best_s, best_i = v, i
            else:
                allv, alli = torch.cat([best_s, v], 1), torch.cat([best_i, i], 1)
                best_s, j = torch.topk(allv, k, dim=1)
                best_i = torch.gather(alli, 1, j)
    # candidate columns: unique rows, positives first
    cols, col_of = [], {}
    for r in pos.tolist() + best_i.reshape(-1).tolist():
        if r not in col_of:
            col_of[r] = len(cols)
            cols.append(r)
    labels = torch.tensor([col_of[r] for r in pos.tolist()])
    cols_t = torch.tensor(cols)
    mask = torch.ones(B, len(cols), dtype=torch.bool)
    # 2. encode with gradient, retrieval loss, encoder update
    S["opt"].zero_grad(set_to_none=True)
    q = f(S["qtok"][qi], S["qw"][qi])
    t = g(S["ptok"][cols_t], S["pw"][cols_t])
    logits = (beta * q @ t.T).masked_fill(~mask, float("-inf"))
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    S["opt"].step()
    loss.item()
    # 3. corrector update
    if corrected:
        S["hopt"].zero_grad(set_to_none=True)
        hl = ((h(cache[cols_t]) - t.detach()) ** 2).sum(1).mean()
        hl.backward()
        S["hopt"].step()
        hl.item()


def refresh():
    g, N = S["g"], S["N"]
    with torch.no_grad():
        for s in range(0, N, 2048):
            S["cache"][s:s + 2048] = g(S["ptok"][s:s + 2048], S["pw"][s:s + 2048])


def timed(fn, n):
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--serve", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    a = ap.parse_args()
    torch_threads(a.threads)
    if not a.serve:
        info = setup({"vocab": 60000, "dim": 100, "rows": 117791, "passageTokens": 12, "queryTokens": 6, "queries": 48571})
        print(json.dumps({**info, "corrector": timed(lambda: step("corrector"), a.steps),
                          "stale": timed(lambda: step("stale"), a.steps), "refresh": timed(refresh, 1)}))
        return
    serve({
        "setup": setup,
        "run": lambda msg: {"times": timed(lambda: step(msg["strategy"]), int(msg["steps"]))},
        "refresh": lambda msg: {"times": timed(refresh, int(msg.get("reps", 1)))},
    })

if __name__ == "__main__":
    main()
