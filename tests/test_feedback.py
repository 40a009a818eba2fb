"""The feedback store: migrations, votes, counts-only mode, and faults that never cost an answer."""

from __future__ import annotations

import asyncio
import logging
import shutil
import sqlite3
import stat
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import feedback
from bot.feedback import (
    SCHEMA_VERSION,
    FeedbackStore,
    Vote,
    migrate,
    person_key,
    read_salt,
    salt_path,
)
from retrieval.records import Hit, Source

SOURCE = Source("Kazakhstan votes", "Reuters", "https://example.test/r", "2019-06-10")
HITS = [
    Hit("Tokayev won. By far.", 0.61, SOURCE, 12, "Tokayev won.", article_id="reuters-vote"),
    Hit("Turnout was 77 percent.", 0.48, SOURCE, 40, "", article_id="reuters-vote"),
]
# Telegram ids as they look: ten digits, unlike anything else the database holds.
USER_IDS = [7_341_000_000 + 7919 * i for i in range(200)]
WHEN = datetime(2019, 6, 9, 12, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "feedback.sqlite3"


@pytest.fixture
def store(db: Path) -> Iterator[FeedbackStore]:
    s = FeedbackStore(db, clock=lambda: WHEN)
    yield s
    s.close()


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == feedback.__name__ and r.levelno >= logging.WARNING
    ]


# --- the schema --------------------------------------------------------------------------------


