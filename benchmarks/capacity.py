"""What one machine holds: the whole retriever's memory, disk and search time by corpus size.

    python -m benchmarks.capacity [--sizes 1000 10000 100000]

benchmarks/scale.py measures the FAISS index alone; this builds real indexes of synthetic
corpora with a fake 384-dimensional encoder, so that everything but the model is what it
would be: passages, sentence vectors, token vectors (up to build.LATE_MAX_PASSAGES), BM25,
names, vocabulary. A synthetic article is 24 of the five articles' sentences whose words,
but for the commonest, are swapped for others by a code of its own: lengths and word
frequencies stay those of news text, and articles share common phrases but not whole
sentences (reused sentences would make every passage a near-duplicate of thousands).
Each size is built in a fresh process, which reports its peak memory, and loaded in another,
which reports the resident memory the index adds and the time of `search` without the
encoding (the fake encoder costs nothing; add the query encoder's milliseconds from
`make bench`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from retrieval.config import PROJECT_ROOT
from retrieval.encoders import HashEncoder

RESULTS = PROJECT_ROOT / "benchmarks" / "results" / "capacity.json"
COMMON_WORDS = 100  # kept as they are: "the", "of", "said", … (the rest are swapped per article)
QUESTIONS = sorted((PROJECT_ROOT / "tests" / "data").glob("*questions*.jsonl"))


class WideHashEncoder(HashEncoder):
    """The fake hash encoder at the bundled model's dimension, so vectors weigh what they will."""

    dim = 384


def write_corpus(root: Path, articles: int, seed: int = 0) -> None:
    """`articles` synthetic articles of 24 sentences each, in eight paragraphs."""
    from retrieval.chunking import split_sentences
    from retrieval.cleaning import Block
    from retrieval.corpus import format_article, load_corpus

    real = load_corpus(PROJECT_ROOT / "corpus")
    sentences = sorted({s for a in real for p in a.paragraphs for s in split_sentences(p)})
    # Plain lower-case words are swapped; names, numbers and words carrying punctuation stay,
    # so sentences still end where they did and the same people recur.
    counts = Counter(w for s in sentences for w in s.split() if w.isalpha() and w.islower())
    common = {w for w, _ in counts.most_common(COMMON_WORDS)}
    vocabulary = sorted(set(counts) - common)
    rng = random.Random(seed)
    root.mkdir(parents=True)
    for i in range(articles):
        code = dict(zip(vocabulary, rng.sample(vocabulary, len(vocabulary)), strict=True))
        picked = [" ".join(code.get(w, w) for w in s.split()) for s in rng.sample(sentences, 24)]
        paragraphs = [Block(" ".join(picked[j : j + 3])) for j in range(0, 24, 3)]
        source = real[i % len(real)].source
        text = format_article(
            {"title": f"Synthetic {i}", "outlet": source.outlet, "published": "2019-06",
             "url": f"https://example.test/{i}", "author": "", "language": "en"},
            paragraphs,
        )  # fmt: skip
        (root / f"a{i:06d}.md").write_text(text, encoding="utf-8")


def build(corpus: Path, index_dir: Path) -> dict:
    from retrieval.build import build_index
    from retrieval.config import RetrievalSettings
    from retrieval.store import current_build, read_manifest

    settings = RetrievalSettings.from_values(corpus_dir=corpus, index_dir=index_dir,
                                 embedding_model="hash")  # fmt: skip
    started = time.perf_counter()
    build_index(settings, WideHashEncoder(), progress=False, reuse=False)
    seconds = time.perf_counter() - started
    build = current_build(index_dir)
    manifest = read_manifest(build)
    disk = sum(p.stat().st_size for p in build.rglob("*") if p.is_file())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    return {"passages": manifest["passages"], "sentence_rows": manifest["sentences"],
            "late_interaction": manifest["late_interaction"], "index_type": manifest["index_type"],
            "build_s": round(seconds, 1), "build_peak_rss_mb": round(peak),
            "disk_mb": round(disk / 2**20, 1)}  # fmt: skip


def load_and_search(corpus: Path, index_dir: Path) -> dict:
    """In this (fresh) process: the memory the loaded index adds, and search times."""
    import psutil

    from retrieval import Retriever
    from retrieval.config import RetrievalSettings
    from retrieval.evaluate import load_questions

    questions = [q.question for path in QUESTIONS for q in load_questions(path)]
    process = psutil.Process()
    before = process.memory_info().rss
    settings = RetrievalSettings.from_values(corpus_dir=corpus, index_dir=index_dir,
                                 embedding_model="hash", auto_rebuild=False)  # fmt: skip
    started = time.perf_counter()
    retriever = Retriever.load(settings, encoder=WideHashEncoder(), progress=False)
    load_s = time.perf_counter() - started
    for q in questions[:5]:
        retriever.search(q)
    times = []
    for q in questions:
        started = time.perf_counter()
        retriever.search(q)
        times.append(time.perf_counter() - started)
    p50, p95 = np.percentile(times, [50, 95]) * 1000
    added = (process.memory_info().rss - before) / 2**20
    return {"load_s": round(load_s, 2), "rss_added_mb": round(added, 1),
            "search_p50_ms": round(float(p50), 2), "search_p95_ms": round(float(p95), 2),
            "questions": len(questions)}  # fmt: skip


def measure(articles: int, tmp: Path) -> dict:
    corpus, index_dir = tmp / f"corpus-{articles}", tmp / f"index-{articles}"
    write_corpus(corpus, articles)
    row: dict = {"articles": articles}
    for step in ("--build", "--load"):  # each in a fresh process: its own peak memory
        command = [sys.executable, "-m", "benchmarks.capacity", step, str(corpus), str(index_dir)]
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        out = subprocess.run(command, check=True, capture_output=True, text=True,
                             cwd=PROJECT_ROOT, env=env)  # fmt: skip
        row.update(json.loads(out.stdout.strip().splitlines()[-1]))
    return row


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[40, 400, 4000],
                        help="synthetic corpus sizes, in articles of ~6 passages")  # fmt: skip
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--build", nargs=2, type=Path, metavar=("CORPUS", "INDEX"),
                        help="(internal) build one index in this process")  # fmt: skip
    parser.add_argument("--load", nargs=2, type=Path, metavar=("CORPUS", "INDEX"),
                        help="(internal) load one index in this process and search it")  # fmt: skip
    args = parser.parse_args(argv)
    if args.build or args.load:
        step = build if args.build else load_and_search
        print(json.dumps(step(*(args.build or args.load))))
        return 0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.articles:
            rows.append(measure(n, Path(tmp)))
            print(json.dumps(rows[-1]), flush=True)
    head = ("articles", "passages", "sentence_rows", "late_interaction", "index_type", "build_s",
            "build_peak_rss_mb", "disk_mb", "load_s", "rss_added_mb", "search_p50_ms",
            "search_p95_ms")  # fmt: skip
    print(" | ".join(head))
    for row in rows:
        print(" | ".join(str(row[k]) for k in head))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
