#!/usr/bin/env python3
"""PyTorch peer of bench/encoder-throughput.ts: BERT encoder forward throughput (texts/s).

Two modes:
  server (what the TypeScript bench uses, so both frameworks are measured interleaved in one run):
      python encoder_throughput.py --serve --threads 2
    reads JSON lines on stdin:
      {"cmd": "setup", "name": "...", "layers": 4, "hidden": 256, "heads": 4, "intermediate": 1024,
       "vocab": 30522, "batch": 32, "seq": 128}
      {"cmd": "run", "name": "...", "reps": 3}
      {"cmd": "quit"}
    and answers one JSON line per command ({"ok": true, "times": [seconds per batch, ...]}).
  standalone:
      python encoder_throughput.py --layers 4 --hidden 256 --heads 4 --intermediate 1024 --reps 5

The forward pass is transformers.BertModel (random weights, eval mode, torch.inference_mode, the
default attention implementation) on a [batch, seq] batch of random ids with a full attention mask,
followed by mean pooling over the mask, as the TypeScript encoder does.
"""
import argparse
import json
import time

import torch
from transformers import BertConfig, BertModel
from serve import serve, torch_threads

models = {}


def setup(spec):
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=spec.get("vocab", 30522), hidden_size=spec["hidden"], num_hidden_layers=spec["layers"],
                     num_attention_heads=spec["heads"], intermediate_size=spec["intermediate"],
                     max_position_embeddings=max(512, spec["seq"]))
    model = BertModel(cfg, add_pooling_layer=False).eval()
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(1000, cfg.vocab_size, (spec["batch"], spec["seq"]), generator=g)
    ids[:, 0] = 101
    ids[:, -1] = 102
    mask = torch.ones_like(ids)
    types = torch.zeros_like(ids)
    models[spec["name"]] = (model, ids, mask, types)
    run(spec["name"], 1)  # warm-up
    return {"ok": True, "params": sum(p.numel() for p in model.parameters()), "torch": torch.__version__,
            "threads": torch.get_num_threads()}


def run(name, reps):
    model, ids, mask, types = models[name]
    times = []
    with torch.inference_mode():
        for _ in range(reps):
            t0 = time.perf_counter()
            h = model(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state
            m = mask.unsqueeze(-1).to(h.dtype)
            pooled = (h * m).sum(1) / m.sum(1)
            pooled.numpy()
            times.append(time.perf_counter() - t0)
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--serve", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--intermediate", type=int, default=1024)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    torch_threads(a.threads)
    if not a.serve:
        spec = {"name": "m", "layers": a.layers, "hidden": a.hidden, "heads": a.heads, "intermediate": a.intermediate,
                "batch": a.batch, "seq": a.seq}
        info = setup(spec)
        times = run("m", a.reps)
        best = sorted(times)[len(times) // 2]
        print(json.dumps({**info, "times": times, "textsPerSec": a.batch / best}))
        return
    serve({"setup": setup, "run": lambda msg: {"times": run(msg["name"], int(msg["reps"]))}})

if __name__ == "__main__":
    main()
