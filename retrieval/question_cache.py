"""Question vectors, with a small LRU cache: the same question asked again costs no encoding."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from retrieval.encoders import Encoder

_Entry = tuple[np.ndarray, np.ndarray | None]  # the vector, and the token vectors or None


class QuestionEncoder:
    """Encodes questions in one batched run of the model, remembering the last `size`.

    With `tokens`, each question's token vectors come from the same run (for late
    interaction); else they are None. Questions are keys with case and spacing folded.
    """

    def __init__(self, encoder: Encoder, *, tokens: bool, dim: int, size: int = 256) -> None:
        self.encoder, self.tokens, self.dim, self.size = encoder, tokens, dim, size
        self._cache: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, questions: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray | None]]:
        keys = [" ".join(q.split()).lower() for q in questions]
        out: list[_Entry | None] = []
        with self._lock:
            for key in keys:
                entry = self._cache.get(key)
                if entry is not None:
                    self._cache.move_to_end(key)
                out.append(entry)
        missing = [i for i, v in enumerate(out) if v is None]
        if missing:
            texts = [questions[i] for i in missing]
            fresh: np.ndarray
            tokens: Sequence[np.ndarray | None]
            if self.tokens:
                fresh, tokens = self.encoder.encode_with_tokens(texts)
            else:
                fresh, tokens = self.encoder.encode(texts), [None] * len(texts)
            with self._lock:
                for i, vec, tok in zip(missing, fresh, tokens, strict=True):
                    out[i] = (vec, tok)
                    self._cache[keys[i]] = (vec, tok)
                    while len(self._cache) > self.size:
                        self._cache.popitem(last=False)
        done = [e for e in out if e is not None]
        if not done:
            return np.zeros((0, self.dim), np.float32), []
        return np.vstack([v for v, _ in done]), [t for _, t in done]
