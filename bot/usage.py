"""Per-user rate limits, inline turns and service statistics: plain objects, no Telegram."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import Counter, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field


@dataclass
class RateLimits:
    """A sliding one-minute window of requests per user; `per_minute` 0 means no limit."""

    per_minute: int
    window: float = 60.0
    max_users: int = 100_000  # forget the least recently seen beyond this: memory stays bounded
    _seen: dict[int, deque[float]] = field(default_factory=dict)
    _told: dict[int, float] = field(default_factory=dict)  # when each user was last told to wait

    def allow(self, user_id: int, now: float | None = None) -> bool:
        """Count a request of `user_id`; False when it is over the limit (and not counted)."""
        if self.per_minute <= 0:
            return True
        now = time.monotonic() if now is None else now
        times = self._seen.pop(user_id, None) or deque()
        self._seen[user_id] = times  # re-inserted: dict order is least recently seen first
        while times and now - times[0] >= self.window:
            times.popleft()
        while len(self._seen) > self.max_users:
            del self._seen[next(iter(self._seen))]
        if len(times) >= self.per_minute:
            return False
        times.append(now)
        return True

    def tell(self, user_id: int, now: float | None = None) -> bool:
        """Whether a refused user should be told so: once a window, the rest refused quietly.

        A notice is a message too, and one user's flood of notices would share Telegram's
        ~30 messages a second with everyone's answers.
        """
        now = time.monotonic() if now is None else now
        last = self._told.pop(user_id, None)
        if last is not None and now - last < self.window:
            self._told[user_id] = last
            return False
        self._told[user_id] = now
        while len(self._told) > self.max_users:
            del self._told[next(iter(self._told))]
        return True


class LatestOnly:
    """Per user, one search at a time; of the queries that waited meanwhile, only the newest.

    Inline mode sends a query per keystroke (debounced by the client). The user only ever sees
    the answer to the last one, so the ones typed while a search ran are skipped unanswered:
    each user costs at most one search at a time, however fast they type.
    """

    def __init__(self) -> None:
        self._tickets = itertools.count()
        self._newest: dict[int, int] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: Counter[int] = Counter()

    @contextlib.asynccontextmanager
    async def turn(self, user_id: int) -> AsyncIterator[bool]:
        """Wait for the user's previous search; yields whether this query is still the newest."""
        ticket = self._newest[user_id] = next(self._tickets)
        lock = self._locks.setdefault(user_id, asyncio.Lock())
        self._waiting[user_id] += 1
        try:
            async with lock:
                yield self._newest[user_id] == ticket
        finally:
            self._waiting[user_id] -= 1
            if not self._waiting[user_id]:  # nobody left: forget the user
                del self._waiting[user_id], self._locks[user_id], self._newest[user_id]


@dataclass
class Stats:
    """Questions served, abstentions and answer latencies since start, for /stats."""

    started: float = field(default_factory=time.monotonic)
    questions: int = 0
    abstentions: int = 0
    refused: int = 0  # over the rate limit or the length cap (told or not)
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=10_000))

    def record(self, seconds: float, *, abstained: bool) -> None:
        self.questions += 1
        self.abstentions += abstained
        self.latencies.append(seconds)

    def percentile(self, p: float) -> float | None:
        """The `p` (0..100) percentile of recent latencies in seconds, None before any."""
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    def report(self, retries: int = 0) -> str:
        """/stats as plain text."""
        uptime = int(time.monotonic() - self.started)
        hours, rest = divmod(uptime, 3600)
        p50, p95 = self.percentile(50), self.percentile(95)
        latency = "no questions yet"
        if p50 is not None and p95 is not None:
            latency = f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
        return "\n".join([
            f"Uptime: {hours}h {rest // 60:02d}m {rest % 60:02d}s",
            f"Questions served: {self.questions}",
            f"Abstentions (not covered): {self.abstentions}",
            f"Refused (rate limit or too long): {self.refused}",
            f"Answer latency: {latency}",
            f"Telegram request retries: {retries}",
        ])  # fmt: skip
