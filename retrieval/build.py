"""Building the index: the corpus cut into passages, embedded, indexed; then written by `store`.

`prepare` makes everything a search needs in memory; `build_index` writes it as a new build
and swaps it in (retrieval/store.py). `staleness` says whether a build still matches the corpus,
the model and the chunking.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.ann import VectorIndex
from retrieval.chunking import ChunkParams, TokenCounter, chunk_corpus
from retrieval.config import RetrievalSettings
from retrieval.corpus import corpus_fingerprint, load_corpus, load_name_variants
from retrieval.encoders import Encoder, build_encoder, load_encoder
from retrieval.errors import CorpusError, IndexCorrupt, IndexNotFound
from retrieval.late import distinct_sentences
from retrieval.lexical import LexicalIndex, NameVariants, Tokenizer
from retrieval.names import NameCheck
from retrieval.records import Article, Passage
from retrieval.reuse import NOTHING, Known, previous_vectors
from retrieval.spelling import Vocabulary
from retrieval.store import IndexData, build_lock, current_build, read_manifest, write_build
from retrieval.synonyms import corpus_words

log = logging.getLogger(__name__)

# Token vectors take about 150 rows of 384 floats a passage, all kept in memory (~230 KB a
# passage as float32): beyond this many passages late interaction is left out.
LATE_MAX_PASSAGES = 1000


def embedding_text(passage: Passage) -> str:
    """What is embedded for a passage: its own text.

    Prefixing the headline and subhead was measured and ranked worse with all-MiniLM-L6-v2
    (hit@1 0.39 against 0.52 alone): the shared headline pulls every passage of an article
    toward the same questions. Subheads still reach the lexical index. Builds reuse vectors
    by this text (retrieval/reuse.py): changing it needs a new store.INDEX_FORMAT.
    """
    return passage.text


def _batches(n: int, size: int) -> Iterator[slice]:
    for start in range(0, n, size):
        yield slice(start, min(n, start + size))


def _encode(
    encoder: Encoder, texts: list[str], what: str, progress: bool, *, tokens: bool = False
) -> tuple[np.ndarray, list[np.ndarray] | None]:
    """Vectors of `texts` in batches, with a progress bar; and with `tokens`, each text's
    token vectors from the same run (the encoder's `encode_with_tokens`)."""
    from tqdm import tqdm

    # Longest first, so each batch holds texts of about one length: little padding to compute.
    # (sentence-transformers sorts too, but only within the batch of 64 it is given.)
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    parts: list[np.ndarray] = []
    rows: list[np.ndarray] = []
    with tqdm(
        total=len(texts), desc=what, unit="text", disable=not progress, file=sys.stderr
    ) as bar:
        for part in _batches(len(texts), 64):
            batch = [texts[i] for i in order[part]]
            if tokens:
                vectors, more = encoder.encode_with_tokens(batch)
                rows.extend(more)
            else:
                vectors = encoder.encode(batch)
            parts.append(vectors)
            bar.update(part.stop - part.start)
    if not parts:
        return np.zeros((0, encoder.dim), dtype=np.float32), [] if tokens else None
    back = np.argsort(order)  # row i of the sorted run is text order[i]
    vectors = np.ascontiguousarray(np.vstack(parts)[back], dtype=np.float32)
    return vectors, [rows[i] for i in back] if tokens else None


def _new(texts: Iterable[str], known: Mapping[str, int]) -> list[str]:
    """The distinct texts of `texts` that `known` has no vector for: what must be embedded."""
    return [t for t in dict.fromkeys(texts) if t not in known]


def _gather(
    texts: list[str],
    known: Mapping[str, int],
    known_vectors: np.ndarray,
    new: list[str],
    new_vectors: np.ndarray,
) -> np.ndarray:
    """One row per text: its vector embedded now if it is new, else its known one."""
    new_rows = {t: i for i, t in enumerate(new)}
    fresh = np.array([t in new_rows for t in texts], dtype=bool)
    dim = (new_vectors if new else known_vectors).shape[1]
    out = np.empty((len(texts), dim), dtype=np.float32)
    if fresh.any():
        out[fresh] = new_vectors[[new_rows[t] for t in texts if t in new_rows]]
    if not fresh.all():
        out[~fresh] = known_vectors[[known[t] for t in texts if t not in new_rows]]
    return out


@dataclass(frozen=True)
class Embedded:
    """What a build embedded and what it reused (distinct texts), the encoder it used, and the
    seconds embedding took (the model's loading not included)."""

    passages: int
    sentences: int
    reused_passages: int
    reused_sentences: int
    encoder: str | None  # None: nothing needed embedding
    passage_seconds: float = 0.0
    sentence_seconds: float = 0.0
    words: int = 0  # the corpus's words, embedded for synonyms (retrieval/synonyms.py)
    reused_words: int = 0
    word_seconds: float = 0.0

    def as_manifest(self) -> dict[str, Any]:
        return {
            "embedded": {
                "passages": self.passages,
                "sentences": self.sentences,
                "passage_seconds": round(self.passage_seconds, 3),
                "sentence_seconds": round(self.sentence_seconds, 3),
            },
            "reused": {"passages": self.reused_passages, "sentences": self.reused_sentences},
            "encoder": self.encoder,
            "words": {
                "embedded": self.words,
                "reused": self.reused_words,
                "seconds": round(self.word_seconds, 3),
            },
        }


@dataclass(frozen=True)
class Vectors:
    """A build's vectors: passages', their sentences' (rows grouped by passage), and the
    distinct sentences' tokens' (float16; None: no late interaction)."""

    passages: np.ndarray
    tokens: np.ndarray | None
    token_offsets: np.ndarray | None  # distinct sentence i owns rows offsets[i]:offsets[i+1]
    sentences: np.ndarray
    sentence_offsets: np.ndarray  # passage i owns sentence rows offsets[i]:offsets[i+1]
    words: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))


