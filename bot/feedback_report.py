"""`election-bot feedback`: what people made of the answers, and what the articles lack.

The database is opened read-only: a report never creates, migrates or changes it. Questions
are grouped when they are the same question asked differently: first folded (case,
punctuation, whitespace), then, given an embedding function, merged when their vectors are
nearly the same (`GROUP_COSINE`).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from pathlib import Path

import numpy as np

from bot.feedback import COUNTS, SCHEMA_VERSION, FeedbackError, now_text

# Two questions are one asked twice when their vectors (all-MiniLM-L6-v2) are this close and
# they ask for the same kind of answer (`asks_for`). Measured on the 211 distinct questions of
# the development set and extra sets 1-3 (set 4 is held out), whose authors often asked the same
# thing in other words: 7 pairs reach 0.9; 5 are one question ("how many candidates ran for
# president" / "... ran in the presidential election", 0.926) and all 5 are merged; 2 are not
# ("when did the osce odihr mission arrive" / "how many observers did the osce odihr mission
# send", 0.946; "when was he released" / "how old was he when he was detained", 0.936), and
# the question word keeps both apart. Below 0.9 the pairs are mostly different questions
# (0.863-0.879: 3 different, 1 the same), and two lines in a report cost less than two
# questions shown as one. A question that names no kind of answer ("best pizza recipe?") may
# join any: it is "what is the best pizza recipe" (0.981) asked tersely; but "did tokayev
# win" asks yes or no, and stays apart from "how did tokayev win" (0.956).
GROUP_COSINE = 0.9
# The word that says what kind of answer a question wants ("how" with the word that makes it
# a quantity). Vectors blur it: "when did X arrive" and "how many X were sent" sit close.
_ASKS = re.compile(
    r"\b(who|whom|whose|what|which|when|where|why|how(?: (?:many|much|old|long|often|far))?)\b"
)
# Without a question word, a question opening with a verb asks yes or no ("did X win").
_YES_NO = re.compile(
    r"^(?:is|are|am|was|were|do|does|did|can|could|will|would|should|shall|has|have|had|"
    r"may|might|must)\b"
)
SHOWN_WORDINGS = 5

Embed = Callable[[Sequence[str]], np.ndarray]  # texts -> L2-normalised rows


class NoFeedback(FeedbackError):
    """There is no feedback database yet."""


def fold(text: str) -> str:
    """A question with case, punctuation and runs of whitespace folded away."""
    return " ".join(re.sub(r"[^\w\s]|_", " ", text.casefold()).split())


def asks_for(folded: str) -> str:
    """The kind of answer a folded question wants: its question word ("when", "how many"),
    "yes/no" when it opens with a verb, "" when it doesn't say ("turnout")."""
    match = _ASKS.search(folded)
    if match:
        return match[1]
    return "yes/no" if _YES_NO.match(folded) else ""


def _same_kind(one: str, other: str) -> bool:
    return one == other or not one or not other


def group_questions(questions: Sequence[str], embed: Embed | None = None) -> list[list[int]]:
    """Indices of `questions` grouped by question, the most asked first.

    Equal once folded, they are one group; with `embed`, a group also takes in every smaller
    one asking for the same kind of answer (or not saying) whose folded text has a cosine of
    at least GROUP_COSINE with its own.
    """
    by_text: dict[str, list[int]] = {}
    for i, question in enumerate(questions):
        by_text.setdefault(fold(question), []).append(i)
    # Most asked first, then first asked: a group is led by its most common wording.
    groups = sorted(by_text.values(), key=lambda g: (-len(g), g[0]))
    if embed is None or len(groups) < 2:
        return groups
    keys = [fold(questions[g[0]]) for g in groups]
    kinds = [asks_for(key) for key in keys]
    vectors = np.asarray(embed(keys), dtype=np.float32)
    leaders: list[int] = []  # positions in `groups` of the groups that lead a merged one
    merged: dict[int, list[int]] = {}
    for j, group in enumerate(groups):
        near = [
            i
            for i in leaders
            if _same_kind(kinds[i], kinds[j]) and float(vectors[i] @ vectors[j]) >= GROUP_COSINE
        ]
        if near:
            merged[near[0]].extend(group)
        else:
            leaders.append(j)
            merged[j] = list(group)
    return sorted((sorted(merged[i]) for i in leaders), key=lambda g: (-len(g), g[0]))


