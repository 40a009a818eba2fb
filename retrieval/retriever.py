"""The search API: hybrid dense + lexical retrieval over the index, and honest abstention."""

from __future__ import annotations

import logging
import sys
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from retrieval.config import RetrievalSettings
from retrieval.embedding import Encoder, load_encoder
from retrieval.errors import CorpusError, IndexCorrupt, IndexNotFound, IndexStale
from retrieval.index import (
    IndexData,
    build_index,
    ensure_query_encoder,
    load_index,
    model_cache_dir,
    staleness,
)
from retrieval.questions import definitional_subject
from retrieval.records import Hit, Passage, Source

log = logging.getLogger(__name__)

# Above this many passages, fusion scores a candidate pool instead of every passage.
_EXHAUSTIVE_MAX = 5000
_POOL = 100
# A name in more than this share of passages is the corpus's subject, not a constraint.
_SUBJECT_SHARE = 0.5
# The single raw threshold of the dense-only baseline: cosine of the question and passage.
DENSE_FLOOR = 0.3


@dataclass(frozen=True)
class Scoring:
    """How the signals are combined (measured on the development questions; see README)."""

    # Ranking: each signal is standardised over the candidates (z-score), so a passage that
    # stands out on one signal counts for how far it stands out, then the three are summed.
    # BM25 weighs more: a rare name or date matched is strong evidence.
    # Late interaction (each question token's best match among the passage's tokens, averaged)
    # weighs most: measured on 105 questions of three sets, it lifted hit@1 from 78 to 82 and
    # hit@3 from 92 to 96 (README, How retrieval works). The passage vector then counts half.
    dense: float = 0.5
    sentence: float = 1.0
    lexical: float = 1.5
    late: float = 3.0
    # Relevance, the absolute score abstention looks at: the best dense cosine, plus twice the
    # share of the question's lexical weight the passage covers (a question about things the
    # articles never mention covers almost none of it; a reworded real one still some).
    lexical_relevance: float = 2.0
    # Ranking: added to a passage holding the first mention of what a "Who is X?" question
    # asks about, in its article (retrieval/questions.py), in standard deviations.
    introduction: float = 1.0


@dataclass(frozen=True)
class _Scored:
    passage: Passage
    score: float  # relevance: what Hit.score shows and MIN_SCORE is compared with
    dense: float
    sentence: float
    lexical: float
    best_sentence: str


