"""Per-user rate limits and service statistics: plain objects, no Telegram."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field


@dataclass
class RateLimits:
    """A sliding one-minute window of requests per user; `per_minute` 0 means no limit."""

    per_minute: int
    window: float = 60.0
    max_users: int = 100_000  # forget the least recently seen beyond this: memory stays bounded
    _seen: dict[int, deque[float]] = field(default_factory=dict)

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


@dataclass
class Stats:
    """Questions served, abstentions and answer latencies since start, for /stats."""

    started: float = field(default_factory=time.monotonic)
    questions: int = 0
    abstentions: int = 0
    refused: int = 0  # over the rate limit or the length cap
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
