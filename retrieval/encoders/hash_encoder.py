"""A deterministic bag-of-words hashing encoder: exact, instant, for tests only."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from retrieval.encoders.base import (
    MAX_TOKENS,
    WordPieceCounter,
    bundled_model_path,
    normalized_rows,
    tokenizer_file,
)

HASH_MODEL = "hash"  # EMBEDDING_MODEL=hash: this encoder, for fast tests only
_WORD = re.compile(r"\w+", re.UNICODE)


class HashEncoder:
    """Each word adds one to a hashed slot; a token is a word, its vector one-hot."""

    name = HASH_MODEL
    dim = 256
    max_tokens = MAX_TOKENS
    supports_tokens: ClassVar[bool] = True

    def __init__(self) -> None:
        tok = tokenizer_file(str(bundled_model_path()))
        self._counter = WordPieceCounter(tok) if tok else None

    def __repr__(self) -> str:
        return "HashEncoder()"

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                out[row, self.slot(word)] += 1.0
        return normalized_rows(out)

    def encode_with_tokens(
        self, texts: Sequence[str], batch_size: int = 32
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """A token is a word, its vector one-hot: late interaction counts shared words."""
        rows = []
        for text in texts:
            words = _WORD.findall(text.lower())
            tokens = np.zeros((len(words), self.dim), dtype=np.float32)
            tokens[np.arange(len(words)), [self.slot(w) for w in words]] = 1.0
            rows.append(tokens)
        return self.encode(texts), rows

    def slot(self, word: str) -> int:
        """The dimension a word adds to (words share one when their hashes collide)."""
        digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
        return int.from_bytes(digest, "big") % self.dim

    def count_tokens(self, text: str) -> int:
        if self._counter is None:
            return len(_WORD.findall(text)) + 2
        return self._counter(text)
