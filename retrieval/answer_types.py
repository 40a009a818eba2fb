"""Answer types: a question asking for a figure, a date or an age is answered only by a
passage with such a thing beside the question's subject.

"What percentage of the vote did Sadybek Tugel receive?" is close to a passage saying Tugel
"finished dead last", and to others giving Tokayev's 70.76 per cent; neither answers it. The
kinds and what their answers look like are data (retrieval/data/answer_types.yaml).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import yaml

from retrieval.lexical import MONTHS, LexicalIndex
from retrieval.names import NameCheck

_FILE = Path(__file__).parent / "data" / "answer_types.yaml"
_MONTHS = frozenset(MONTHS)
_DAY = re.compile(r"[a-z]+\d{1,2}")  # the tokenizer's term for a day ("june9")


def _when(term: str) -> bool:
    """Whether a term is a month ("june") or a day ("june9")."""
    return term in _MONTHS or (
        _DAY.fullmatch(term) is not None and term.rstrip("0123456789") in _MONTHS
    )


# A name in more than this share of passages is the corpus's subject, not a constraint.
SUBJECT_SHARE = 0.5


@dataclass(frozen=True)
class AnswerType:
    kind: str
    ask: re.Pattern[str]
    evidence: re.Pattern[str]
    ignore: re.Pattern[str] | None = None
    dated: bool = True  # whether a date the question names must stand beside the answer
    # sentence -> whether it holds an answer of this kind (the corpus's sentences recur in
    # every question asking for this kind); kept out of equality and hashing.
    _held: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def anchors(self, names: list[frozenset[str]]) -> list[frozenset[str]]:
        """The question's names an answer of this kind must stand beside: all of them, or, for
        a kind that is not `dated`, all but its months ("Who won the June 9 election?" is
        answered by "Qasym-Zhomart Toqaev won the election.")."""
        return names if self.dated else [g for g in names if not all(map(_when, g))]

    def in_sentence(self, sentence: str) -> bool:
        """Whether `sentence` holds an answer of this kind."""
        held = self._held.get(sentence)
        if held is None:
            text = self.ignore.sub(" ", sentence) if self.ignore is not None else sentence
            held = bool(self.evidence.search(text))
            if len(self._held) >= _HELD_MAX:
                self._held.clear()
            self._held[sentence] = held
        return held


_HELD_MAX = 65_536


@cache
def answer_types() -> tuple[AnswerType, ...]:
    rows = yaml.safe_load(_FILE.read_text(encoding="utf-8"))
    return tuple(
        AnswerType(
            r["kind"],
            re.compile(r["ask"], re.I),
            re.compile(r["evidence"], re.I),
            re.compile(r["ignore"], re.I) if r.get("ignore") else None,
            bool(r.get("dated", True)),
        )
        for r in rows
    )


# A question of two parts ("What did he do, and how long ...?") is judged on its first. Not
# "Who won, and by how much?": its second part asks for the figure it ranks by.
_SECOND_PART = re.compile(
    r",?\s+(?:and|or|but)\s+(?=(?:what|who|how|when|where|why|which)\b)", re.I
)
# A first part that is only a question word is no part of its own: "When and where was he
# born?" asks one thing, twice.
_BARE_QUESTION_WORD = re.compile(r"\W*(?:what|who|how|when|where|why|which)\W*", re.I)


@lru_cache(maxsize=1024)  # a search asks twice (ranking, abstention); the bot's pages again
def asked_type(question: str) -> AnswerType | None:
    """The kind of answer `question` (its first part) asks for, or None for any other."""
    first = _SECOND_PART.split(question, maxsplit=1)[0]
    if _BARE_QUESTION_WORD.fullmatch(first):
        first = question
    return next((t for t in answer_types() if t.ask.search(first)), None)


def answering(
    kind: AnswerType, sentences: Sequence[str], anchors: list[frozenset[str]], terms
) -> list[int]:
    """The positions of the `sentences` holding an answer of `kind` and a term of every
    anchor group.

    `terms(sentence)` gives a sentence's lexical terms (the BM25 tokenizer: stems, name
    variants folded), so anchors match whatever spelling the sentence uses.
    """
    found = []
    for i, sentence in enumerate(sentences):
        if not kind.in_sentence(sentence):
            continue
        words = set(terms(sentence))
        if all(g & words for g in anchors):
            found.append(i)
    return found


def holds_answer(
    kind: AnswerType, sentences: Sequence[str], anchors: list[frozenset[str]], terms
) -> bool:
    """Whether one of `sentences` holds an answer of `kind` beside every anchor group."""
    return bool(answering(kind, sentences, anchors, terms))


# A figure this many words or fewer from each of the question's names is theirs ("Tokayev with
# 70.76 per cent"); farther, it may be someone else's ("… which showed that Tokayev won by an
# overwhelming margin, said he won votes (… Kossanov won 15.39 per cent)").
NEAR_WORDS = 6
FAR_SHARE = 0.5  # what an answer far from the names counts, against 1 for a near one
_WORD_AT = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def nearness(kind: AnswerType, sentence: str, anchors: list[frozenset[str]], terms) -> float:
    """1 when an answer of `kind` in `sentence` stands within NEAR_WORDS words of a word of
    every anchor group, FAR_SHARE when it stands farther (or the sentence has none near)."""
    if not anchors:
        return 1.0
    text = sentence
    if kind.ignore is not None:  # blanked, not removed: positions stay those of `sentence`
        text = kind.ignore.sub(lambda m: " " * len(m.group(0)), sentence)
    words = list(_WORD_AT.finditer(sentence))
    starts = [w.start() for w in words]
    where: list[list[int]] = [[] for _ in anchors]
    for n, w in enumerate(words):
        found = set(terms(w.group(0)))
        for g, group in enumerate(anchors):
            if group & found:
                where[g].append(n)
    if not all(where):
        return FAR_SHARE
    for match in kind.evidence.finditer(text):
        at = bisect.bisect_right(starts, match.start()) - 1
        if all(min(abs(at - n) for n in spots) <= NEAR_WORDS for spots in where):
            return 1.0
    return FAR_SHARE


def best_nearness(
    kind: AnswerType, sentences: Sequence[str], anchors: list[frozenset[str]], terms
) -> float:
    """The best `nearness` of the sentences answering; 0 when none does."""
    found = answering(kind, sentences, anchors, terms)
    return max((nearness(kind, sentences[i], anchors, terms) for i in found), default=0.0)


def subject_names(
    question: str,
    names: NameCheck,
    lexical: LexicalIndex,
    outlets: Mapping[str, np.ndarray],
) -> list[frozenset[str]]:
    """The BM25 terms of each name of `question` that is not the corpus's own subject, nor an
    outlet's name ("per the RFE/RL blog" says where, not whom, the answer is about)."""
    groups = names.named_terms(question)
    return [
        g
        for g in groups
        if not g <= outlets.keys() and lexical.containing(g).mean() <= SUBJECT_SHARE
    ]


def outlet_passages(
    outlets: Mapping[str, str], passage_articles: Sequence[str], lexical: LexicalIndex
) -> dict[str, np.ndarray]:
    """Each BM25 term of an outlet's name -> the passages of that outlet's articles.

    `outlets` maps an article id to its outlet; `passage_articles` gives each passage's.
    """
    articles = np.asarray(passage_articles, dtype=object)
    by_term: dict[str, np.ndarray] = {}
    for article, outlet in outlets.items():
        mask = articles == article
        for term in lexical.tokenizer(outlet):
            by_term[term] = by_term[term] | mask if term in by_term else mask
    return by_term
