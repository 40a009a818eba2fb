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
    # asks about, in its article (retrieval/questions.py), in standard deviations.
    introduction: float = 1.0


def relevance(s: Signals, w: Scoring) -> np.ndarray:
    """How relevant each candidate is on an absolute scale (Hit.score, MIN_SCORE)."""
    return np.maximum(s.dense, s.sentence) + w.lexical_relevance * s.lexical


def fused(s: Signals, w: Scoring, mode: Mode = "hybrid") -> np.ndarray:
    """The ranking score of each candidate: one signal alone in dense or lexical mode."""
    if mode == "dense":
        return s.dense
    if mode == "lexical":
        return s.lexical
    score = w.dense * _z(s.dense) + w.sentence * _z(s.sentence) + w.lexical * _z(s.lexical)
    if s.late is not None and w.late:
        score = score + w.late * _z(s.late)
    if s.introduction is not None and w.introduction:
        score = score + w.introduction * s.introduction
    return score


def order(s: Signals, w: Scoring, mode: Mode = "hybrid") -> np.ndarray:
    """Candidate positions, best first (ties keep candidate order)."""
    return np.argsort(-fused(s, w, mode), kind="stable")


def _z(values: np.ndarray) -> np.ndarray:
    """Standardised scores: how many deviations each value stands above the mean."""
    return (values - values.mean()) / (values.std() + 1e-6)
