#!/usr/bin/env python3
"""The GPU check's PyTorch side (scripts/gpu-check.sh): the same work as check.ts on the same GPU,
for the reference ratio. BERT (transformers.BertModel, random weights, no dropout) at the same sizes:
forward throughput (mean pooling, result copied to the host) and the training step (queries and
targets through the shared encoder, in-batch softmax cross-entropy with beta = 20, backward, Adam,
loss read back), in float32 with TF32 off (what WebGPU computes in) and in bf16 autocast (what a
PyTorch user would run); an n^3 matMul in float32 and bf16. Prints one JSON object.

    python3 torch_bert.py [--dry]      --dry: tiny sizes, and the CPU when there is no GPU
"""
import json
import sys
import time


def main():
    dry = "--dry" in sys.argv
    try:
        import torch
        from transformers import BertConfig, BertModel
    except Exception as e:  # noqa: BLE001 - reported, not raised
        print(json.dumps({"side": "torch", "error": f"PyTorch or transformers missing: {type(e).__name__}: {e}"}))
        return
    cuda = torch.cuda.is_available()
    if not cuda and not dry:
        print(json.dumps({"side": "torch", "error": "torch.cuda.is_available() is False"}))
        return
    dev = torch.device("cuda" if cuda else "cpu")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    sizes = dict(n=256, layers=2, hidden=32, heads=2, inter=64, vocab=500, batch=4, seq=16, reps=2) if dry else \
        dict(n=4096, layers=12, hidden=768, heads=12, inter=3072, vocab=30522, batch=32, seq=128, reps=5)
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    out = {"side": "torch", "torch": torch.__version__, "device": torch.cuda.get_device_name(0) if cuda else "cpu", "sizes": sizes}

    def timed(fn, reps):
        fn()
        sync()
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            sync()
            times.append(time.perf_counter() - t0)
        return sorted(times)[len(times) // 2], times

    n = sizes["n"]
    mm = {}
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        a = torch.randn(n, n, device=dev, dtype=dtype)
        b = torch.randn(n, n, device=dev, dtype=dtype)
        med, _ = timed(lambda: a @ b, sizes["reps"] * 2)
        mm[name] = {"n": n, "msPerProduct": med * 1e3, "gflops": 2 * n ** 3 / med / 1e9}
    out["matMul"] = mm

    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=sizes["vocab"], hidden_size=sizes["hidden"], num_hidden_layers=sizes["layers"],
                     num_attention_heads=sizes["heads"], intermediate_size=sizes["inter"], max_position_embeddings=512,
                     hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    model = BertModel(cfg, add_pooling_layer=False).to(dev)
    B, L = sizes["batch"], sizes["seq"]
    g = torch.Generator().manual_seed(1)

    def batch():
        ids = torch.randint(104, cfg.vocab_size, (B, L), generator=g)
        ids[:, 0], ids[:, -1] = 101, 102
        return ids.to(dev), torch.ones(B, L, dtype=torch.long, device=dev)

    (qi, qm), (ti, tm) = batch(), batch()

    def embed(ids, mask):
        h = model(input_ids=ids, attention_mask=mask).last_hidden_state
        m = mask.unsqueeze(-1).to(h.dtype)
        return (h * m).sum(1) / m.sum(1)

    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    labels = torch.arange(B, device=dev)

    def step():
        opt.zero_grad(set_to_none=True)
        logits = 20.0 * embed(qi, qm) @ embed(ti, tm).T
        loss = torch.nn.functional.cross_entropy(logits.float(), labels)
        loss.backward()
        opt.step()
        return loss.item()

    bert = {"size": "tiny" if dry else "base", "batch": B, "seq": L, "params": sum(p.numel() for p in model.parameters())}
    for name, autocast in (("fp32", False), ("bf16", True)):
        with torch.autocast(device_type=dev.type, dtype=torch.bfloat16, enabled=autocast):
            model.eval()
            with torch.inference_mode():
                fwd, fwd_all = timed(lambda: embed(qi, qm).float().cpu(), sizes["reps"])
            model.train()
            st, st_all = timed(step, sizes["reps"])
        bert[name] = {"forward": {"secondsPerBatch": fwd_all, "textsPerSec": B / fwd},
                      "trainStep": {"secondsPerStep": st_all, "stepsPerSec": 1 / st, "pairsPerSec": B / st}}
    out["bert"] = bert
    print(json.dumps(out))


if __name__ == "__main__":
    main()