def open_readonly(path: Path) -> sqlite3.Connection:
    """The feedback database, opened read-only; NoFeedback when there is none (never created)."""
    path = Path(path)
    if not path.is_file():
        raise NoFeedback(
            f"No feedback yet: {path} does not exist (the bot creates it at the first answer)."
        )
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        raise FeedbackError(f"cannot read the feedback database {path}: {exc}") from exc
    if version > SCHEMA_VERSION:
        conn.close()
        raise FeedbackError(
            f"{path} is from a newer election-bot (schema {version}, this one reads up to "
            f"{SCHEMA_VERSION})"
        )
    return conn


@dataclass(frozen=True)
class Quote:
    """A passage an answer showed."""

    rank: int
    article_id: str
    passage_id: int
    relevance: float
    quote: str


@dataclass
class Totals:
    answers: int = 0
    unanswered: int = 0
    votes_up: int = 0
    votes_down: int = 0

    def __add__(self, other: Totals) -> Totals:
        mine, theirs = asdict(self).values(), asdict(other).values()
        return Totals(*(a + b for a, b in zip(mine, theirs, strict=True)))


@dataclass
class Rated:
    """A question whose answers got more 👎 than 👍."""

    question: str  # its most common wording
    wordings: list[str]  # every wording it was asked in
    up: int
    down: int
    answers: int  # answers that were voted on
    quotes: list[Quote]  # what its worst-rated answer showed


@dataclass
class Gap:
    """A question the bot could not answer, however it was worded."""

    question: str  # its most common wording
    wordings: list[str]
    asked: int
    reasons: dict[str, int]
    best_relevance: float


@dataclass
class FeedbackReport:
    path: str
    since: str | None  # UTC time, None: since the start
    totals: Totals  # everything, counted-only included
    counted_only: Totals  # the part kept as counts only (STORE_QUESTIONS=false)
    worst: list[Rated] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)

    def as_dict(self, top: int | None = None) -> dict:
        return {
            "path": self.path,
            "since": self.since,
            "totals": asdict(self.totals),
            "counted_only": asdict(self.counted_only),
            "worst_rated": [asdict(r) for r in self.worst[:top]],
            "unanswered": [asdict(g) for g in self.gaps[:top]],
        }


def build_report(
    conn: sqlite3.Connection,
    *,
    days: int | None = None,
    now: datetime | None = None,
    embed: Embed | None = None,
    path: str = "",
) -> FeedbackReport:
    """Totals, the worst-rated questions and the unanswered ones, over the last `days` days."""
    since = None
    if days is not None:
        since = now_text((now or datetime.now(UTC)) - timedelta(days=days))
    after = since or ""  # every stored time is later than ""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    kept, counted = Totals(), Totals()
    if "answers" in tables:
        kept = _kept_totals(conn, after)
    if "counts" in tables:
        counted = _counted_totals(conn, after[:10])
    report = FeedbackReport(path, since, kept + counted, counted)
    if "answers" in tables:
        report.worst = _worst(conn, after, embed)
        report.gaps = _gaps(conn, after, embed)
    return report


def _kept_totals(conn: sqlite3.Connection, after: str) -> Totals:
    def count(sql: str) -> int:
        return conn.execute(sql, (after,)).fetchone()[0]

    return Totals(
        answers=count("SELECT count(*) FROM answers WHERE asked_at >= ?"),
        unanswered=count("SELECT count(*) FROM unanswered WHERE asked_at >= ?"),
        votes_up=count("SELECT count(*) FROM votes WHERE vote = 1 AND voted_at >= ?"),
        votes_down=count("SELECT count(*) FROM votes WHERE vote = -1 AND voted_at >= ?"),
    )


