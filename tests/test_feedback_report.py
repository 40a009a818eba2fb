"""`election-bot feedback`: totals, worst-rated and unanswered questions, export, on a seeded DB."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from bot.feedback import FeedbackError, FeedbackStore
from bot.feedback_report import (
    Totals,
    asks_for,
    build_report,
    export_misses,
    fold,
    format_report,
    group_questions,
    open_readonly,
)
from retrieval.encoders import HashEncoder
from retrieval.evaluate import load_questions
from retrieval.records import Hit, Source

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2019, 6, 20, 12, 0, tzinfo=UTC)
SOURCE = Source("Kazakhstan votes", "Reuters", "https://example.test/r", "2019-06-10")


def hit(pid: int, best: str) -> Hit:
    return Hit(f"Before. {best} After.", 0.5 + pid / 100, SOURCE, pid, best, article_id="reuters")


class Clock:
    def __init__(self, when: datetime) -> None:
        self.when = when

    def __call__(self) -> datetime:
        return self.when


async def seed(db: Path, recent: datetime = NOW - timedelta(days=1)) -> None:
    """A small session: two old events, then answers, votes and refusals a day before NOW."""
    clock = Clock(recent - timedelta(days=18))
    store = FeedbackStore(db, clock=clock)
    try:
        await store.record_answer("o1", "Who was arrested?", [hit(1, "Many.")], "fp0")
        await store.vote("o1", 101, -1)
        await store.record_unanswered("An old gap?", "low relevance", 0.1, "fp0")
        clock.when = recent
        await store.record_answer("w1", "Who won the election?", [hit(2, "Nobody.")], "fp")
        await store.record_answer("w2", "who won  the election", [hit(3, "Wrong one.")], "fp")
        await store.record_answer("g1", "What was the turnout?", [hit(4, "77.4%.")], "fp")
        await store.record_answer("m1", "Were there protests?", [hit(5, "Yes.")], "fp")
        for answer_id, user, vote in [
            ("w1", 1, -1), ("w1", 2, -1), ("w1", 3, 1), ("w2", 4, -1),
            ("g1", 5, 1), ("g1", 6, 1), ("m1", 7, 1), ("m1", 8, -1),
        ]:  # fmt: skip
            await store.vote(answer_id, user, vote)
        for question, reason, relevance in [
            ("What is the best pizza recipe?", "low relevance", 0.21),
            ("What is the best pizza recipe?", "low relevance", 0.25),
            ("what is the BEST pizza recipe", "low relevance", 0.2),
            ("Pizza recipe: what is the best?", "low relevance", 0.3),
            ("Who is Zelensky?", "unknown name", 0.41),
        ]:
            await store.record_unanswered(question, reason, relevance, "fp")
    finally:
        store.close()


@pytest.fixture
async def db(tmp_path: Path) -> Path:
    path = tmp_path / "feedback.sqlite3"
    await seed(path)
    return path


def embed(texts: list[str]):
    return HashEncoder().encode(texts)


def test_fold_and_group_questions() -> None:
    assert fold("  What's  the TURNOUT?!") == "what s the turnout"
    questions = ["Who won?", "who won", "Pizza, best?", "Best pizza", "WHO WON!!", "best pizza?"]
    assert group_questions(questions) == [[0, 1, 4], [3, 5], [2]]
    # The same words in another order: one question once embedded (bag of words here).
    assert group_questions(questions, embed) == [[0, 1, 4], [2, 3, 5]]


def test_questions_asking_for_different_kinds_of_answer_stay_apart() -> None:
    def alike(texts: list[str]) -> np.ndarray:  # every question the same vector
        return np.full((len(texts), 4), 0.5, dtype=np.float32)

    questions = [
        "When did the OSCE mission arrive?",
        "How many observers did the OSCE send?",
        "when did the OSCE observers arrive",
        "How old was he?",
        "Was the internet blocked?",
        "Did they block the internet?",
        "Why was the internet blocked?",
        "Internet blocked?",  # says no kind: may join any
    ]
    kinds = ["when", "how many", "when", "how old", "yes/no", "yes/no", "why", ""]
    assert [asks_for(fold(q)) for q in questions] == kinds
    assert group_questions(questions, alike) == [[0, 2, 7], [4, 5], [1], [3], [6]]


async def test_report_on_a_seeded_database(db: Path) -> None:
    conn = open_readonly(db)
    report = build_report(conn, days=7, now=NOW, embed=embed, path=str(db))
    assert report.totals == Totals(answers=4, unanswered=5, votes_up=4, votes_down=4)
    assert report.counted_only == Totals()

    (rated,) = report.worst  # "Were there protests?" got one of each: not worse than it is good
    assert (rated.question, rated.up, rated.down, rated.answers) == (
        "Who won the election?", 1, 3, 2
    )  # fmt: skip
    assert rated.wordings == ["Who won the election?", "who won the election"]
    # the quotes of its worst answer, the latest on a tie
    assert [(q.rank, q.article_id, q.passage_id, q.quote) for q in rated.quotes] == [
        (1, "reuters", 3, "Wrong one.")
    ]

    pizza, zelensky = report.gaps
    assert (pizza.question, pizza.asked, pizza.reasons) == (
        "What is the best pizza recipe?", 4, {"low relevance": 4}
    )  # fmt: skip
    assert pizza.best_relevance == 0.3 and len(pizza.wordings) == 3
    assert (zelensky.question, zelensky.reasons) == ("Who is Zelensky?", {"unknown name": 1})

    text = format_report(report)
    assert "answers 4, unanswered 5; votes 👍 4, 👎 4" in text
    assert "Who won the election?  (👎 3, 👍 1; 2 answers)" in text
    assert "[0.53 reuters #3] Wrong one." in text
    assert "What is the best pizza recipe?  (4×: low relevance 4; best relevance 0.30)" in text
    assert json.loads(json.dumps(report.as_dict()))["unanswered"][1]["question"] == (
        "Who is Zelensky?"
    )


async def test_days_and_grouping_by_text_alone(db: Path) -> None:
    report = build_report(open_readonly(db), now=NOW)
    assert report.since is None
    assert report.totals == Totals(answers=5, unanswered=6, votes_up=4, votes_down=5)
    assert [(g.question, g.asked) for g in report.gaps] == [
        ("What is the best pizza recipe?", 3),
        ("An old gap?", 1),
        ("Pizza recipe: what is the best?", 1),
        ("Who is Zelensky?", 1),
    ]
    assert [r.question for r in report.worst] == ["Who won the election?", "Who was arrested?"]


async def test_counts_only_events_are_in_the_totals(db: Path) -> None:
    store = FeedbackStore(db, keep_questions=False, clock=lambda: NOW)
    try:
        await store.record_answer("c1", "Not kept?", [hit(1, "x")], "fp")
        await store.vote("c1", 9, -1)
        await store.record_unanswered("Not kept either?", "low relevance", 0.1, "fp")
    finally:
        store.close()
    report = build_report(open_readonly(db), days=7, now=NOW)
    assert report.counted_only == Totals(answers=1, unanswered=1, votes_up=0, votes_down=1)
    assert report.totals == Totals(answers=5, unanswered=6, votes_up=4, votes_down=5)
    assert "kept as counts only" in format_report(report)
    assert all("kept" not in g.question for g in report.gaps)


async def test_export_writes_the_misses_once(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "misses.jsonl"
    report = build_report(open_readonly(db), days=7, now=NOW, embed=embed)
    assert export_misses(report, out) == (3, 0)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["question"], r["kind"], r["evidence"]) for r in records] == [
        ("Who won the election?", "", []),
        ("What is the best pizza recipe?", "", []),
        ("Who is Zelensky?", "", []),
    ]
    assert records[0]["note"] == "rated 👎 3, 👍 1"
    assert len({r["id"] for r in records}) == 3
    # A person fills one in; the next export adds nothing twice, and keeps their edit.
    records[0].update(kind="para", evidence=["Tokayev won"])
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    edited = out.read_text()
    assert export_misses(report, out) == (0, 3)
    assert out.read_text() == edited
    assert [q.question for q in load_questions(out)][0] == "Who won the election?"
    # A new miss is appended after them.
    wider = build_report(open_readonly(db), now=NOW, embed=embed)
    assert export_misses(wider, out) == (2, 3)
    assert out.read_text().startswith(edited)


def test_export_refuses_a_file_it_cannot_parse(tmp_path: Path) -> None:
    out = tmp_path / "misses.jsonl"
    out.write_text('{"id": 1}\nnot json\n')
    report = build_report(open_readonly(_empty_db(tmp_path)))
    with pytest.raises(FeedbackError, match="line 2"):
        export_misses(report, out)
    assert out.read_text() == '{"id": 1}\nnot json\n'


def _empty_db(tmp_path: Path) -> Path:
    path = tmp_path / "empty.sqlite3"
    sqlite3.connect(path).close()
    return path


def test_an_empty_or_absent_database(tmp_path: Path) -> None:
    report = build_report(open_readonly(_empty_db(tmp_path)))
    assert report.totals == Totals() and report.worst == [] and report.gaps == []
    with pytest.raises(FeedbackError, match="No feedback yet"):
        open_readonly(tmp_path / "absent.sqlite3")
    assert not (tmp_path / "absent.sqlite3").exists()


# --- the command -------------------------------------------------------------------------------


def feedback_cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ, FEEDBACK_DB=str(db), EMBEDDING_MODEL="hash", INDEX_DIR=str(db.parent / "i")
    )
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "feedback", *args],
        env=env,
        cwd=db.parent,  # not the repo: a developer's .env can't change the settings
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
async def test_the_command_reads_without_writing(tmp_path: Path) -> None:
    db = tmp_path / "feedback.sqlite3"
    out = feedback_cli(db)
    assert out.returncode == 0 and out.stdout == ""
    assert out.stderr.strip().splitlines() == [
        f"No feedback yet: {db} does not exist (the bot creates it at the first answer)."
    ]
    assert not db.exists()

    await seed(db, recent=datetime.now(UTC) - timedelta(hours=1))
    before = db.read_bytes()
    out = feedback_cli(db, "--days", "7")
    assert out.returncode == 0, out.stderr
    assert "answers 4, unanswered 5; votes 👍 4, 👎 4" in out.stdout
    # grouped with the (hash) encoder the retriever would use
    assert "What is the best pizza recipe?  (4×" in out.stdout
    report = json.loads(feedback_cli(db, "--json").stdout)
    assert report["totals"] == {"answers": 5, "unanswered": 6, "votes_up": 4, "votes_down": 5}
    misses = tmp_path / "misses.jsonl"
    first = feedback_cli(db, "--days", "7", "--export", str(misses))
    again = feedback_cli(db, "--days", "7", "--export", str(misses))
    assert "Exported 3 question(s)" in first.stderr
    assert "Exported 0 question(s)" in again.stderr and "(3 already there)" in again.stderr
    assert len(misses.read_text().splitlines()) == 3
    assert db.read_bytes() == before


@pytest.mark.slow
def test_the_command_names_a_damaged_database_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "feedback.sqlite3"
    db.write_bytes(b"not a database at all\n" * 100)
    out = feedback_cli(db)
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        f"election-bot: cannot read the feedback database {db}: file is not a database"
    ]
    bad = feedback_cli(db, "--days", "0")
    assert bad.returncode != 0 and "--days must be at least 1" in bad.stderr
