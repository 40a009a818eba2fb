"""Synonyms from the corpus's own words, for BM25: "hurt by police" finds "beaten".

A question in other words than the articles' leaves BM25 little to go on: each of its words
the corpus lacks brings the corpus words nearest to it in meaning, by the model's vectors of
single words (the corpus's words embedded when the index is built, the question's word when
asked). Their BM25 scores are one more ranking signal (`fusion.Scoring.expansion`); what
counts as relevant, for abstention, is left as it was. Measured in docs/retrieval.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from retrieval.encoders import Encoder
from retrieval.lexical import LexicalIndex
from retrieval.question_cache import QuestionEncoder
from retrieval.spelling import Vocabulary

# The corpus words taken as meaning much the same as a word it lacks: the nearest few, and
# only those this close (0.45-0.55 and 3-5 measured alike; docs/retrieval.md).
NEAREST = 3
MIN_COSINE = 0.55
# A synonym this close counts as the word itself where abstention counts the words a question
# shares with its best passage ("cops" and "police", 0.93; "blank" and "empty", 0.72): the
# nearest word to "weather" (0.44) or "kilometres" (0.52) is no such thing.
SAME_MEANING = 0.7
_WORD = re.compile(r"[^\W\d_]+")
# A noun for whoever does something ("reporters", "campaigner"): its stem is the deed's
# ("report"), which the corpus may hold while never writing the noun. Such a noun the
# corpus never writes is lacking too, and brings the nouns of that sort nearest to it, of
# another stem: "reporters" brings "journalists" (0.87); "campaigner" nothing ("campaign",
# 0.79, is its own stem, and no one).
_AGENT = re.compile(r"[^\W\d_]{3,}(?:er|or|ist)s?", re.I)
_CACHE_MAX = 10_000  # typed words whose vectors are kept


def corpus_words(vocabulary: Vocabulary, lexical: LexicalIndex) -> list[str]:
    """The words a synonym may be: the corpus's words written in lower case somewhere (not
    names), of three letters or more, that BM25 counts (not stop words)."""
    return [
        w
        for w in vocabulary.counts
        if len(w) > 2 and w.isalpha() and not vocabulary.is_proper(w) and lexical.tokenizer(w)
    ]


class Synonyms:
    """The corpus's words nearest to the words of a question that the corpus lacks."""

    def __init__(
        self,
        words: Sequence[str],
        vectors: np.ndarray | None,
        encoder: Encoder,
        lexical: LexicalIndex,
        writes: Callable[[str], bool] | None = None,
    ) -> None:
        """`writes(word)`: whether the corpus writes `word` (lower case) as it is typed; when
        given, an agent noun it never writes is lacking whatever its stem (`_AGENT`)."""
        self.words = list(words)
        self._writes = writes
        self.vectors = (
            np.asarray(vectors, dtype=np.float32) if vectors is not None and len(words) else None
        )
        self.lexical = lexical
        # Each typed word's vector, cached like a question's (words recur across questions).
        dim = self.vectors.shape[1] if self.vectors is not None else 0
        self._encode = QuestionEncoder(encoder, tokens=False, dim=dim, size=_CACHE_MAX)

    def lacking(self, text: str) -> list[str]:
        """The words of `text`, typed in lower case, of which the corpus has no BM25 term, or
        agent nouns it never writes (`_AGENT`)."""
        doc_freq, tokenizer = self.lexical.doc_freq, self.lexical.tokenizer
        found = []
        for word in _WORD.findall(text):
            terms = tokenizer(word)
            if not word[0].islower() or not terms:
                continue
            if not any(t in doc_freq for t in terms) or self._unwritten_agent(word):
                found.append(word.lower())
        return list(dict.fromkeys(found))

    def _unwritten_agent(self, word: str) -> bool:
        """Whether `word` is an agent noun the corpus writes neither in the singular nor in
        the plural."""
        if self._writes is None or not _AGENT.fullmatch(word):
            return False
        one = word.lower().removesuffix("s")
        return not (self._writes(one) or self._writes(one + "s"))

    def near(self, text: str, min_cosine: float | None = None) -> list[str]:
        """For each word of `text` the corpus lacks, the corpus words nearest in meaning (at
        least `min_cosine` close; MIN_COSINE by default)."""
        floor = MIN_COSINE if min_cosine is None else min_cosine
        if self.vectors is None:
            return []
        lacking = self.lacking(text)
        if not lacking:
            return []
        sims = self._encode(lacking)[0] @ self.vectors.T
        found: list[str] = []
        for word, row in zip(lacking, sims, strict=True):
            best = [
                self.words[i] for i in np.argsort(-row, kind="stable")[:NEAREST] if row[i] >= floor
            ]
            if self.lexical.doc_freq.keys() & self.lexical.tokenizer(word):  # an agent noun
                own = set(self.lexical.tokenizer(word))
                best = [
                    w
                    for w in best
                    if _AGENT.fullmatch(w) and own.isdisjoint(self.lexical.tokenizer(w))
                ]
            found += best
        return list(dict.fromkeys(found))
