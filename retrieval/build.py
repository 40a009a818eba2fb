"""Building the index: the corpus cut into passages, embedded, indexed; then written by `store`.

`prepare` makes everything a search needs in memory; `build_index` writes it as a new build
and swaps it in (retrieval/store.py). `staleness` says whether a build still matches the corpus,
the model and the chunking.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.ann import VectorIndex
from retrieval.chunking import ChunkParams, chunk_corpus
from retrieval.config import RetrievalSettings
from retrieval.corpus import corpus_fingerprint, load_corpus, load_name_variants
from retrieval.encoders import Encoder, load_encoder
from retrieval.errors import CorpusError
from retrieval.lexical import LexicalIndex, NameVariants, Tokenizer
from retrieval.names import NameCheck
from retrieval.records import Article, Passage
from retrieval.spelling import Vocabulary
from retrieval.store import IndexData, check_writable, write_build

log = logging.getLogger(__name__)

# Token vectors take about 150 rows of 384 floats a passage, all kept in memory (~230 KB a
# passage as float32): beyond this many passages late interaction is left out.
LATE_MAX_PASSAGES = 1000


def embedding_text(passage: Passage) -> str:
    """What is embedded for a passage: its own text.

    Prefixing the headline and subhead was measured and ranked worse with all-MiniLM-L6-v2
    (hit@1 0.39 against 0.52 alone): the shared headline pulls every passage of an article
    toward the same questions. Subheads still reach the lexical index.
    """
    return passage.text


def lexical_text(passage: Passage) -> str:
    """What BM25 sees: the passage with its subhead, so a subhead's words can find it."""
    return f"{passage.subhead}\n{passage.text}" if passage.subhead else passage.text


def _batches(n: int, size: int) -> Iterator[slice]:
    for start in range(0, n, size):
        yield slice(start, min(n, start + size))


def _encode(
    encoder: Encoder, texts: list[str], what: str, progress: bool, *, tokens: bool = False
) -> tuple[np.ndarray, list[np.ndarray] | None]:
    """Vectors of `texts` in batches, with a progress bar; and with `tokens`, each text's
    token vectors from the same run (the encoder's `encode_with_tokens`)."""
    from tqdm import tqdm

    parts: list[np.ndarray] = []
    rows: list[np.ndarray] = []
    with tqdm(
        total=len(texts), desc=what, unit="text", disable=not progress, file=sys.stderr
    ) as bar:
        for part in _batches(len(texts), 64):
            if tokens:
                vectors, more = encoder.encode_with_tokens(texts[part])
                rows.extend(more)
            else:
                vectors = encoder.encode(texts[part])
            parts.append(vectors)
            bar.update(part.stop - part.start)
    if not parts:
        return np.zeros((0, encoder.dim), dtype=np.float32), rows if tokens else None
    vectors = np.ascontiguousarray(np.vstack(parts), dtype=np.float32)
    return vectors, rows if tokens else None


def _sentence_table(
    encoder: Encoder, passages: list[Passage], progress: bool
) -> tuple[np.ndarray, np.ndarray]:
    """One vector per sentence of every passage, rows grouped by passage, and the offsets.

    Overlapping passages share sentences: each is embedded once, then given to every passage
    that holds it.
    """
    sentences = [s for p in passages for s in p.sentences]
    unique = list(dict.fromkeys(sentences))
    row = {s: i for i, s in enumerate(unique)}
    vectors, _ = _encode(encoder, unique, "Embedding sentences", progress)
    table = np.ascontiguousarray(vectors[[row[s] for s in sentences]])
    offsets = np.cumsum([0] + [len(p.sentences) for p in passages], dtype=np.int64)
    return table, offsets


