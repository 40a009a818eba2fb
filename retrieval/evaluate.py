"""Retrieval evaluation on a questions file: hit@k, MRR, abstention, per question kind."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.errors import RetrievalError

_FOLD = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "‑": "-"})
OUT_OF_SCOPE = "oos"  # the shared set's kind for "the articles don't answer this"


class EvalFileError(RetrievalError):
    """The questions file is missing or malformed."""


@dataclass(frozen=True)
class Question:
    id: int | str
    kind: str
    question: str
    evidence: tuple[str, ...]

    @property
    def answerable(self) -> bool:
        """Whether the articles answer it: a question without evidence is out of scope,
        whatever its kind is called (oos, near, ...), and the right result is nothing."""
        return bool(self.evidence)


@dataclass
class Outcome:
    question: Question
    rank: int | None  # 1-based rank of the first answering passage, None if not in the results
    abstained: bool
    top_text: str = ""
    # Whether the first passage's key sentence (shown in bold) holds the answer; None unless
    # the first passage answers: what a reader takes in at a glance.
    key_sentence: bool | None = None


@dataclass
class Report:
    mode: str
    outcomes: list[Outcome] = field(default_factory=list)

    def in_scope(self, kind: str | None = None) -> list[Outcome]:
        """The outcomes of in-scope questions (of one kind, if given)."""
        return [
            o
            for o in self.outcomes
            if o.question.answerable and (kind is None or o.question.kind == kind)
        ]

    def hit_at(self, k: int, kind: str | None = None) -> float:
        rows = self.in_scope(kind)
        return sum(o.rank is not None and o.rank <= k for o in rows) / len(rows) if rows else 0.0

    def mrr(self, kind: str | None = None) -> float:
        rows = self.in_scope(kind)
        return sum(1 / o.rank for o in rows if o.rank) / len(rows) if rows else 0.0

    def key_sentences(self, kind: str | None = None) -> tuple[int, int]:
        """(first passages whose key sentence holds the answer, first passages answering)."""
        rows = [o for o in self.in_scope(kind) if o.key_sentence is not None]
        return sum(bool(o.key_sentence) for o in rows), len(rows)

    @property
    def oos(self) -> list[Outcome]:
        """The outcomes of out-of-scope questions, of every kind."""
        return [o for o in self.outcomes if not o.question.answerable]

    def oos_kinds(self) -> dict[str, tuple[int, int]]:
        """(abstained, total) for each kind of out-of-scope question (near-topic, far, ...)."""
        counts: dict[str, tuple[int, int]] = {}
        for o in self.oos:
            done, total = counts.get(o.question.kind, (0, 0))
            counts[o.question.kind] = (done + o.abstained, total + 1)
        return counts

    @property
    def oos_abstained(self) -> int:
        return sum(o.abstained for o in self.oos)

    @property
    def false_abstentions(self) -> int:
        return sum(o.abstained for o in self.in_scope())

    def kinds(self) -> list[str]:
        """The kinds of in-scope questions, in the order they first come."""
        return list(dict.fromkeys(o.question.kind for o in self.in_scope()))

    def misses(self, k: int = 1) -> list[Outcome]:
        """In-scope questions whose answer is not in the first k, and out-of-scope answered."""
        wrong = [o for o in self.in_scope() if o.rank is None or o.rank > k]
        return wrong + [o for o in self.oos if not o.abstained]

    def as_dict(self) -> dict:
        return {
            "mode": self.mode,
            "hit@1": self.hit_at(1),
            "hit@3": self.hit_at(3),
            "hit@5": self.hit_at(5),
            "mrr": self.mrr(),
            "oos_abstained": self.oos_abstained,
            "oos_total": len(self.oos),
            "oos_per_kind": {
                kind: {"abstained": done, "n": total}
                for kind, (done, total) in self.oos_kinds().items()
            },
            "false_abstentions": self.false_abstentions,
            "key_sentence_right": self.key_sentences()[0],
            "first_right": self.key_sentences()[1],
            "per_kind": {
                kind: {
                    "n": len(self.in_scope(kind)),
                    "hit@1": self.hit_at(1, kind),
                    "hit@3": self.hit_at(3, kind),
                    "hit@5": self.hit_at(5, kind),
                    "mrr": self.mrr(kind),
                }
                for kind in self.kinds()
            },
        }


def fold(text: str) -> str:
    """Case, runs of whitespace, typographic quotes and dashes folded, as the scorer does."""
    return re.sub(r"\s+", " ", text.translate(_FOLD)).strip().lower()


def load_questions(path: Path) -> list[Question]:
    """Read a questions.jsonl file; EvalFileError names the line that is wrong."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise EvalFileError(f"cannot read {path}: {e}") from e
    questions = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            questions.append(
                Question(
                    row["id"], row["kind"], str(row["question"]), tuple(row.get("evidence", []))
                )
            )
        except (ValueError, KeyError, TypeError) as e:
            raise EvalFileError(f"{path}, line {n}: not a question record ({e})") from e
    if not questions:
        raise EvalFileError(f"{path} holds no questions")
    return questions