def embed(
    passages: list[Passage],
    encoder_for: Callable[[int], Encoder],
    known: Known = NOTHING,
    progress: bool = True,
    words: Sequence[str] = (),
) -> tuple[Vectors, Embedded]:
    """Every vector of `passages`, and of the corpus's `words` alone (for synonyms),
    embedding only texts `known` has no vector for.

    `encoder_for(chars)` gives the encoder for that many characters of new text; it is called
    only when there is some, so a build with nothing new never loads a model. Overlapping
    passages share sentences: each is embedded once, then given to every passage holding it.
    """
    texts = [embedding_text(p) for p in passages]
    sentences = [s for p in passages for s in p.sentences]
    late = len(passages) <= LATE_MAX_PASSAGES
    # A sentence is known only with every vector it needs: its token vectors too, for late.
    known_sentences = known.sentences if known.token_vectors is not None or not late else {}
    new_texts, new_sentences = _new(texts, known.passages), _new(sentences, known_sentences)
    words = list(words)
    new_words = _new(words, known.words)
    encoder: Encoder | None = None
    if new_texts or new_sentences or new_words:
        chars = sum(map(len, new_texts)) + sum(map(len, new_sentences)) + sum(map(len, new_words))
        encoder = encoder_for(chars)
        late = late and encoder.supports_tokens
        encoder.dim  # noqa: B018 - loads a lazy model now, so its start is not embedding time
    started = time.perf_counter()
    new_vectors, _ = _encode_if(encoder, new_texts, "Embedding passages", progress)
    passage_seconds, started = time.perf_counter() - started, time.perf_counter()
    # Late interaction's token vectors are the sentences' (retrieval/late.py), from the same
    # run as their sentence vectors; each distinct sentence's once.
    new_sentence_vectors, new_tokens = _encode_if(
        encoder, new_sentences, "Embedding sentences", progress, late
    )
    token_vectors = token_offsets = None
    if late:
        made = dict(zip(new_sentences, new_tokens or [], strict=True))
        distinct, _ = distinct_sentences([p.sentences for p in passages])
        tokens = [
            made[s].astype(np.float16) if s in made else known.sentence_tokens(s) for s in distinct
        ]
        token_offsets = np.cumsum([0] + [len(t) for t in tokens], dtype=np.int64)
        dim = tokens[0].shape[1] if tokens else 0
        token_vectors = np.vstack(tokens) if tokens else np.zeros((0, dim), np.float16)
    sentence_seconds, started = time.perf_counter() - started, time.perf_counter()
    new_word_vectors, _ = _encode_if(encoder, new_words, "Embedding words", progress)
    word_seconds = time.perf_counter() - started
    vectors = Vectors(
        passages=_gather(texts, known.passages, known.passage_vectors, new_texts, new_vectors),
        tokens=token_vectors,
        token_offsets=token_offsets,
        sentences=_gather(
            sentences, known_sentences, known.sentence_vectors, new_sentences, new_sentence_vectors
        ),
        sentence_offsets=np.cumsum([0] + [len(p.sentences) for p in passages], dtype=np.int64),
        words=_gather(words, known.words, known.word_vectors, new_words, new_word_vectors),
    )
    texts_count, sentences_count = len(set(texts)), len(set(sentences))
    embedded = Embedded(
        passages=len(new_texts),
        sentences=len(new_sentences),
        reused_passages=texts_count - len(new_texts),
        reused_sentences=sentences_count - len(new_sentences),
        encoder=repr(encoder) if encoder is not None else None,
        passage_seconds=passage_seconds,
        sentence_seconds=sentence_seconds,
        words=len(new_words),
        reused_words=len(set(words)) - len(new_words),
        word_seconds=word_seconds,
    )
    return vectors, embedded