def _counted_totals(conn: sqlite3.Connection, day: str) -> Totals:
    rows = dict(
        conn.execute("SELECT name, sum(n) FROM counts WHERE day >= ? GROUP BY name", (day,))
    )
    return Totals(*(rows.get(name, 0) for name in COUNTS))


def _wordings(questions: Sequence[str], group: Sequence[int]) -> tuple[str, list[str]]:
    """The most common wording of a group (the first asked on a tie) and all its wordings."""
    texts = Counter(" ".join(questions[i].split()) for i in group)
    return texts.most_common(1)[0][0], list(texts)


def _worst(conn: sqlite3.Connection, after: str, embed: Embed | None) -> list[Rated]:
    rows = conn.execute(
        "SELECT a.id, a.question, sum(v.vote = 1), sum(v.vote = -1) FROM answers a"
        " JOIN votes v ON v.answer_id = a.id WHERE v.voted_at >= ?"
        " GROUP BY a.id ORDER BY a.asked_at, a.id",
        (after,),
    ).fetchall()
    rated = []
    for group in group_questions([r[1] for r in rows], embed):
        up, down = sum(rows[i][2] for i in group), sum(rows[i][3] for i in group)
        if down <= up:
            continue
        # Its worst answer, the latest on a tie (`group` is in the order they were asked).
        worst = min(reversed(group), key=lambda i: rows[i][2] - rows[i][3])
        quotes = [
            Quote(*row)
            for row in conn.execute(
                "SELECT rank, article_id, passage_id, relevance, quote FROM shown"
                " WHERE answer_id = ? ORDER BY rank",
                (rows[worst][0],),
            )
        ]
        question, wordings = _wordings([r[1] for r in rows], group)
        rated.append(Rated(question, wordings, up, down, len(group), quotes))
    return sorted(rated, key=lambda r: (r.up - r.down, -r.down))


def _gaps(conn: sqlite3.Connection, after: str, embed: Embed | None) -> list[Gap]:
    rows = conn.execute(
        "SELECT question, reason, relevance FROM unanswered WHERE asked_at >= ? ORDER BY id",
        (after,),
    ).fetchall()
    questions = [r[0] for r in rows]
    gaps = []
    for group in group_questions(questions, embed):
        question, wordings = _wordings(questions, group)
        reasons = Counter(rows[i][1] for i in group)
        best = max(rows[i][2] for i in group)
        gaps.append(Gap(question, wordings, len(group), dict(reasons.most_common()), best))
    return gaps


# --- text --------------------------------------------------------------------------------------


def format_report(report: FeedbackReport, top: int = 10) -> str:
    """The report as text for a terminal."""
    t = report.totals
    when = f"since {report.since}" if report.since else "since the start"
    lines = [
        f"Feedback in {report.path}, {when}:",
        f"  answers {t.answers}, unanswered {t.unanswered}; "
        f"votes 👍 {t.votes_up}, 👎 {t.votes_down}",
    ]
    c = report.counted_only
    if c != Totals():
        lines.append(
            f"  of which kept as counts only, without questions (STORE_QUESTIONS=false): "
            f"answers {c.answers}, unanswered {c.unanswered}; 👍 {c.votes_up}, 👎 {c.votes_down}"
        )
    lines += ["", f"Worst-rated questions (more 👎 than 👍): {len(report.worst)}"]
    for n, rated in enumerate(report.worst[:top], 1):
        lines.append(
            f"{n:>3}. {rated.question}  (👎 {rated.down}, 👍 {rated.up}; "
            f"{rated.answers} answer{'s' if rated.answers != 1 else ''})"
        )
        lines += _also(rated.question, rated.wordings)
        for q in rated.quotes:
            where = f"{q.article_id or '?'} #{q.passage_id}"
            lines.append(f"       {q.rank}. [{q.relevance:.2f} {where}] {_short(q.quote, 110)}")
    lines += ["", f"Most-asked unanswered questions: {len(report.gaps)}"]
    for n, gap in enumerate(report.gaps[:top], 1):
        reasons = ", ".join(f"{r} {k}" for r, k in gap.reasons.items())
        lines.append(
            f"{n:>3}. {gap.question}  ({gap.asked}×: {reasons}; "
            f"best relevance {gap.best_relevance:.2f})"
        )
        lines += _also(gap.question, gap.wordings)
    hidden = max(0, len(report.worst) - top) + max(0, len(report.gaps) - top)
    if hidden:
        lines += ["", f"({hidden} more not shown: --top N shows more, --export writes them all)"]
    return "\n".join(lines) + "\n"