def answers(text: str, evidence: tuple[str, ...]) -> bool:
    """Whether a passage contains any of the evidence strings (folded)."""
    folded = fold(text)
    return any(fold(e) in folded for e in evidence)


def evaluate(retriever, questions: list[Question], mode: str = "hybrid", k: int = 5) -> Report:
    """Run every question through `retriever` in `mode` (hybrid, dense or lexical)."""
    report = Report(mode)
    for q in questions:
        hits = retriever.search(q.question, k, mode=mode)
        texts = [h.text for h in hits]
        rank = next((i + 1 for i, t in enumerate(texts) if answers(t, q.evidence)), None)
        key = answers(hits[0].best_sentence, q.evidence) if rank == 1 else None
        report.outcomes.append(Outcome(q, rank, not texts, texts[0] if texts else "", key))
    return report


def _pct(x: float) -> str:
    return f"{x:.2f}"


def format_report(reports: list[Report], show_misses: bool = True) -> str:
    """A per-kind table for each mode, then every miss of the first report."""
    lines = []
    header = f"{'mode':<9} {'kind':<9} {'n':>3} {'hit@1':>6} {'hit@3':>6} {'hit@5':>6} {'MRR':>6}"
    lines.append(header)
    lines.append("-" * len(header))
    for r in reports:
        for kind in [*r.kinds(), None]:
            n = len(r.in_scope(kind))
            lines.append(
                f"{r.mode:<9} {kind or 'all':<9} {n:>3} {_pct(r.hit_at(1, kind)):>6} "
                f"{_pct(r.hit_at(3, kind)):>6} {_pct(r.hit_at(5, kind)):>6} {_pct(r.mrr(kind)):>6}"
            )
        by_kind = ", ".join(f"{kind} {done}/{n}" for kind, (done, n) in r.oos_kinds().items())
        lines.append(
            f"{r.mode:<9} out-of-scope abstained {r.oos_abstained}/{len(r.oos)}"
            + (f" ({by_kind})" if len(r.oos_kinds()) > 1 else "")
            + f", false abstentions {r.false_abstentions}/{len(r.in_scope())}"
        )
        right, first = r.key_sentences()
        if first:
            lines.append(
                f"{r.mode:<9} the key sentence (in bold) holds the answer: {right}/{first} "
                "first passages that answer"
            )
        lines.append("")
    if show_misses and reports:
        r = reports[0]
        misses = r.misses(1)
        lines.append(
            f"Misses of {r.mode} (answer not first, or out of scope answered): {len(misses)}"
        )
        for o in misses:
            where = "abstained" if o.abstained else f"rank {o.rank}" if o.rank else "not in top 5"
            lines.append(f"  [{o.question.kind} #{o.question.id}] {o.question.question} -> {where}")
            if o.top_text:
                top = o.top_text if len(o.top_text) <= 150 else o.top_text[:147] + "..."
                lines.append(f"      first: {top}")
    return "\n".join(lines).rstrip() + "\n"