def prepare(
    articles: list[Article],
    variants: NameVariants,
    encoder_for: Callable[[int], Encoder],
    count_tokens: TokenCounter,
    params: ChunkParams,
    index_type: str = "auto",
    progress: bool = True,
    known: Known = NOTHING,
) -> tuple[IndexData, Embedded]:
    """Everything a search needs, in memory: passages, vectors, BM25 and the corpus's names;
    and what was embedded for it (`embed`). `count_tokens` cuts the passages."""
    sources = {a.id: a.source for a in articles}
    passages = chunk_corpus(articles, count_tokens, params)
    if not passages:
        raise CorpusError("corpus", "", "the corpus has no text to index")
    lexical_texts = [p.lexical_text for p in passages]
    lexical = LexicalIndex.build(lexical_texts, Tokenizer(variants))
    # Headlines, outlets, authors and name variants are words the corpus knows too.
    spellings = [spelling for group in variants.groups for spelling in group]
    texts = lexical_texts + [f"{s.title}\n{s.outlet}\n{s.author}" for s in sources.values()]
    names = NameCheck.build(texts + spellings, lexical.tokenizer)
    vocabulary = Vocabulary.build(texts, spellings)
    words = corpus_words(vocabulary, lexical)
    vectors, embedded = embed(passages, encoder_for, known, progress, words)
    data = IndexData(
        sources=sources,
        passages=passages,
        ann=VectorIndex.build(vectors.passages, index_type),
        sentence_vectors=vectors.sentences,
        sentence_offsets=vectors.sentence_offsets,
        lexical=lexical,
        names=names,
        vocabulary=vocabulary,
        token_vectors=vectors.tokens,
        token_offsets=vectors.token_offsets,
        synonym_words=words,
        synonym_vectors=vectors.words if words else None,
    )
    return data, embedded


def _encode_if(
    encoder: Encoder | None, texts: list[str], what: str, progress: bool, tokens: bool = False
) -> tuple[np.ndarray, list[np.ndarray] | None]:
    """`_encode`, or nothing at all when there is nothing to embed (and so no encoder)."""
    if not texts or encoder is None:
        return np.zeros((0, 0), dtype=np.float32), [] if tokens else None
    return _encode(encoder, texts, what, progress, tokens=tokens)


