#!/usr/bin/env python3
"""PyTorch peer of bench/corrector-fit.ts: training steps/s of a residual-MLP corrector.

Server mode (what the TypeScript bench uses, so both frameworks are measured interleaved in one run):
    python corrector_fit.py --serve --threads 2
reads JSON lines on stdin:
    {"cmd": "setup", "name": "...", "dim": 128, "width": 512, "depth": 1, "activation": "gelu",
     "batch": 512, "lr": 0.001}
    {"cmd": "run", "name": "...", "steps": 20}
    {"cmd": "quit"}
and answers one JSON line per command ({"ok": true, "seconds": <wall seconds for the steps>, "loss": ...}).
Standalone: python corrector_fit.py --dim 128 --width 512 --steps 50

One step, as in the TypeScript OnlineCorrectorTrainer.step: h(x) = x + MLP(x) (Linear → act, depth
times, then a zero-initialised Linear), loss = mean over rows of the squared L2 error summed over dims,
backward, torch.optim.Adam (eps 1e-8) step, loss.item() read back. Fixed [batch, dim] float32 inputs.
"""
import argparse
import json
import time

import torch
from torch import nn
from serve import serve, torch_threads

models = {}
ACTS = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh, "silu": nn.SiLU}


class Corrector(nn.Module):
    def __init__(self, dim, width, depth, activation):
        super().__init__()
        layers, fan_in = [], dim
        for _ in range(depth):
            layers += [nn.Linear(fan_in, width), ACTS[activation]()]
            fan_in = width
        out = nn.Linear(fan_in, dim)
        nn.init.zeros_(out.weight)
        nn.init.zeros_(out.bias)
        layers.append(out)
        self.branch = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.branch(x)


def setup(spec):
    torch.manual_seed(0)
    model = Corrector(spec["dim"], spec["width"], spec["depth"], spec.get("activation", "gelu"))
    opt = torch.optim.Adam(model.parameters(), lr=spec.get("lr", 1e-3), eps=1e-8)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(spec["batch"], spec["dim"], generator=g)
    y = x + 0.1 * torch.randn(spec["batch"], spec["dim"], generator=g)
    models[spec["name"]] = (model, opt, x, y)
    run(spec["name"], 3)  # warm-up
    return {"ok": True, "params": sum(p.numel() for p in model.parameters()), "torch": torch.__version__,
            "threads": torch.get_num_threads()}


def run(name, steps):
    model, opt, x, y = models[name]
    loss_v = None
    t0 = time.perf_counter()
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        loss = ((model(x) - y) ** 2).sum(1).mean()
        loss.backward()
        opt.step()
        loss_v = loss.item()
    return time.perf_counter() - t0, loss_v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--serve", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--width", type=int, default=512)
    ap.add_argument("--depth", type=int, default=1)
    ap.add_argument("--activation", default="gelu")
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--steps", type=int, default=50)
    a = ap.parse_args()
    torch_threads(a.threads)
    if not a.serve:
        info = setup({"name": "m", "dim": a.dim, "width": a.width, "depth": a.depth, "activation": a.activation,
                      "batch": a.batch})
        secs, loss = run("m", a.steps)
        print(json.dumps({**info, "seconds": secs, "stepsPerSec": a.steps / secs, "loss": loss}))
        return
    def run_cmd(msg):
        secs, loss = run(msg["name"], int(msg["steps"]))
        return {"seconds": secs, "loss": loss}

    serve({"setup": setup, "run": run_cmd})

if __name__ == "__main__":
    main()
