"""The feedback store: 👍/👎 on answers and the questions left unanswered, kept in SQLite.

Written by one thread (bot/sqlite_writer.py): the bot's coroutines hand it work and await the
outcome, so sqlite never runs on the event loop, 200 votes at once are one commit, and a
caller hears back only after the commit: what was confirmed survives a restart.

A database that can't be used (locked past the busy timeout, read-only, full, corrupt, from a
newer version) costs the vote, never the answer: one warning when it starts failing, then
the callers carry on with "lost" outcomes until it works again.

What is kept (README, "Privacy"): with STORE_QUESTIONS=true, each answer's question, the
passages shown and the index fingerprint; votes under a salted hash of the answer and the
person (never a Telegram id); unanswered questions with the refusal's reason and relevance.
With STORE_QUESTIONS=false, only the daily counts of `COUNTS`.
"""

from __future__ import annotations

import contextlib
import enum
import hmac
import logging
import os
import secrets
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from bot.sqlite_writer import Pending, SqliteWriter, UnusableDatabase
from retrieval.records import Hit

logger = logging.getLogger(__name__)

# Each entry migrates the schema from version i to i + 1 (PRAGMA user_version); a database is
# brought up to date, in one transaction, when the store first opens it. Append, never edit.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: answers shown, the passages in them, votes, unanswered questions.
    (
        """CREATE TABLE answers (
            id TEXT PRIMARY KEY,          -- the short random key in the vote buttons' data
            asked_at TEXT NOT NULL,       -- UTC, 2019-06-09T12:00:00Z
            question TEXT NOT NULL,
            fingerprint TEXT NOT NULL     -- the index's corpus fingerprint
        )""",
        """CREATE TABLE shown (
            answer_id TEXT NOT NULL REFERENCES answers(id) ON DELETE CASCADE,
            rank INTEGER NOT NULL,        -- 1 = first passage of the question's answers
            article_id TEXT NOT NULL,
            passage_id INTEGER NOT NULL,
            relevance REAL NOT NULL,
            quote TEXT NOT NULL,          -- the sentence shown in bold
            PRIMARY KEY (answer_id, rank)
        )""",
        """CREATE TABLE votes (
            answer_id TEXT NOT NULL REFERENCES answers(id) ON DELETE CASCADE,
            person TEXT NOT NULL,         -- salted hash of answer and user: see person_key
            vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
            voted_at TEXT NOT NULL,
            PRIMARY KEY (answer_id, person)
        )""",
        """CREATE TABLE unanswered (
            id INTEGER PRIMARY KEY,
            asked_at TEXT NOT NULL,
            question TEXT NOT NULL,
            reason TEXT NOT NULL,         -- the refusal: "low relevance", "unknown name", ...
            relevance REAL NOT NULL,      -- the best relevance found
            fingerprint TEXT NOT NULL
        )""",
    ),
    # 2: daily counts, all STORE_QUESTIONS=false keeps; the report filters by date.
    (
        """CREATE TABLE counts (
            day TEXT NOT NULL,            -- UTC, 2019-06-09
            name TEXT NOT NULL,           -- one of COUNTS, or "unanswered: <reason>"
            n INTEGER NOT NULL,
            PRIMARY KEY (day, name)
        )""",
        "CREATE INDEX answers_asked_at ON answers(asked_at)",
        "CREATE INDEX votes_voted_at ON votes(voted_at)",
        "CREATE INDEX unanswered_asked_at ON unanswered(asked_at)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)

# What STORE_QUESTIONS=false keeps, per UTC day. "answers": messages with passages sent (a
# "More" page is one); "unanswered": questions refused, also counted per reason as
# "unanswered: <reason>"; "votes up"/"votes down": the votes standing, a changed vote moving
# from one to the other (while the bot still remembers the answer: see FeedbackStore).
COUNTS = ("answers", "unanswered", "votes up", "votes down")
VOTE_NAMES = {1: "votes up", -1: "votes down"}

QUOTE_CHARS = 500  # a passage without a best sentence is kept to this length
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
T = TypeVar("T")


class FeedbackError(UnusableDatabase):
    """The feedback database or its salt can't be used as it is (named, for one-line messages)."""


class Vote(enum.StrEnum):
    """What became of a 👍/👎 press."""

    RECORDED = "recorded"
    UNKNOWN = "unknown answer"  # no answer was ever given under that id (forged, or forgotten)
    LOST = "lost"  # the database failed; the person is thanked all the same


def salt_path(db: Path) -> Path:
    """Where the person-key salt of the database `db` is kept: beside it."""
    return db.with_name(db.name + ".salt")


def now_text(when: datetime) -> str:
    return when.astimezone(UTC).strftime(TIME_FORMAT)


def migrate(conn: sqlite3.Connection, upto: int = SCHEMA_VERSION) -> int:
    """Bring the schema to version `upto`, in one transaction; the version it is at after."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise FeedbackError(
            f"the feedback database is from a newer election-bot (schema {version}, "
            f"this one knows up to {SCHEMA_VERSION})"
        )
    if version >= upto:
        return version  # nothing to write: a read-only database at the latest version still reads
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have
        for number in range(version + 1, upto + 1):
            for statement in MIGRATIONS[number - 1]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
        conn.execute("COMMIT")
    except BaseException:
        conn.rollback()
        raise
    return max(version, upto)


def read_salt(path: Path) -> bytes:
    """The salt kept in `path`, created once (0600, written whole or not at all)."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(secrets.token_hex(32) + "\n")
                f.flush()
                os.fsync(f.fileno())
            # link() never replaces: if another process made a salt meanwhile, theirs is kept.
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise FeedbackError(f"cannot read the salt {path}: {exc}") from exc
    try:
        salt = bytes.fromhex(text)
    except ValueError:
        salt = b""
    if len(salt) < 16:
        # Never replaced by a new one: that would quietly let everyone vote again on old answers.
        raise FeedbackError(f"the salt {path} is damaged; restore it or delete the database too")
    return salt


def person_key(salt: bytes, answer_id: str, user_id: int) -> str:
    """An anonymous key for one person's vote on one answer.

    Keyed by the answer too, so the keys of one person's votes on different answers can't be
    matched up: the key only serves to keep one vote per person per answer.
    """
    return hmac.new(salt, f"{answer_id}:{user_id}".encode(), "sha256").hexdigest()[:32]


def quote_of(hit: Hit) -> str:
    return (hit.best_sentence or hit.text)[:QUOTE_CHARS]


@dataclass
class FeedbackStore:
    """Votes and unanswered questions in the SQLite file `path`, written by one worker thread.

    The bot's methods queue their work at once and return a `Pending`, which resolves once the
    work is committed (or lost): so a vote is always written after the answer it is about, and
    an answer is sent while its record is written. `busy_timeout`, `attempts` and `pause` are
    the writer's (bot/sqlite_writer.py). With `keep_questions` False only the daily counts are
    written, and which answers exist and who voted what are kept in memory only, for the
    `remembered` most recent answers: a vote on an older one (or from before a restart) is
    "unknown".
    """

    path: Path
    keep_questions: bool = True
    busy_timeout: float = 1.0
    attempts: int = 3
    pause: float = 5.0
    remembered: int = 10_000
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    # The answers this process gave, most recent last: answer id -> {person key: vote} (the
    # votes only with STORE_QUESTIONS=false). A vote on one whose record was lost is "lost",
    # not "unknown": the person saw a real answer.
    _issued: OrderedDict[str, dict[str, int]] = field(default_factory=OrderedDict, repr=False)
    _issued_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _salt: bytes = field(default=b"", repr=False)  # read by the writer thread on connecting
    _writer: SqliteWriter = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        self._writer = SqliteWriter(
            self.path,
            self._prepare,
            what="votes and unanswered questions",
            log=logger,
            busy_timeout=self.busy_timeout,
            attempts=self.attempts,
            pause=self.pause,
        )
        if not self.keep_questions:
            # Keys that live only in memory: a salt that never touches the disk.
            self._salt = secrets.token_bytes(32)

    @classmethod
    def from_settings(cls, settings: Any) -> FeedbackStore:
        """The store of FEEDBACK_DB, keeping questions as STORE_QUESTIONS says."""
        return cls(Path(settings.feedback_db), keep_questions=settings.store_questions)

    @staticmethod
    def new_answer_id() -> str:
        """A short random key for an answer, for its vote buttons' data (8 characters)."""
        return secrets.token_urlsafe(6)

    # -- the bot's API --------------------------------------------------------------------------

    def record_answer(
        self,
        answer_id: str,
        question: str,
        hits: Sequence[Hit],
        fingerprint: str,
        *,
        first_rank: int = 1,
    ) -> Pending[bool]:
        """Keep an answer about to be sent, so votes on it know what it showed."""
        when = self.clock()
        with self._issued_lock:
            self._issued[answer_id] = {}
            while len(self._issued) > self.remembered:
                self._issued.popitem(last=False)
        if not self.keep_questions:
            return self._count(["answers"], when)

        def work(conn: sqlite3.Connection) -> bool:
            conn.execute(
                "INSERT INTO answers (id, asked_at, question, fingerprint) VALUES (?, ?, ?, ?)",
                (answer_id, now_text(when), question, fingerprint),
            )
            conn.executemany(
                "INSERT INTO shown (answer_id, rank, article_id, passage_id, relevance, quote)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (answer_id, rank, h.article_id, h.passage_id, float(h.score), quote_of(h))
                    for rank, h in enumerate(hits, first_rank)
                ],
            )
            return True

        return self._submit(work, lost=False)

    def record_unanswered(
        self, question: str, reason: str, relevance: float, fingerprint: str
    ) -> Pending[bool]:
        """Keep a question the bot refused to answer, with why and how close it came."""
        when = self.clock()
        if not self.keep_questions:
            return self._count(["unanswered", f"unanswered: {reason}"], when)

        def work(conn: sqlite3.Connection) -> bool:
            conn.execute(
                "INSERT INTO unanswered (asked_at, question, reason, relevance, fingerprint)"
                " VALUES (?, ?, ?, ?, ?)",
                (now_text(when), question, reason, float(relevance), fingerprint),
            )
            return True

        return self._submit(work, lost=False)

    def vote(self, answer_id: str, user_id: int, value: int) -> Pending[Vote]:
        """Record `user_id`'s 👍 (1) or 👎 (-1) on an answer; a second press replaces the first."""
        if value not in VOTE_NAMES:
            raise ValueError(f"a vote is 1 or -1, not {value!r}")
        when = self.clock()
        work = self._memory_vote if not self.keep_questions else self._db_vote
        return self._submit(lambda conn: work(conn, answer_id, user_id, value, when), Vote.LOST)

    def read(self, query: Callable[[sqlite3.Connection], T]) -> Pending[T | None]:
        """`query(connection)` run by the writer thread, outside any write; None if it failed."""
        return self._submit(query, lost=None, writes=False)

    def close(self, timeout: float = 10.0) -> None:
        """Finish the work queued so far and close the database (the store reopens on next use)."""
        self._writer.close(timeout)

    # -- the jobs -------------------------------------------------------------------------------

    def _db_vote(
        self, conn: sqlite3.Connection, answer_id: str, user_id: int, value: int, when: datetime
    ) -> Vote:
        if conn.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)).fetchone() is None:
            return Vote.LOST if self._given(answer_id) is not None else Vote.UNKNOWN
        conn.execute(
            "INSERT INTO votes (answer_id, person, vote, voted_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (answer_id, person) DO UPDATE"
            " SET vote = excluded.vote, voted_at = excluded.voted_at",
            (answer_id, person_key(self._salt, answer_id, user_id), value, now_text(when)),
        )
        return Vote.RECORDED

    def _memory_vote(
        self, conn: sqlite3.Connection, answer_id: str, user_id: int, value: int, when: datetime
    ) -> Vote:
        voters = self._given(answer_id)
        if voters is None:
            return Vote.UNKNOWN
        person = person_key(self._salt, answer_id, user_id)
        before = voters.get(person)
        if before == value:
            return Vote.RECORDED
        deltas = {VOTE_NAMES[value]: 1}
        if before is not None:
            deltas[VOTE_NAMES[before]] = -1  # a changed vote moves from one count to the other
        self._add(conn, when, deltas)
        voters[person] = value
        self._writer.on_rollback(
            lambda: voters.pop(person) if before is None else voters.update({person: before})
        )
        return Vote.RECORDED

    def _given(self, answer_id: str) -> dict[str, int] | None:
        """The votes on an answer this process gave, None if it gave none under that id."""
        with self._issued_lock:
            return self._issued.get(answer_id)

    def _count(self, names: list[str], when: datetime) -> Pending[bool]:
        def work(conn: sqlite3.Connection) -> bool:
            self._add(conn, when, dict.fromkeys(names, 1))
            return True

        return self._submit(work, lost=False)

    @staticmethod
    def _add(conn: sqlite3.Connection, when: datetime, deltas: dict[str, int]) -> None:
        day = when.astimezone(UTC).strftime("%Y-%m-%d")
        conn.executemany(
            "INSERT INTO counts (day, name, n) VALUES (?, ?, ?)"
            " ON CONFLICT (day, name) DO UPDATE SET n = n + excluded.n",
            [(day, name, delta) for name, delta in deltas.items()],
        )

    def _submit(
        self, work: Callable[[sqlite3.Connection], T], lost: T, writes: bool = True
    ) -> Pending[T]:
        return self._writer.submit(work, lost, writes=writes)

    def _prepare(self, conn: sqlite3.Connection) -> None:
        """A new connection: the schema brought up to date, the salt read (or made)."""
        migrate(conn)
        if self.keep_questions and not self._salt:
            self._salt = read_salt(salt_path(self.path))