def build_index(
    settings: RetrievalSettings,
    encoder: Encoder | None = None,
    *,
    params: ChunkParams | None = None,
    progress: bool = True,
    reuse: bool = True,
) -> Path:
    """Build the index from the corpus and swap it in atomically; returns the build's path.

    Passages and sentences whose text the previous build embedded with the same model and
    chunking keep its vectors (`reuse=False` embeds everything again). One build runs at a
    time (store.build_lock); a build that had to wait for another, and finds the index that
    one made up to date, returns it instead of building the same again.

    Raises CorpusError before anything is written when a corpus file is bad, and
    IndexNotWritable before any embedding when INDEX_DIR can't be written, so the previous
    index stays in place and keeps serving.
    """
    started = time.time()
    params = params or ChunkParams()
    corpus_dir, index_dir = Path(settings.corpus_dir), Path(settings.index_dir)
    with build_lock(index_dir, lambda: _waiting(index_dir, progress)) as waited:
        if waited and (done := _up_to_date(settings, params)) is not None:
            log.info("another build just made an up-to-date index: %s", done)
            return done
        articles = load_corpus(corpus_dir)
        variants = NameVariants(load_name_variants(corpus_dir))
        fingerprint = corpus_fingerprint(corpus_dir)
        known = NOTHING
        if reuse:
            known = previous_vectors(
                index_dir, settings.embedding_model, params.as_dict(), embedding_text
            )
        encoder_for, count_tokens = _encoders(settings, encoder)
        data, embedded = prepare(
            articles, variants, encoder_for, count_tokens, params, settings.index_type, progress,
            known,
        )  # fmt: skip
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
            **embedded.as_manifest(),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "build_seconds": round(time.time() - started, 2),
        }
        final = write_build(index_dir, data, manifest)
    log.info("built index of %d passages in %.1fs", len(data.passages), time.time() - started)
    return final


def _encoders(
    settings: RetrievalSettings, given: Encoder | None
) -> tuple[Callable[[int], Encoder], TokenCounter]:
    """What embeds a build's new text (`given`, else the backend that does it soonest), and
    what counts word pieces to cut the passages."""
    if given is not None:
        return (lambda chars: given), given.count_tokens
    # A TorchEncoder counts with the model's tokenizer; torch itself loads only to embed.
    counter = load_encoder(settings.embedding_model, "torch").count_tokens
    return (lambda chars: build_encoder(settings, chars)), counter


def _waiting(index_dir: Path, progress: bool) -> None:
    log.info("waiting for another build of %s to finish", index_dir)
    if progress:
        print("Another build of the index is running: waiting for it to finish.", file=sys.stderr)


def _up_to_date(settings: RetrievalSettings, params: ChunkParams) -> Path | None:
    """The current build, if it matches the corpus, the model and `params`."""
    try:
        build = current_build(Path(settings.index_dir))
        manifest = read_manifest(build)
    except (IndexNotFound, IndexCorrupt):
        return None
    return build if staleness(settings, manifest, params) is None else None


def staleness(
    settings: RetrievalSettings, manifest: dict[str, Any], params: ChunkParams | None = None
) -> str | None:
    """Why the index no longer matches the corpus, the model or the chunking (`params`, by
    default today's), or None when it does."""
    if manifest.get("model") != settings.embedding_model:
        return (
            f"it was built with model {manifest.get('model')!r}, not {settings.embedding_model!r}"
        )
    if manifest.get("chunking") != (params or ChunkParams()).as_dict():
        return "the chunking parameters changed"
    try:
        fingerprint = corpus_fingerprint(Path(settings.corpus_dir))
    except CorpusError:
        return None  # no readable corpus to compare against: keep serving what we have
    if manifest.get("corpus_fingerprint") != fingerprint:
        return "the corpus changed since it was built"
    return None