def prepare(
    articles: list[Article],
    variants: NameVariants,
    encoder: Encoder,
    params: ChunkParams,
    index_type: str = "auto",
    progress: bool = True,
) -> IndexData:
    """Everything a search needs, in memory: passages, vectors, BM25 and the corpus's names."""
    sources = {a.id: a.source for a in articles}
    passages = chunk_corpus(articles, encoder.count_tokens, params)
    if not passages:
        raise CorpusError("corpus", "", "the corpus has no text to index")
    late = len(passages) <= LATE_MAX_PASSAGES and encoder.supports_tokens
    texts = [embedding_text(p) for p in passages]
    vectors, tokens = _encode(encoder, texts, "Embedding passages", progress, tokens=late)
    token_vectors = token_offsets = None
    if tokens is not None:
        token_offsets = np.cumsum([0] + [len(t) for t in tokens], dtype=np.int64)
        token_vectors = np.vstack(tokens).astype(np.float16)
    sentence_vectors, sentence_offsets = _sentence_table(encoder, passages, progress)
    lexical_texts = [lexical_text(p) for p in passages]
    lexical = LexicalIndex.build(lexical_texts, Tokenizer(variants))
    # Headlines, outlets and name variants are words the corpus knows too.
    spellings = [spelling for group in variants.groups for spelling in group]
    texts = lexical_texts + [f"{s.title}\n{s.outlet}" for s in sources.values()]
    names = NameCheck.build(texts + spellings, lexical.tokenizer)
    return IndexData(
        sources=sources,
        passages=passages,
        ann=VectorIndex.build(vectors, index_type),
        sentence_vectors=sentence_vectors,
        sentence_offsets=sentence_offsets,
        lexical=lexical,
        names=names,
        vocabulary=Vocabulary.build(texts, spellings),
        token_vectors=token_vectors,
        token_offsets=token_offsets,
    )


def build_index(
    settings: RetrievalSettings,
    encoder: Encoder | None = None,
    *,
    params: ChunkParams | None = None,
    progress: bool = True,
) -> Path:
    """Build the index from the corpus and swap it in atomically; returns the build's path.

    Raises CorpusError before anything is written when a corpus file is bad, and
    IndexNotWritable before any embedding when INDEX_DIR can't be written, so the previous
    index stays in place and keeps serving.
    """
    started = time.time()
    params = params or ChunkParams()
    corpus_dir = Path(settings.corpus_dir)
    articles = load_corpus(corpus_dir)
    check_writable(Path(settings.index_dir))  # before minutes of embedding, not after
    variants = NameVariants(load_name_variants(corpus_dir))
    fingerprint = corpus_fingerprint(corpus_dir)
    encoder = encoder or load_encoder(settings.embedding_model, "torch")
    data = prepare(articles, variants, encoder, params, settings.index_type, progress)
    manifest: dict[str, Any] = {
        "model": settings.embedding_model,
        "dim": data.ann.dim,
        "corpus_fingerprint": fingerprint,
        "chunking": params.as_dict(),
        "index_type": data.ann.kind,
        "name_variants": variants.groups,
        "articles": len(articles),
        "passages": len(data.passages),
        "sentences": int(data.sentence_offsets[-1]),
        "late_interaction": data.token_vectors is not None,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "build_seconds": round(time.time() - started, 2),
    }
    final = write_build(Path(settings.index_dir), data, manifest)
    log.info("built index of %d passages in %.1fs", len(data.passages), time.time() - started)
    return final


def staleness(settings: RetrievalSettings, manifest: dict[str, Any]) -> str | None:
    """Why the index no longer matches the corpus or model, or None when it does."""
    if manifest.get("model") != settings.embedding_model:
        return (
            f"it was built with model {manifest.get('model')!r}, not {settings.embedding_model!r}"
        )
    if manifest.get("chunking") != ChunkParams().as_dict():
        return "the chunking parameters changed"
    try:
        fingerprint = corpus_fingerprint(Path(settings.corpus_dir))
    except CorpusError:
        return None  # no readable corpus to compare against: keep serving what we have
    if manifest.get("corpus_fingerprint") != fingerprint:
        return "the corpus changed since it was built"
    return None