async def test_created_on_first_use_in_wal_mode_at_the_latest_schema(
    store: FeedbackStore, db: Path
) -> None:
    assert not db.exists()
    assert await store.record_unanswered("What about pizza?", "low relevance", 0.21, "fp")
    assert rows(db, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert rows(db, "PRAGMA journal_mode") == [("wal",)]
    kept = rows(db, "SELECT question, reason, relevance, fingerprint, asked_at FROM unanswered")
    assert kept == [("What about pizza?", "low relevance", 0.21, "fp", "2019-06-09T12:00:00Z")]


async def test_migrates_an_empty_file(store: FeedbackStore, db: Path) -> None:
    db.parent.mkdir(parents=True)
    db.touch()
    assert await store.record_answer("a1", "Who won?", HITS, "fp")
    tables = {name for (name,) in rows(db, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"answers", "shown", "votes", "unanswered", "counts"}
    assert rows(db, "PRAGMA user_version") == [(SCHEMA_VERSION,)]


async def test_migrates_from_version_1_keeping_its_rows(db: Path) -> None:
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db, isolation_level=None)
    assert migrate(conn, upto=1) == 1
    conn.execute("INSERT INTO answers VALUES ('old', '2019-06-01T00:00:00Z', 'Who ran?', 'fp0')")
    conn.execute("INSERT INTO votes VALUES ('old', 'k', -1, '2019-06-01T00:00:01Z')")
    conn.close()
    assert "counts" not in {n for (n,) in rows(db, "SELECT name FROM sqlite_master")}

    store = FeedbackStore(db, keep_questions=False)  # it writes to the table version 2 adds
    try:
        assert await store.record_unanswered("Pizza?", "low relevance", 0.2, "fp")
    finally:
        store.close()
    assert rows(db, "PRAGMA user_version") == [(2,)]
    assert rows(db, "SELECT question FROM answers") == [("Who ran?",)]
    assert rows(db, "SELECT vote FROM votes") == [(-1,)]
    assert rows(db, "SELECT name, n FROM counts ORDER BY name") == [
        ("unanswered", 1),
        ("unanswered: low relevance", 1),
    ]


async def test_a_newer_schema_is_left_alone(
    store: FeedbackStore, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db.parent.mkdir(parents=True)
    sqlite3.connect(db).execute("PRAGMA user_version = 99").connection.close()
    assert not await store.record_answer("a1", "Who won?", HITS, "fp")
    assert rows(db, "PRAGMA user_version") == [(99,)]
    assert rows(db, "SELECT count(*) FROM sqlite_master") == [(0,)]
    assert len(warnings(caplog)) == 1 and "newer election-bot" in warnings(caplog)[0]


# --- answers and votes -------------------------------------------------------------------------


async def test_an_answer_keeps_its_question_and_passages(store: FeedbackStore, db: Path) -> None:
    assert await store.record_answer("a1", "Who won?", HITS, "fp1", first_rank=4)
    assert rows(db, "SELECT id, question, fingerprint FROM answers") == [("a1", "Who won?", "fp1")]
    assert rows(db, "SELECT * FROM shown ORDER BY rank") == [
        ("a1", 4, "reuters-vote", 12, 0.61, "Tokayev won."),
        ("a1", 5, "reuters-vote", 40, 0.48, "Turnout was 77 percent."),
    ]


async def test_one_vote_per_person_per_answer_and_a_second_press_changes_it(
    store: FeedbackStore, db: Path
) -> None:
    await store.record_answer("a1", "Who won?", HITS, "fp")
    await store.record_answer("a2", "Who lost?", HITS, "fp")
    me, you = USER_IDS[:2]
    assert await store.vote("a1", me, 1) is Vote.RECORDED
    assert await store.vote("a1", me, -1) is Vote.RECORDED
    assert await store.vote("a1", you, 1) is Vote.RECORDED
    assert await store.vote("a2", me, 1) is Vote.RECORDED
    assert sorted(rows(db, "SELECT answer_id, vote FROM votes")) == [
        ("a1", -1),
        ("a1", 1),
        ("a2", 1),
    ]
    # One person's keys differ from answer to answer: their votes can't be linked up.
    assert len({p for (p,) in rows(db, "SELECT person FROM votes")}) == 3


async def test_a_vote_on_an_answer_never_given_is_unknown(store: FeedbackStore, db: Path) -> None:
    assert await store.vote("forged", USER_IDS[0], 1) is Vote.UNKNOWN
    assert rows(db, "SELECT count(*) FROM votes") == [(0,)]
    with pytest.raises(ValueError):
        await store.vote("forged", USER_IDS[0], 2)


async def test_200_votes_at_once_are_all_stored(store: FeedbackStore, db: Path) -> None:
    await asyncio.gather(*(store.record_answer(f"a{i}", "Who won?", HITS, "fp") for i in range(4)))
    outcomes = await asyncio.gather(
        *(store.vote(f"a{i % 4}", user, 1 if i % 3 else -1) for i, user in enumerate(USER_IDS))
    )
    assert outcomes == [Vote.RECORDED] * 200
    assert rows(db, "SELECT count(*), sum(vote = 1), sum(vote = -1) FROM votes") == [(200, 133, 67)]


async def test_200_votes_at_once_from_two_stores_on_one_file(db: Path) -> None:
    """Two writers (two bot processes, say) contend for the lock: busy waits, none lost."""
    first, second = FeedbackStore(db), FeedbackStore(db)
    try:
        await first.record_answer("a1", "Who won?", HITS, "fp")
        outcomes = await asyncio.gather(
            *((first, second)[i % 2].vote("a1", user, 1) for i, user in enumerate(USER_IDS))
        )
    finally:
        first.close()
        second.close()
    assert outcomes == [Vote.RECORDED] * 200
    assert rows(db, "SELECT count(*) FROM votes") == [(200,)]


async def test_no_raw_telegram_id_in_any_file(store: FeedbackStore, db: Path) -> None:
    await store.record_answer("a1", "Who won?", HITS, "fp")
    for user in USER_IDS[:50]:
        await store.vote("a1", user, 1)
    files = [db, db.with_name(db.name + "-wal"), salt_path(db)]
    assert files[1].exists()  # the votes are (also) in the write-ahead log while the bot runs
    written = b"".join(path.read_bytes() for path in files)
    assert b"Who won?" in written  # the check can see what was written
    for user in USER_IDS[:50]:
        assert str(user).encode() not in written
        assert str(user).encode("utf-16-le") not in written
    assert stat.S_IMODE(salt_path(db).stat().st_mode) == 0o600


async def test_a_restart_loses_nothing_confirmed_and_keeps_the_salt(db: Path) -> None:
    first = FeedbackStore(db)
    await first.record_answer("a1", "Who won?", HITS, "fp")
    assert await first.vote("a1", USER_IDS[0], 1) is Vote.RECORDED
    # No close(): as after a crash, another connection must already see what was confirmed.
    assert rows(db, "SELECT vote FROM votes") == [(1,)]
    second = FeedbackStore(db)
    try:
        assert await second.vote("a1", USER_IDS[0], -1) is Vote.RECORDED
    finally:
        first.close()
        second.close()
    assert rows(db, "SELECT vote FROM votes") == [(-1,)]  # the same person: changed, not added


def test_the_salt_is_made_once_and_a_damaged_one_is_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "f.salt"
    salt = read_salt(path)
    assert read_salt(path) == salt and len(salt) == 32
    assert person_key(salt, "a1", 1) != person_key(salt, "a2", 1)
    path.write_text("garbage")
    with pytest.raises(feedback.FeedbackError, match="damaged"):
        read_salt(path)
    assert path.read_text() == "garbage"


# --- STORE_QUESTIONS=false ---------------------------------------------------------------------


async def test_store_questions_false_keeps_only_daily_counts(db: Path) -> None:
    store = FeedbackStore(db, keep_questions=False, clock=lambda: WHEN)
    try:
        await store.record_answer("a1", "Who won the election?", HITS, "fp")
        await store.record_answer("a2", "Who won the election?", HITS, "fp")
        await store.record_unanswered("What about pizza?", "low relevance", 0.2, "fp")
        await store.record_unanswered("Who is Zelensky?", "unknown name", 0.4, "fp")
        me, you = USER_IDS[:2]
        assert await store.vote("a1", me, 1) is Vote.RECORDED
        assert await store.vote("a1", me, 1) is Vote.RECORDED  # the same again: no change
        assert await store.vote("a1", me, -1) is Vote.RECORDED  # changed: moves to 👎
        assert await store.vote("a1", you, -1) is Vote.RECORDED
        assert await store.vote("a2", you, 1) is Vote.RECORDED
        assert await store.vote("never", me, 1) is Vote.UNKNOWN
        written = db.read_bytes() + db.with_name(db.name + "-wal").read_bytes()
    finally:
        store.close()
    assert rows(db, "SELECT day, name, n FROM counts ORDER BY name") == [
        ("2019-06-09", "answers", 2),
        ("2019-06-09", "unanswered", 2),
        ("2019-06-09", "unanswered: low relevance", 1),
        ("2019-06-09", "unanswered: unknown name", 1),
        ("2019-06-09", "votes down", 2),
        ("2019-06-09", "votes up", 1),
    ]
    for table in ("answers", "shown", "votes", "unanswered"):
        assert rows(db, f"SELECT count(*) FROM {table}") == [(0,)]
    assert b"pizza" not in written and b"Who won" not in written
    assert not salt_path(db).exists()


# --- faults ------------------------------------------------------------------------------------


async def exercise(store: FeedbackStore) -> list[object]:
    """Every call the bot makes, several times; none may raise."""
    outcomes: list[object] = []
    for i in range(5):
        outcomes.append(await store.record_answer(f"x{i}", "Who won?", HITS, "fp"))
        outcomes.append(await store.vote(f"x{i}", USER_IDS[i], 1))
        outcomes.append(await store.record_unanswered("Pizza?", "low relevance", 0.1, "fp"))
    return outcomes


@pytest.fixture
async def answered(db: Path) -> Path:
    """A database holding one answer, "a1", closed."""
    setup = FeedbackStore(db)
    await setup.record_answer("a1", "Who won?", HITS, "fp")
    setup.close()
    return db


async def test_a_read_only_database_costs_the_votes_with_one_warning(
    answered: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    db = answered
    before = db.read_bytes()
    connect = sqlite3.connect

    def read_only(path: object, **kwargs: object) -> sqlite3.Connection:
        # As root, chmod doesn't stop writes; SQLite's read-only mode does, with the same error.
        return connect(f"{Path(str(path)).as_uri()}?mode=ro", uri=True, **kwargs)

    monkeypatch.setattr(feedback.sqlite3, "connect", read_only)
    store = FeedbackStore(db, pause=0)  # no pause: every call really tries the database
    try:
        outcomes = await exercise(store)
        assert await store.vote("a1", USER_IDS[0], 1) is Vote.LOST
    finally:
        store.close()
    assert outcomes == [False, Vote.LOST, False] * 5
    assert len(warnings(caplog)) == 1, warnings(caplog)
    assert "readonly" in warnings(caplog)[0]
    assert db.read_bytes() == before


def _chmod_binds() -> bool:
    """Whether a file without write permission refuses writes (not to root, as a rule)."""
    probe = Path(tempfile.mkdtemp()) / "probe"
    probe.write_text("")
    probe.chmod(0o444)
    try:
        with open(probe, "a"):
            return False
    except PermissionError:
        return True
    finally:
        shutil.rmtree(probe.parent)


@pytest.mark.skipif(not _chmod_binds(), reason="this user writes through chmod (root)")
async def test_a_chmod_read_only_database_costs_the_votes_with_one_warning(
    answered: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = answered
    db.chmod(0o444)
    db.parent.chmod(0o555)
    try:
        store = FeedbackStore(db, pause=0)
        try:
            outcomes = await exercise(store)
        finally:
            store.close()
    finally:
        db.parent.chmod(0o755)
    assert outcomes == [False, Vote.LOST, False] * 5
    assert len(warnings(caplog)) == 1, warnings(caplog)


async def test_a_full_disk_costs_the_votes_with_one_warning(
    answered: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    db = answered
    connect = sqlite3.connect

    def full(*args: object, **kwargs: object) -> sqlite3.Connection:
        conn = connect(*args, **kwargs)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")  # not one page more: SQLITE_FULL
        return conn

    monkeypatch.setattr(feedback.sqlite3, "connect", full)
    store = FeedbackStore(db, pause=0)
    try:
        long = "Who won? " * 2000  # more than the free space left in the file's pages
        outcomes = [await store.record_answer(f"x{i}", long, HITS, "fp") for i in range(5)]
    finally:
        store.close()
    assert outcomes == [False] * 5
    assert len(warnings(caplog)) == 1 and "full" in warnings(caplog)[0]


async def test_a_locked_database_costs_the_votes_then_works_again(
    db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = FeedbackStore(db, busy_timeout=0.05, attempts=2, pause=0)
    try:
        await store.record_answer("a1", "Who won?", HITS, "fp")
        other = sqlite3.connect(db, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")  # another process holding the lock
        try:
            assert await store.vote("a1", USER_IDS[0], 1) is Vote.LOST
            assert await store.vote("a1", USER_IDS[1], 1) is Vote.LOST
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert await store.vote("a1", USER_IDS[2], 1) is Vote.RECORDED
    finally:
        store.close()
    assert rows(db, "SELECT count(*) FROM votes") == [(1,)]
    assert len(warnings(caplog)) == 2  # one when it failed, one when it worked again
    assert "locked" in warnings(caplog)[0] and "works again" in warnings(caplog)[1]


async def test_a_corrupt_file_costs_the_votes_and_is_left_as_it_is(
    db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db.parent.mkdir(parents=True)
    garbage = b"this is not a database, it is a shopping list\n" * 200
    db.write_bytes(garbage)
    store = FeedbackStore(db, pause=0)
    try:
        outcomes = await exercise(store)
    finally:
        store.close()
    assert outcomes == [False, Vote.LOST, False] * 5
    assert len(warnings(caplog)) == 1 and "not a database" in warnings(caplog)[0]
    assert db.read_bytes() == garbage


async def test_after_a_failure_the_database_is_left_alone_for_a_pause(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db.parent.mkdir(parents=True)
    db.write_bytes(b"garbage" * 1000)
    opened = []
    connect = sqlite3.connect
    monkeypatch.setattr(
        feedback.sqlite3, "connect", lambda *a, **k: opened.append(1) or connect(*a, **k)
    )
    store = FeedbackStore(db, pause=60)
    try:
        await exercise(store)
    finally:
        store.close()
    assert len(opened) == 1  # the other 14 calls failed at once, without touching the disk