class Retriever:
    """Finds the passages that answer a question; `search` returns [] when none does."""

    def __init__(
        self,
        data: IndexData,
        encoder: Encoder,
        settings: RetrievalSettings | None = None,
        scoring: Scoring | None = None,
        warnings: Sequence[str] = (),
    ) -> None:
        self.data = data
        self.encoder = encoder
        self.settings = settings or RetrievalSettings()
        self.scoring = scoring or Scoring()
        self.warnings = list(warnings)
        self.min_score = self.settings.min_score
        # A small corpus keeps its passage vectors as one matrix: scoring is one product.
        n = len(data.passages)
        self._passage_vectors = (
            data.ann.index.reconstruct_n(0, n) if 0 < n <= _EXHAUSTIVE_MAX else None
        )
        # Late interaction needs the index's token vectors and an encoder that gives them.
        self._late = data.token_vectors is not None and hasattr(encoder, "encode_with_tokens")
        self._terms_cache: dict[tuple[str, int], frozenset[str]] = {}
        self._cache: OrderedDict[str, tuple[np.ndarray, np.ndarray | None]] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.cache_size = 256

    @cached_property
    def _articles(self) -> dict[str, _ArticleText]:
        """Each article's passages and sentences by number: built on first need (context, or
        a "Who is X?" question), not at start-up, since most searches need neither."""
        articles: dict[str, _ArticleText] = {}
        for p in self.data.passages:
            article = articles.setdefault(p.article_id, _ArticleText([], {}))
            article.passages.append(p)
            for i, sentence in enumerate(p.sentences):
                article.sentences.setdefault(p.start + i, sentence)
        return articles

    def __repr__(self) -> str:
        m = self.data.manifest
        return (
            f"Retriever({m['passages']} passages from {m['articles']} articles, "
            f"model={m['model']!r}, index={m['index_type']!r}, built {m['built_at']})"
        )

    # -- construction ---------------------------------------------------------------------------

    @classmethod
    def load(
        cls,
        settings: RetrievalSettings | None = None,
        *,
        encoder: Encoder | None = None,
        progress: bool = True,
    ) -> Retriever:
        """Load the index from INDEX_DIR, building it first when missing or stale.

        A stale or damaged index is rebuilt when AUTO_REBUILD is on (the default); otherwise
        IndexStale, IndexNotFound or IndexCorrupt says to run `election-bot index`. When the
        corpus cannot be indexed (a bad file) but a sound older index exists, that index is used
        and the problem kept in `.warnings`; a damaged index is never served.
        """
        settings = settings or RetrievalSettings()
        index_dir = Path(settings.index_dir)
        warnings: list[str] = []
        data: IndexData | None = None
        try:
            data = load_index(index_dir)
            why = staleness(settings, data.manifest)
        except IndexNotFound as e:
            why, error = "there is no index yet", e
        except IndexCorrupt as e:
            why, error = str(e), e
        if why is not None:
            if not settings.auto_rebuild:
                if data is not None:
                    raise IndexStale(f"the index is stale: {why}; run `election-bot index`")
                raise type(error)(f"{error}; run `election-bot index` to rebuild it")
            if progress:
                print(f"Building the index ({why}).", file=sys.stderr)
            try:
                build_index(settings, encoder, progress=progress)
                data = load_index(index_dir)
                if encoder is None:
                    ensure_query_encoder(settings, progress)
            except CorpusError as e:
                if data is None:  # nothing sound to fall back on
                    raise
                warnings.append(f"serving the previous index: the corpus cannot be indexed ({e})")
                log.warning(warnings[-1])
        if encoder is None:
            encoder = load_query_encoder(settings, index_dir, data.model)
        return cls(data, encoder, settings, warnings=warnings)

    def sources(self) -> list[Source]:
        """The articles the index holds, in corpus order."""
        return list(self.data.sources.values())

    # -- search ---------------------------------------------------------------------------------

    def encode_questions(
        self, questions: Sequence[str]
    ) -> tuple[np.ndarray, list[np.ndarray | None]]:
        """Question vectors and, when the index has token vectors, each question's token
        vectors (else None), from one batched run of the model; repeated questions come from
        a small LRU cache."""
        keys = [" ".join(q.split()).lower() for q in questions]
        out: list[tuple[np.ndarray, np.ndarray | None] | None] = []
        with self._cache_lock:
            for key in keys:
                entry = self._cache.get(key)
                if entry is not None:
                    self._cache.move_to_end(key)
                out.append(entry)
        missing = [i for i, v in enumerate(out) if v is None]
        if missing:
            texts = [questions[i] for i in missing]
            if self._late:
                fresh, tokens = self.encoder.encode_with_tokens(texts)
            else:
                fresh, tokens = self.encoder.encode(texts), [None] * len(texts)
            with self._cache_lock:
                for i, vec, tok in zip(missing, fresh, tokens, strict=True):
                    out[i] = (vec, tok)
                    self._cache[keys[i]] = (vec, tok)
                    while len(self._cache) > self.cache_size:
                        self._cache.popitem(last=False)
        if not out:
            return np.zeros((0, self.data.ann.dim), np.float32), []
        return np.vstack([v for v, _ in out]), [t for _, t in out]

    def search(
        self, question: str, k: int | None = None, *, context: int = 0, mode: str = "hybrid"
    ) -> list[Hit]:
        """The best passages for `question`, best first; [] when none is relevant enough.

        `context=N` adds N passages' worth of the article's text before and after each hit
        (what comes right before and after it, never repeating it); `mode` is
        hybrid (the default), or dense or lexical alone, for comparison.
        """
        return self.search_many([question], k, context=context, mode=mode)[0]

    def search_many(
        self,
        questions: Sequence[str],
        k: int | None = None,
        *,
        context: int = 0,
        mode: str = "hybrid",
    ) -> list[list[Hit]]:
        """`search` for several questions at once: their vectors are computed in one batch."""
        k = self.settings.top_k if k is None else k
        results: list[list[Hit]] = [[] for _ in questions]
        stripped = [q.strip() if q else "" for q in questions]
        live = [i for i, q in enumerate(stripped) if q and k > 0]
        if not live:
            return results
        vectors, tokens = self.encode_questions([stripped[i] for i in live])
        for row, i in enumerate(live):
            # The same text for ranking and abstention: a leading space would make the first
            # word look like a name inside a sentence to the name checks.
            scored = self.rank(stripped[i], vectors[row], mode, limit=k, tokens=tokens[row])
            if scored and self.answerable(stripped[i], scored, mode):
                results[i] = [self._hit(s, context) for s in scored]
        return results

    def rank(
        self,
        question: str,
        qvec: np.ndarray,
        mode: str = "hybrid",
        limit: int | None = None,
        tokens: np.ndarray | None = None,
    ) -> list[_Scored]:
        """Candidate passages scored, best first (the first `limit`, or all).

        `mode` is hybrid, dense or lexical; `tokens` are the question's token vectors, for
        late interaction (left out without them).
        """
        data = self.data
        n = len(data.passages)
        if n == 0:
            return []
        lexical_all = data.lexical.scores(question)
        if n <= _EXHAUSTIVE_MAX:
            candidates = np.arange(n)
        else:
            _, dense_ids = data.ann.search(qvec[None, :], _POOL)
            # The best BM25 passages without sorting all of them (a million passages: ~10 ms).
            lex_ids = np.argpartition(-lexical_all, _POOL)[:_POOL]
            candidates = np.unique(np.concatenate([dense_ids[0][dense_ids[0] >= 0], lex_ids]))
        dense = self._passage_cosines(qvec, candidates)
        sentence, best = self._sentence_cosines(qvec, candidates)
        lexical = lexical_all[candidates] / data.lexical.ceiling(question)
        w = self.scoring
        relevance = np.maximum(dense, sentence) + w.lexical_relevance * lexical
        if mode == "dense":
            score = dense
        elif mode == "lexical":
            score = lexical
        else:
            score = w.dense * _z(dense) + w.sentence * _z(sentence) + w.lexical * _z(lexical)
            if tokens is not None and len(tokens) and self._late and w.late:
                score = score + w.late * _z(self._late_interaction(tokens, candidates))
            subject = definitional_subject(question)
            if subject and w.introduction:
                score = score + w.introduction * self._first_mentions(subject, candidates)
        order = np.argsort(-score, kind="stable")
        out: list[_Scored] = []
        chosen: dict[str, list[Passage]] = {}  # per article, for the overlap check
        for j in order:
            if limit is not None and len(out) >= limit:
                break
            p = data.passages[int(candidates[j])]
            # Passages overlap: one sharing a sentence with a better one adds nothing new.
            same = chosen.setdefault(p.article_id, [])
            if any(p.overlaps(q) for q in same):
                continue
            same.append(p)
            out.append(
                _Scored(
                    p,
                    float(relevance[j]),
                    float(dense[j]),
                    float(sentence[j]),
                    float(lexical[j]),
                    p.sentences[best[j]] if p.sentences else p.text,
                )
            )
        return out

    def answerable(self, question: str, scored: list[_Scored], mode: str = "hybrid") -> bool:
        """Whether the best passage is relevant enough to show (see README, Abstention)."""
        top = scored[0]
        if mode == "lexical":
            return top.lexical > 0
        if mode == "dense":
            return top.dense >= DENSE_FLOOR
        # A question naming someone or something the articles never mention is not theirs to
        # answer, however close its other words come; nor is one naming things that no single
        # passage mentions together (retrieval/names.py).
        if top.score < self.min_score or self.data.names.unknown(question):
            return False
        return self._named_together(question)

    def _named_together(self, question: str) -> bool:
        """Whether one passage mentions every name of `question` (true for fewer than two).

        A name of several words ("Mukhtar Ablyazov") is there when any of its words is
        (retrieval/names.py, `NameCheck.named_terms`).

        A name most passages hold (Kazakhstan, here) is the corpus's subject: passages take it
        as read, so it is not asked of them.
        """
        groups = self.data.names.named_terms(question)
        if len(groups) < 2:  # most questions: no passage lookups at all
            return True
        masks = [self.data.lexical.containing(terms) for terms in groups]
        masks = [m for m in masks if m.mean() <= _SUBJECT_SHARE]
        if len(masks) < 2:
            return True
        return bool(np.logical_and.reduce(masks).any())

    def _first_mentions(self, subject: str, ids: np.ndarray) -> np.ndarray:
        """1.0 for each passage holding the first sentence of its article naming `subject`.

        Sentences are compared as BM25 terms (name variants folded), every term of the
        subject present; each sentence is tokenized once, however many passages hold it.
        """
        terms = frozenset(self.data.lexical.tokenizer(subject))
        out = np.zeros(len(ids), dtype=np.float32)
        if not terms:
            return out
        first: dict[str, int] = {}
        for j, i in enumerate(ids):
            p = self.data.passages[int(i)]
            if p.article_id not in first:
                first[p.article_id] = self._first_naming(p.article_id, terms)
            out[j] = float(p.start <= first[p.article_id] < p.end)
        return out

    def _first_naming(self, article_id: str, terms: frozenset[str]) -> int:
        """The number of the article's first sentence holding every term, or -1."""
        sentences = self._articles[article_id].sentences
        tokenize = self.data.lexical.tokenizer
        for number in sorted(sentences):
            key = (article_id, number)
            words = self._terms_cache.get(key)
            if words is None:
                words = frozenset(tokenize(sentences[number]))
                if len(self._terms_cache) < 100_000:
                    self._terms_cache[key] = words
            if terms <= words:
                return number
        return -1

    def _passage_cosines(self, qvec: np.ndarray, ids: np.ndarray) -> np.ndarray:
        if self._passage_vectors is not None:
            return self._passage_vectors[ids] @ qvec
        index = self.data.ann.index  # a large corpus: only the candidates are reconstructed
        return index.reconstruct_batch(np.asarray(ids, dtype=np.int64)) @ qvec

    def _late_interaction(self, tokens: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """For each passage, the mean over the question's tokens of the best cosine with any
        of the passage's tokens (ColBERT's MaxSim, on the model's own token outputs)."""
        rows, seg, counts = self._owned_rows(self.data.token_offsets, ids)
        sims = tokens @ self.data.token_vectors[rows].T
        best = np.maximum.reduceat(sims, seg, axis=1)  # question tokens x passages
        best[:, counts == 0] = 0.0  # a passage without tokens matches nothing
        return best.mean(axis=0)

    def _owned_rows(
        self, offsets: np.ndarray, ids: np.ndarray
    ) -> tuple[slice | np.ndarray, np.ndarray, np.ndarray]:
        """The rows passages `ids` own in a table grouped by passage (passage i owns rows
        offsets[i]:offsets[i+1]), where each one's rows start among them, and how many."""
        starts, ends = offsets[ids], offsets[ids + 1]
        counts = ends - starts
        if len(ids) == len(self.data.passages):  # every passage: the rows in one block
            rows: slice | np.ndarray = slice(None)
        else:
            rows = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends, strict=True)])
        return rows, np.concatenate([[0], np.cumsum(counts)[:-1]]), counts

    def _sentence_cosines(self, qvec: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each passage's best sentence cosine, and that sentence's position in the passage."""
        rows, seg, counts = self._owned_rows(self.data.sentence_offsets, ids)
        sims = self.data.sentence_vectors[rows] @ qvec
        best_sim = np.maximum.reduceat(sims, seg)
        owner = np.repeat(np.arange(len(ids)), counts)
        at_max = np.flatnonzero(sims >= best_sim[owner])
        first = np.empty(len(ids), dtype=np.int64)
        first[owner[at_max[::-1]]] = at_max[::-1]  # written last to first: the earliest wins
        return best_sim.astype(np.float32), first - seg

    def _hit(self, s: _Scored, context: int) -> Hit:
        p = s.passage
        before, after = self._context(p, context) if context > 0 else ((), ())
        return Hit(
            text=p.text,
            score=round(s.score, 4),
            source=self.data.sources[p.article_id],
            passage_id=p.id,
            best_sentence=s.best_sentence,
            subhead=p.subhead,
            context_before=before,
            context_after=after,
        )

    def _context(self, p: Passage, n: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Up to n passages' worth of the article's text just before and just after `p`.

        Each step takes the longest run of sentences one passage holds next to what is
        already shown, so the context neither repeats the hit nor skips a sentence.
        """
        article = self._articles[p.article_id]
        same, text = article.passages, article.sentences
        before: list[str] = []
        start = p.start
        for _ in range(n):
            holding = [q.start for q in same if q.start < start <= q.end]
            if not holding:
                break
            first = min(holding)
            before.insert(0, " ".join(text[i] for i in range(first, start) if i in text))
            start = first
        after: list[str] = []
        end = p.end
        for _ in range(n):
            holding = [q.end for q in same if q.start <= end < q.end]
            if not holding:
                break
            last = max(holding)
            after.append(" ".join(text[i] for i in range(end, last) if i in text))
            end = last
        return tuple(before), tuple(after)


@dataclass(frozen=True)
class _ArticleText:
    passages: list[Passage]  # in index order
    sentences: dict[int, str]  # by number in the article


def _z(values: np.ndarray) -> np.ndarray:
    """Standardised scores: how many deviations each value stands above the mean."""
    return (values - values.mean()) / (values.std() + 1e-6)


def load_query_encoder(settings: RetrievalSettings, index_dir: Path, model: str) -> Encoder:
    """The encoder for questions: ONNX when its export is cached (fast start), else torch."""
    return load_encoder(model, settings.encoder_backend, model_cache_dir(index_dir, model))
