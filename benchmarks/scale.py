"""Scaling benchmark: flat vs HNSW vs IVF at 10k, 100k and 1M vectors of dimension 384.

Synthetic vectors are clustered around real passage embeddings: the article text is split into
sentences and embedded with the bundled model; each synthetic vector is a random real embedding
plus gaussian noise (sigma per dimension, default 0.05), normalised. With sigma 0.05 a held-out
query's nearest neighbour has cosine ~0.55-0.65, like a real sentence's nearest other sentence in
the articles (~0.56); the noise is isotropic, so the top-10 are closer together than in real text,
which makes this a harder test for the approximate indexes than real data.

Reported per index: build time, index size (serialised bytes), RSS growth while building, single
query latency p50/p95 (k=10) and recall@10 against exact (flat) search on held-out queries.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np
import psutil

from retrieval.ann import VectorIndex
from retrieval.config import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "benchmarks" / "results" / "scale.json"
SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"  # as CI and scripts/import_seeds.py see it
SWEEP = {"hnsw": ("efSearch", [16, 32, 64, 128]), "ivf": ("nprobe", [4, 8, 16, 32, 64])}
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass
class Row:
    """One measured index configuration."""

    n: int
    kind: str
    params: dict
    build_s: float
    index_bytes: int
    rss_growth_bytes: int
    p50_ms: float
    p95_ms: float
    recall_at_10: float


def source_texts() -> list[Path]:
    """The cleaned corpus articles if built, else the raw seed pages."""
    files = sorted((PROJECT_ROOT / "corpus").glob("*.md"))
    return files or sorted(SEEDS.glob("*.txt"))


def real_embeddings() -> np.ndarray:
    """Embeddings of the articles' sentences with the bundled model."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from retrieval.encoders import load_encoder

    text = "\n".join(p.read_text(encoding="utf-8") for p in source_texts())
    sentences = sorted({s.strip() for s in _SENTENCE.split(text) if len(s.strip()) >= 25})
    return load_encoder("bundled").encode(sentences)


def synthetic(real: np.ndarray, n: int, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """`n` unit vectors, each a random real embedding plus gaussian noise, built in chunks."""
    out = np.empty((n, real.shape[1]), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        x = real[rng.integers(0, len(real), m)]
        x += sigma * rng.standard_normal(x.shape, dtype=np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        out[start : start + m] = x
    return out


def nn_similarity(real: np.ndarray) -> float:
    """Median cosine of each real sentence to its nearest other sentence."""
    s = real @ real.T
    np.fill_diagonal(s, -1.0)
    return float(np.median(s.max(axis=1)))


def latencies_ms(index: VectorIndex, queries: np.ndarray) -> tuple[float, float]:
    """p50 and p95 of single-query searches (k=10), one query at a time as a user asks."""
    for q in queries[:10]:  # warm caches and the OpenMP pool
        index.search(q, 10)
    times = []
    for q in queries:
        t = time.perf_counter()
        index.search(q, 10)
        times.append(time.perf_counter() - t)
    p50, p95 = np.percentile(times, [50, 95]) * 1000
    return float(p50), float(p95)


def recall_at_10(ids: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of the exact top 10 that the index returned."""
    return float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, truth, strict=True)]))


def measure(n: int, kind: str, x: np.ndarray, q: np.ndarray, truth: np.ndarray) -> list[Row]:
    """Build one index, measure it at its default parameters and along its parameter sweep."""
    proc = psutil.Process()
    gc.collect()
    rss0 = proc.memory_info().rss
    t = time.perf_counter()
    index = VectorIndex.build(x, kind)
    build_s = time.perf_counter() - t
    rss_growth = proc.memory_info().rss - rss0
    index_bytes = int(faiss.serialize_index(index.index).nbytes)
    default = dict(index.params)
    rows = []
    name, values = SWEEP.get(kind, ("", [None]))
    if name and default[name] not in values:
        values = [*values, default[name]]  # the default is measured too, last
    for value in values:
        if value is not None:
            index.set_params(**{name: value})
        p50, p95 = latencies_ms(index, q)
        rec = recall_at_10(index.search(q, 10)[1], truth)
        label = kind if value is None or value == default.get(name) else f"{kind} {name}={value}"
        rows.append(
            Row(n, label, dict(index.params), build_s, index_bytes, rss_growth, p50, p95, rec)
        )
    del index
    gc.collect()
    return rows


def print_table(rows: list[Row]) -> None:
    """A fixed-width table of the rows."""
    head = f"{'n':>9} {'index':<20} {'build s':>8} {'size MB':>8} {'RSS+ MB':>8}"
    print(head + f" {'p50 ms':>8} {'p95 ms':>8} {'recall@10':>9}")
    for r in rows:
        print(
            f"{r.n:>9} {r.kind:<20} {r.build_s:>8.1f} {r.index_bytes / 2**20:>8.0f}"
            f" {r.rss_growth_bytes / 2**20:>8.0f} {r.p50_ms:>8.3f} {r.p95_ms:>8.3f}"
            f" {r.recall_at_10:>9.3f}"
        )


def main() -> None:
    """Run the benchmark, print the table and write JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--kinds", default="flat,hnsw,ivf")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--noise", type=float, default=0.05, help="gaussian sigma per dimension")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    kinds = args.kinds.split(",")

    real = real_embeddings()
    real_nn = nn_similarity(real)
    rng = np.random.default_rng(args.seed)
    print(
        f"{len(real)} real sentence embeddings (median nearest-other cosine "
        f"{real_nn:.3f}); noise sigma {args.noise}; {args.queries} held-out queries"
    )
    rows: list[Row] = []
    data_stats = {}
    for n in sizes:
        x = synthetic(real, n + args.queries, args.noise, rng)
        x, q = x[:n], x[n:]
        exact = VectorIndex.build(x, "flat")
        top, truth = exact.search(q, 10)
        del exact
        data_stats[n] = {
            "median_top1": float(np.median(top[:, 0])),
            "median_top10": float(np.median(top[:, 9])),
        }
        print(
            f"n={n}: held-out query top-1 cosine median {data_stats[n]['median_top1']:.3f}, "
            f"10th {data_stats[n]['median_top10']:.3f}",
            flush=True,
        )
        for kind in kinds:
            new = measure(n, kind, x, q, truth)
            print_table(new)
            rows += new
        del x, q
        gc.collect()
    print("\nSummary")
    print_table(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "machine": {"cpus": os.cpu_count(), "faiss": faiss.__version__},
        "data": {
            "real_sentences": len(real),
            "real_median_nn_cosine": real_nn,
            "noise_sigma": args.noise,
            "queries": args.queries,
            "by_size": data_stats,
        },
        "rows": [asdict(r) for r in rows],
    }
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
