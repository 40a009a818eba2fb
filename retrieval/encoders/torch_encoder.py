"""sentence-transformers on torch: the reference encoder, and the one that builds the index."""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cached_property
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


class TorchEncoder:
    """The model through sentence-transformers; torch is imported on first use (it costs
    seconds), so counting tokens alone stays cheap."""

    supports_tokens: ClassVar[bool] = True

    def __init__(self, model: str) -> None:
        self.name = model
        self.path = resolve_model(model)
        self.max_tokens = MAX_TOKENS
        tok = tokenizer_file(self.path)
        self._counter = WordPieceCounter(tok) if tok else None

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
        return int(self.model.get_sentence_embedding_dimension())

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        vecs = self.model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def encode_with_tokens(
        self, texts: Sequence[str], batch_size: int = 32
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        # One run of the model for both outputs (output_value=None: every output, padded).
        items = self.model.encode(list(texts), batch_size=batch_size, output_value=None)
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
