"""Index build speed by encoder backend: what `retrieval.encoders.factory` chooses from.

    python -m benchmarks.build_speed [--repeat 3] [--cache DIR]

For each backend (torch float32, torch bfloat16 where the CPU has it, ONNX Runtime) and batch
size: seconds to start in a fresh process (imports and model load), and passages a second
(with their token vectors, as a build embeds them), sentences a second and characters a
second over the corpus, min and median of `--repeat` runs; and the cosine of bfloat16's
vectors with float32's. The machine is shared: read the min, and run it when `uptime` is low.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.config import PROJECT_ROOT

START = {
    "torch": "from retrieval.encoders.torch_encoder import TorchEncoder; "
    "TorchEncoder('bundled').encode(['warm'])",
    "onnx": "from pathlib import Path; from retrieval.encoders.onnx_encoder import OnnxEncoder; "
    "OnnxEncoder(Path({cache!r}), 'bundled').encode(['warm'])",
}


def texts() -> tuple[list[str], list[str]]:
    """The corpus's passages (as a build embeds them) and distinct sentences."""
    from retrieval.build import embedding_text
    from retrieval.chunking import ChunkParams, chunk_corpus
    from retrieval.corpus import load_corpus
    from retrieval.encoders import load_encoder

    counter = load_encoder("bundled").count_tokens
    passages = chunk_corpus(load_corpus(PROJECT_ROOT / "corpus"), counter, ChunkParams())
    sentences = list(dict.fromkeys(s for p in passages for s in p.sentences))
    return [embedding_text(p) for p in passages], sentences


def timed(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Min and median wall seconds of `repeat` runs, after one warm-up."""
    run()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


def start_seconds(backend: str, cache: Path, repeat: int) -> tuple[float, float]:
    """Min and median seconds for a fresh process to import and load `backend` and encode once."""
    code = START[backend].format(cache=str(cache))
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}

    def once() -> None:
        subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=PROJECT_ROOT,
                       capture_output=True)  # fmt: skip

    return timed(once, repeat)


def rates(encoder: Any, passages: list[str], sentences: list[str], batch: int, repeat: int) -> str:
    """One row: passages/s (with token vectors) and sentences/s, min and median; chars/s."""
    p_low, p_mid = timed(lambda: encoder.encode_with_tokens(passages, batch), repeat)
    s_low, s_mid = timed(lambda: encoder.encode(sentences, batch), repeat)
    chars = sum(map(len, passages)) + sum(map(len, sentences))
    return (
        f"{batch:>5} {len(passages) / p_low:>7.1f} / {len(passages) / p_mid:>6.1f} "
        f"{len(sentences) / s_low:>7.1f} / {len(sentences) / s_mid:>6.1f} "
        f"{chars / (p_low + s_low):>15.0f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path, help="an ONNX export (made in a temp dir if not)")
    args = parser.parse_args(argv)
    import torch

    from retrieval.encoders.onnx_encoder import OnnxEncoder
    from retrieval.encoders.onnx_export import export_onnx
    from retrieval.encoders.torch_encoder import TorchEncoder, fast_bf16

    passages, sentences = texts()
    print(f"load {os.getloadavg()[0]:.2f}; torch threads {torch.get_num_threads()}; "
          f"bf16 native: {fast_bf16()}")  # fmt: skip
    print(f"{len(passages)} passages ({sum(map(len, passages))} chars), "
          f"{len(sentences)} sentences ({sum(map(len, sentences))} chars)")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        cache = args.cache or export_onnx("bundled", Path(tmp) / "onnx")
        for backend in ("torch", "onnx"):
            low, mid = start_seconds(backend, cache, args.repeat)
            print(f"start {backend:<6} min {low:.2f} s, median {mid:.2f} s")
        encoders = {"torch": TorchEncoder("bundled"), "onnx": OnnxEncoder(cache, "bundled")}
        if fast_bf16():
            encoders["torch bf16"] = TorchEncoder("bundled", bf16=True)
        reference = encoders["torch"].encode_with_tokens(passages)
        print(f"{'backend':<11} {'batch':>5} {'passages/s':>16} {'sentences/s':>16} "
              f"{'chars/s (both)':>15}  min / median")  # fmt: skip
        for name, encoder in encoders.items():
            for batch in (16, 32, 64):
                print(f"{name:<11} {rates(encoder, passages, sentences, batch, args.repeat)}")
            vectors, tokens = encoder.encode_with_tokens(passages)
            cosine = float((vectors * reference[0]).sum(axis=1).min())
            token_cosine = min(float((a * b).sum(axis=1).min())
                               for a, b in zip(tokens, reference[1], strict=True))  # fmt: skip
            print(f"{name:<11} cosine with torch float32: passages >= {cosine:.6f}, "
                  f"tokens >= {token_cosine:.6f}")  # fmt: skip
    print(f"load {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    sys.exit(main())
