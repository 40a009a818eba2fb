"""sentence-transformers on torch: the reference encoder, and the fastest for big builds."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from retrieval.encoders.base import (
    MAX_TOKENS,
    WordPieceCounter,
    normalized_rows,
    resolve_model,
    tokenizer_file,
)
from retrieval.errors import ModelError

# CPU flags of native bfloat16 arithmetic (Linux names): AVX512-BF16 and Intel AMX.
BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


def fast_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether this CPU does bfloat16 arithmetic natively, so autocast to it pays.

    Read from the CPU flags, not from torch, so that choosing a backend never imports torch.
    Elsewhere (no such flags, or no /proc) bfloat16 is emulated, slower than float32: False.
    """
    try:
        with cpuinfo.open(encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return bool(BF16_FLAGS & set(line.split(":", 1)[1].split()))
    except OSError:
        pass
    return False


class TorchEncoder:
    """The model through sentence-transformers; torch is imported on first use (it costs
    seconds), so counting tokens alone stays cheap.

    With `bf16`, the model runs under torch.autocast to bfloat16: on a CPU that does it
    natively (`fast_bf16`) passages embed ~2.7x faster (benchmarks/build_speed.py), and their
    vectors keep a cosine of at least 0.9999 with float32's (tests/test_encoders.py). Outputs
    are float32 either way.
    """

    supports_tokens: ClassVar[bool] = True

    def __init__(self, model: str, *, bf16: bool = False) -> None:
        self.name = model
        self.path = resolve_model(model)
        self.max_tokens = MAX_TOKENS
        self.bf16 = bf16
        tok = tokenizer_file(self.path)
        self._counter = WordPieceCounter(tok) if tok else None

    def __repr__(self) -> str:
        return f"TorchEncoder({self.name!r}{', bfloat16' if self.bf16 else ''})"

    @contextlib.contextmanager
    def _precision(self) -> Iterator[None]:
        if not self.bf16:
            yield
            return
        import torch

        with torch.autocast("cpu", dtype=torch.bfloat16):
            yield

    @cached_property
    def model(self) -> Any:  # a SentenceTransformer, imported lazily
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer

            m = SentenceTransformer(self.path, device="cpu")
        except Exception as e:  # many failure types: missing files, no network, bad config
            raise ModelError(f"cannot load embedding model {self.name!r}: {e}") from e
        self.max_tokens = min(self.max_tokens, int(m.max_seq_length or MAX_TOKENS))
        return m

    @property
    def dim(self) -> int:
        model = self.model
        # Renamed in newer sentence-transformers (the old name warns); pyproject allows >= 3.0.
        size = getattr(model, "get_embedding_dimension", None)
        return int(size() if size else model.get_sentence_embedding_dimension())

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self.model
        with self._precision():
            vecs = model.encode(list(texts), batch_size=batch_size, convert_to_tensor=True)
        # Normalised here, in float32 whatever the model ran in.
        return np.ascontiguousarray(normalized_rows(vecs.float().numpy()))

    def encode_with_tokens(
        self, texts: Sequence[str], batch_size: int = 32
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        # One run of the model for both outputs (output_value=None: every output, padded).
        model = self.model
        with self._precision():
            items = model.encode(list(texts), batch_size=batch_size, output_value=None)
        vectors = normalized_rows(
            np.stack([i["sentence_embedding"].float().numpy() for i in items])
        )
        rows = []
        for item in items:
            n = int(item["attention_mask"].sum())  # [CLS] and [SEP] are rows 0 and n - 1
            rows.append(normalized_rows(item["token_embeddings"].float().numpy()[1 : n - 1]))
        return np.ascontiguousarray(vectors), rows

    def count_tokens(self, text: str) -> int:
        if self._counter is None:
            return len(self.model.tokenizer(text)["input_ids"])
        return self._counter(text)
