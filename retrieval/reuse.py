"""Vectors a build can reuse instead of embedding again: the previous build's, found by text.

The previous build is the cache. So the cache is as safe as the index itself: written
atomically with it; checked against its manifest's sizes and checksums before a vector is
taken from it (a damaged one is ignored with a warning, and everything is embedded again);
bounded, since it holds only what the previous build used (the new build becomes the next
cache and the old one is removed); and used only when the model and the chunking are the
ones of the build asking, so another model's vector is never taken for this one's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.errors import IndexCorrupt, IndexNotFound
from retrieval.late import distinct_sentences
from retrieval.records import Passage
from retrieval.store import current_build, read_manifest, read_vectors, verify_files

log = logging.getLogger(__name__)

# What a build reads of the previous one: texts, their vectors, and nothing else.
_FILES = (
    "passages.jsonl",
    "vectors.faiss",
    "sentences.npy",
    "sentence_offsets.npy",
    "synonyms.json",
    "synonyms.npy",
)
_TOKEN_FILES = ("tokens.npy", "token_offsets.npy")


@dataclass(frozen=True)
class Known:
    """Vectors computed before, by the text they are of.

    `passages[text]` is the row of the passage `text` in `passage_vectors`. `sentences[text]`
    is a row of `sentence_vectors` and, when there are token vectors, `token_sentences[text]`
    the sentence's number among the distinct sentences: its rows are
    `token_offsets[number]:token_offsets[number + 1]` of `token_vectors` (float16, as the
    index stores them).
    """

    passages: dict[str, int] = field(default_factory=dict)
    passage_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    sentences: dict[str, int] = field(default_factory=dict)
    sentence_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    token_vectors: np.ndarray | None = None
    token_offsets: np.ndarray | None = None
    token_sentences: dict[str, int] = field(default_factory=dict)
    words: dict[str, int] = field(default_factory=dict)  # the corpus's words, for synonyms
    word_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))

    def sentence_tokens(self, text: str) -> np.ndarray:
        """The token vectors of the sentence `text` (float16)."""
        assert self.token_vectors is not None and self.token_offsets is not None
        number = self.token_sentences[text]
        return self.token_vectors[self.token_offsets[number] : self.token_offsets[number + 1]]


NOTHING = Known()


def previous_vectors(
    index_dir: Path,
    model: str,
    chunking: Mapping[str, Any],
    text_of: Callable[[Passage], str] = lambda p: p.text,
) -> Known:
    """The vectors of the build `current` points at, when it was made by `model` with
    `chunking`; NOTHING when there is none, it was made otherwise, or it is damaged (then
    with a warning in the log). Passages are found by `text_of` them: what was embedded."""
    try:
        build = current_build(index_dir)
        manifest = read_manifest(build)
    except IndexNotFound:
        return NOTHING
    except IndexCorrupt as e:  # another format, or a damaged manifest: nothing to trust
        log.warning("not reusing vectors of the previous index: %s", e)
        return NOTHING
    if manifest["model"] != model or manifest["chunking"] != dict(chunking):
        return NOTHING
    files = _FILES + (_TOKEN_FILES if manifest["late_interaction"] else ())
    try:
        verify_files(build, manifest, files)
        known = _read(build, manifest, text_of)
    except (IndexCorrupt, OSError, ValueError) as e:
        log.warning("not reusing vectors of the previous index, it is damaged: %s", e)
        return NOTHING
    return known


def _read(build: Path, manifest: dict[str, Any], text_of: Callable[[Passage], str]) -> Known:
    v = read_vectors(build, manifest)
    sentences = [s for p in v.passages for s in p.sentences]
    if len(sentences) != len(v.sentence_vectors):  # rows are found by the sentences' order
        raise IndexCorrupt(f"the index in {build} is inconsistent: sentence counts differ")
    distinct, _ = distinct_sentences([p.sentences for p in v.passages])
    return Known(
        passages=_rows(text_of(p) for p in v.passages),
        passage_vectors=v.ann.index.reconstruct_n(0, v.ann.ntotal),
        sentences=_rows(sentences),
        sentence_vectors=v.sentence_vectors,
        token_vectors=v.token_vectors,
        token_offsets=v.token_offsets,
        token_sentences=_rows(distinct) if v.token_vectors is not None else {},
        words=_rows(v.synonym_words),
        word_vectors=v.synonym_vectors.astype(np.float32),
    )


def _rows(texts: Iterable[str]) -> dict[str, int]:
    """Each distinct text's first row."""
    rows: dict[str, int] = {}
    for row, text in enumerate(texts):
        rows.setdefault(text, row)
    return rows