def stats_text(report: FeedbackReport | None, top: int = 3) -> str:
    """The feedback part of /stats: the votes, and the most-asked unanswered questions."""
    if report is None:
        return "Feedback: the database can't be read now (the log says why)."
    t = report.totals
    lines = [
        f"Votes: 👍 {t.votes_up}, 👎 {t.votes_down}; answers: {t.answers}, "
        f"unanswered: {t.unanswered}"
    ]
    if report.gaps:
        lines.append("Top gaps (most-asked unanswered):")
        lines += [
            f"{n}. {_short(gap.question, 80)} ({gap.asked}×)"
            for n, gap in enumerate(report.gaps[:top], 1)
        ]
    elif t.unanswered:
        lines.append("Top gaps: questions are not kept (STORE_QUESTIONS=false)")
    return "\n".join(lines)


def _also(question: str, wordings: Sequence[str]) -> list[str]:
    others = [w for w in wordings if w != question]
    if not others:
        return []
    shown = "; ".join(_short(w, 80) for w in others[:SHOWN_WORDINGS])
    more = f" (+{len(others) - SHOWN_WORDINGS} more)" if len(others) > SHOWN_WORDINGS else ""
    return [f"       also asked as: {shown}{more}"]


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- export ------------------------------------------------------------------------------------


def export_misses(report: FeedbackReport, path: Path) -> tuple[int, int]:
    """Append the 👎 and unanswered questions to `path` as eval records; (added, skipped).

    A question is added once: one whose wording (folded) is already in the file, from an
    earlier export or a person's edit, is skipped, so running it again adds only new misses.
    `kind` and `evidence` are left empty for a person to fill in; `note` says why it is there.
    The file is replaced whole (written beside it, then renamed): never half-written.
    """
    path = Path(path)
    existing = _read_jsonl(path)
    seen = {fold(str(row.get("question", ""))) for row in existing}
    records, skipped = [], 0
    misses = [(r.question, r.wordings, f"rated 👎 {r.down}, 👍 {r.up}") for r in report.worst] + [
        (g.question, g.wordings, f"unanswered {g.asked}× ({', '.join(g.reasons)})")
        for g in report.gaps
    ]
    for question, wordings, note in misses:
        folded = {fold(w) for w in [question, *wordings]}
        if folded & seen:
            skipped += 1
            continue
        seen |= folded
        records.append({
            "id": "feedback-" + sha256(fold(question).encode()).hexdigest()[:10],
            "kind": "",
            "question": question,
            "evidence": [],
            "note": note,
        })  # fmt: skip
    if records:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        if text and not text.endswith("\n"):
            text += "\n"
        text += "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        _replace(path, text)
    return len(records), skipped


def _read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise FeedbackError(f"cannot read {path}: {exc}") from exc
    rows = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise FeedbackError(f"{path}, line {n}: not JSON ({exc}); nothing written") from exc
        rows.append(row if isinstance(row, dict) else {})
    return rows


def _replace(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise FeedbackError(f"cannot write {path}: {exc}") from exc