# --- follow-ups: a question asked after another ----------------------------------------------


@dataclass(frozen=True)
class Pair:
    """A question asked after `first`: a follow-up leaning on it, or one standing alone."""

    id: int | str
    kind: str  # "followup" or "standalone"
    first: str
    followup: str
    evidence: tuple[str, ...]


@dataclass
class PairOutcome:
    pair: Pair
    query: str  # what was searched with the first question as context
    alone: bool  # the first quote answers, the follow-up searched alone
    in_context: bool  # the first quote answers, searched as `query`


def is_followup_file(path: Path) -> bool:
    """Whether the file holds pairs of questions ({"first", "followup", ...}), not questions."""
    for line in _lines(path):
        if line.strip():
            try:
                row = json.loads(line)
            except ValueError:
                return False
            return isinstance(row, dict) and "first" in row and "followup" in row
    return False


def _lines(path: Path) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise EvalFileError(f"cannot read {path}: {e}") from e


def load_pairs(path: Path) -> list[Pair]:
    """Read a follow-ups file; EvalFileError names the line that is wrong."""
    pairs = []
    for n, line in enumerate(_lines(path), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            pairs.append(
                Pair(row["id"], row["kind"], str(row["first"]), str(row["followup"]),
                     tuple(row["evidence"]))
            )  # fmt: skip
        except (ValueError, KeyError, TypeError) as e:
            raise EvalFileError(f"{path}, line {n}: not a follow-up record ({e})") from e
    if not pairs:
        raise EvalFileError(f"{path} holds no follow-ups")
    return pairs


def evaluate_followups(retriever, pairs: list[Pair], k: int = 5) -> list[PairOutcome]:
    """Each follow-up searched alone and with its first question as context (the bot's way:
    the first question is searched too, and its first quote's best sentence is what answered
    it)."""
    outcomes = []
    firsts = retriever.search_many([pair.first for pair in pairs], 1)
    for pair, first in zip(pairs, firsts, strict=True):
        answer = first[0].best_sentence if first else ""
        query = retriever.followup(pair.first, pair.followup, answer).query
        alone, in_context = retriever.search_many([pair.followup, query], k)
        outcomes.append(
            PairOutcome(pair, query, _first_answers(alone, pair), _first_answers(in_context, pair))
        )
    return outcomes


def _first_answers(hits, pair: Pair) -> bool:
    return bool(hits) and answers(hits[0].text, pair.evidence)


def format_followups(outcomes: list[PairOutcome]) -> str:
    """First quote right alone vs with context, per kind; then every query that was rewritten."""
    lines = [f"{'kind':<11} {'n':>3} {'alone':>6} {'context':>8} {'as is':>6}"]
    lines.append("-" * len(lines[0]))
    for kind in dict.fromkeys(o.pair.kind for o in outcomes):
        rows = [o for o in outcomes if o.pair.kind == kind]
        same = sum(o.query == o.pair.followup.strip() for o in rows)
        lines.append(
            f"{kind:<11} {len(rows):>3} {sum(o.alone for o in rows):>6} "
            f"{sum(o.in_context for o in rows):>8} {same:>6}"
        )
    lines += [
        "",
        "first quote right, out of n: the follow-up alone, with the first question as",
        "context; 'as is': searched unchanged (standalone ones should all be)",
        "",
    ]
    lines.append("Searched with context:")
    for o in outcomes:
        if o.query != o.pair.followup.strip():
            mark = f"{'+' if o.in_context else '-'}{'+' if o.alone else '-'}"
            lines.append(f"  [{o.pair.kind} #{o.pair.id}] {mark} {o.pair.followup} -> {o.query}")
    return "\n".join(lines) + "\n"
