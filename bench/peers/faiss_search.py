#!/usr/bin/env python3
"""FAISS peer of bench/search-vs-faiss.ts: exact top-k with IndexFlatIP and approximate top-k with
IndexHNSWFlat (inner product), on the same float32 data and queries as our exact search and usearch.

Server mode (what the TypeScript bench uses, so both are measured interleaved in one run):
    python faiss_search.py --serve --threads 2
reads JSON lines on stdin, answers one JSON line each ({"ok": true, ...}):
    {"cmd": "load", "data": "/tmp/x/data.f32", "queries": "/tmp/x/queries.f32", "dim": 128}
        raw little-endian float32, row-major; answers rows, nq
    {"cmd": "flat", "k": 10, "out": "/tmp/x/faiss-flat.i64"}   one timed IndexFlatIP search of all queries;
        answers seconds; writes the top-k row ids (int64 [nq, k]) to "out" when given
    {"cmd": "hnsw_build", "M": 16, "efConstruction": 128}      answers seconds ("file": "x.faiss" reads the index
        from there if it exists, seconds null; else builds it and writes it there)
    {"cmd": "hnsw", "k": 10, "efSearch": 64, "reps": 1}        timed searches (seconds per search, mean of reps) and
        recall@k against the flat result (|approx ∩ exact| / k, averaged over queries)
    {"cmd": "threads", "n": 1}                                  OpenMP threads from now on
    {"cmd": "quit"}
Standalone: python faiss_search.py --rows 100000 --dim 128 --queries 1000 (random data, prints JSON).
"""
import argparse
import json
import os
import time

import numpy as np
import faiss
from serve import serve

state = {}


def load(msg):
    d = int(msg["dim"])
    data = np.fromfile(msg["data"], dtype=np.float32).reshape(-1, d)
    queries = np.fromfile(msg["queries"], dtype=np.float32).reshape(-1, d)
    flat = faiss.IndexFlatIP(d)
    flat.add(data)
    state.update(data=data, queries=queries, flat=flat, exact=None, hnsw=None)
    return {"rows": int(data.shape[0]), "nq": int(queries.shape[0])}


def flat_search(msg):
    k = int(msg["k"])
    t0 = time.perf_counter()
    _, ids = state["flat"].search(state["queries"], k)
    secs = time.perf_counter() - t0
    state["exact"] = ids
    if msg.get("out"):
        ids.astype(np.int64).tofile(msg["out"])
    return {"seconds": secs}


def hnsw_build(msg):
    """Builds the HNSW index; with "file", reads it from there when it exists (seconds: null), else
    builds it and writes it there (repeated sweeps on the same data skip the build)."""
    d = state["data"].shape[1]
    file = msg.get("file")
    if file and os.path.exists(file):
        state["hnsw"] = faiss.read_index(file)
        return {"seconds": None}
    idx = faiss.IndexHNSWFlat(d, int(msg["M"]), faiss.METRIC_INNER_PRODUCT)
    idx.hnsw.efConstruction = int(msg["efConstruction"])
    t0 = time.perf_counter()
    idx.add(state["data"])
    secs = time.perf_counter() - t0
    state["hnsw"] = idx
    if file:
        faiss.write_index(idx, file)
    return {"seconds": secs}


def recall(approx, exact):
    k = exact.shape[1]
    hits = sum(len(set(a.tolist()) & set(e.tolist())) for a, e in zip(approx, exact))
    return hits / (k * exact.shape[0])


def hnsw_search(msg):
    k = int(msg["k"])
    idx = state["hnsw"]
    idx.hnsw.efSearch = int(msg["efSearch"])
    reps = int(msg.get("reps", 1))
    t0 = time.perf_counter()
    for _ in range(reps):
        _, ids = idx.search(state["queries"], k)
    secs = (time.perf_counter() - t0) / reps
    if state["exact"] is None:
        _, state["exact"] = state["flat"].search(state["queries"], k)
    return {"seconds": secs, "recall": recall(ids, state["exact"])}


def threads(msg):
    faiss.omp_set_num_threads(int(msg["n"]))
    return {"threads": int(msg["n"])}


CMDS = {"load": load, "flat": flat_search, "hnsw_build": hnsw_build, "hnsw": hnsw_search, "threads": threads}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--serve", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--queries", type=int, default=1000)
    a = ap.parse_args()
    faiss.omp_set_num_threads(a.threads)
    if not a.serve:
        rng = np.random.default_rng(0)
        data = rng.standard_normal((a.rows, a.dim), dtype=np.float32)
        q = rng.standard_normal((a.queries, a.dim), dtype=np.float32)
        import tempfile
        tmp = tempfile.mkdtemp()
        data.tofile(os.path.join(tmp, "d.f32"))
        q.tofile(os.path.join(tmp, "q.f32"))
        load({"data": os.path.join(tmp, "d.f32"), "queries": os.path.join(tmp, "q.f32"), "dim": a.dim})
        out = {"flat": flat_search({"k": 10}), "build": hnsw_build({"M": 16, "efConstruction": 128}),
               "hnsw64": hnsw_search({"k": 10, "efSearch": 64}), "faiss": faiss.__version__}
        print(json.dumps(out))
        return
    serve(CMDS)

if __name__ == "__main__":
    main()
