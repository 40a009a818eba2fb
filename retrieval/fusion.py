"""Fusion: the signals of each candidate passage combined into one order, and into relevance.

Pure functions over `signals.Signals`; the weights live here, with the measurements that
chose them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from retrieval.signals import Signals

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[str, ...] = get_args(Mode)


def check_mode(mode: str) -> Mode:
    """`mode` itself when it is one of MODES; ValueError otherwise (never a silent hybrid)."""
    if mode not in MODES:
        raise ValueError(f"unknown search mode {mode!r}; expected one of {', '.join(MODES)}")
    return mode  # type: ignore[return-value]


@dataclass(frozen=True)
class Scoring:
    """How the signals are combined (measured on the development questions; docs/retrieval.md)."""

    # Ranking: each signal is standardised over the candidates (z-score), so a passage that
    # stands out on one signal counts for how far it stands out, then they are summed.
    # BM25 weighs more: a rare name or date matched is strong evidence.
    # Late interaction (each question token's best match among the passage's tokens, averaged)
    # weighs most: measured on 105 questions of three sets, it lifted hit@1 from 78 to 82 and
    # hit@3 from 92 to 96. The passage vector then counts half.
    dense: float = 0.5
    sentence: float = 1.0
    lexical: float = 1.5
    late: float = 3.0
    # Relevance, the absolute score abstention looks at: the best dense cosine, plus twice the
    # share of the question's lexical weight the passage covers (a question about things the
    # articles never mention covers almost none of it; a reworded real one still some).
    lexical_relevance: float = 2.0
    # Ranking: added to a passage holding the first mention of what a "Who is X?" question
    # asks about, in its article (retrieval/questions.py), in standard deviations. 3 since
    # stop 23: with each sentence's own token vectors, a sentence that is little but the name
    # ("Yevgeny Zhovtis shares the same opinion.") outscores the one introducing him on the
    # sentence and late signals; at 1 the introduction came second for 2 of the sets' 10
    # "Who is X?" questions, at 2.5-4 first for all of those, no question moved down.
    introduction: float = 3.0
    # Ranking: added to a passage holding an answer of the kind a question asks for (a
    # figure, a date, an age) beside its names, in standard deviations (2: set 3's number
    # questions 8 → 9 of 10 first, no other question of sets 0–4 moved; docs/retrieval.md).
    # 4 since stop 27, with the kinds' sentences ranked by their own closeness (`answering`):
    # over sets 0–24, hit@1 0.821 / 0.823 / 0.824 / 0.826 / 0.827 / 0.828 / 0.825 at 1.5 / 2 /
    # 2.5 / 4 / 5 / 6 / 8, near-topic refusals one fewer from 5; "How many people were
    # detained in Almaty?" put a photo caption with no figure first at 2.
    answer_kind: float = 4.0
    # Ranking: BM25 of the corpus words nearest in meaning to the question's words the corpus
    # lacks (retrieval/synonyms.py), standardised. Sets 0-10, stop 22: hit@1 0.809 -> 0.816
    # at 0.3; 0.5 then lost set 7 a question at hit@5. Stop 23, with the sentence token table,
    # over sets 0-13: 0.5 against 0.3 gives hit@1 / @3 / @5 0.820 / 0.944 / 0.972 against
    # 0.818 / 0.940 / 0.969 (paraphrases 0.832 -> 0.848 at hit@3), no set lower at hit@5;
    # 0.4-0.6 alike. Set 14, written after, was first run with 0.5 (docs/retrieval.md).
    expansion: float = 0.5
    # Ranking: added to a passage published by the outlet the question names as its source
    # ("What does the CABAR analyst say …?", "The Diplomat piece ends on a gloomy note. What
    # does it say …?"), in standard deviations. Stop 41, sets 0-84 (112 real questions name an
    # outlet): 1 / 2 / 3 / 4 / 6 lift 2 / 4 / 7 / 7 / 8 of them (4 one of them further than
    # 3), none moved down at any; 4 is the middle of that plateau (docs/retrieval.md).
    outlet: float = 4.0


def relevance(s: Signals, w: Scoring) -> np.ndarray:
    """How relevant each candidate is on an absolute scale (Hit.score, MIN_SCORE)."""
    return np.maximum(s.dense, s.sentence) + w.lexical_relevance * s.lexical


def fused(s: Signals, w: Scoring, mode: Mode = "hybrid") -> np.ndarray:
    """The ranking score of each candidate, late interaction aside (see `order`): one
    signal alone in dense or lexical mode."""
    if mode == "dense":
        return s.dense
    if mode == "lexical":
        return s.lexical
    # BM25 sees only the question's words the articles use: a paraphrase in other words
    # leaves it little to go on, so it counts in proportion (set 4 paraphrases hit@1 0.57 ->
    # 0.71, the other sets unchanged or one question better; docs/retrieval.md).
    lexical = w.lexical * s.known
    # A question asking for a figure, a date, a person: the sentence that counts is the one
    # that gives it (shown in bold), not whichever is closest ("when was the election": "The
    # presidential election held on June 9", not "Toqaev won the election"). Sets 0-24:
    # hit@1 0.821 -> 0.823, hit@3 0.940 -> 0.942 (docs/retrieval.md).
    sentence = s.answering if s.answering is not None else s.sentence
    score = w.dense * _z(s.dense) + w.sentence * _z(sentence) + lexical * _z(s.lexical)
    if s.introduction is not None and w.introduction:
        score = score + w.introduction * s.introduction
    if s.answer_kind is not None and w.answer_kind:
        score = score + w.answer_kind * s.answer_kind
    if s.expansion is not None and w.expansion:
        score = score + w.expansion * _z(s.expansion)
    if s.outlet is not None and w.outlet:
        score = score + w.outlet * s.outlet
    return score


def shortlist(score: np.ndarray, n: int) -> np.ndarray:
    """The positions of the `n` best scores, in candidate order: where late interaction is
    worth computing."""
    if len(score) <= n:
        return np.arange(len(score))
    return np.sort(np.argpartition(-score, n - 1)[:n])


def order(
    score: np.ndarray, w: Scoring, late: np.ndarray | None = None, top: np.ndarray | None = None
) -> np.ndarray:
    """Candidate positions, best first (ties keep candidate order).

    With `late` (late interaction of the candidates at positions `top`; of every candidate
    when `top` is None), those candidates are ranked by their score plus it, ahead of the
    rest in the order of their score.
    """
    if late is None or not w.late:
        return np.argsort(-score, kind="stable")
    if top is None:  # every candidate has it (today's corpus: all 124)
        return np.argsort(-(score + w.late * _z(late)), kind="stable")
    ahead = top[np.argsort(-(score[top] + w.late * _z(late)), kind="stable")]
    rest = np.setdiff1d(np.arange(len(score)), top, assume_unique=True)
    return np.concatenate([ahead, rest[np.argsort(-score[rest], kind="stable")]])


def _z(values: np.ndarray) -> np.ndarray:
    """Standardised scores: how many deviations each value stands above the mean."""
    # numpy's mean and std, less their overhead (a few candidates, four times a question):
    # the same sums in the same order.
    n = len(values)
    centred = values - np.add.reduce(values) / n
    return centred / (np.sqrt(np.add.reduce(centred * centred) / n) + 1e-6)
