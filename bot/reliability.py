"""Bounded retries for Bot API requests that failed in transit, on top of the 429 rate limiter."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import AIORateLimiter

logger = logging.getLogger(__name__)

# Sending these twice does no harm, so even an ambiguous failure (a read timeout: the request
# reached Telegram, the answer didn't reach us) is retried.
IDEMPOTENT = frozenset({
    "getMe", "getUpdates", "sendChatAction", "setMyCommands", "getMyCommands",
    "deleteMyCommands", "deleteWebhook", "setWebhook", "getWebhookInfo", "close",
    "editMessageReplyMarkup",
})  # fmt: skip


def retryable(endpoint: str, exc: Exception) -> bool:
    """Whether `exc` from `endpoint` is worth another try without risking a double delivery."""
    if not isinstance(exc, NetworkError) or isinstance(exc, BadRequest):
        return False  # 400, 401, 403, 409 and the like: trying again gives the same answer
    if endpoint in IDEMPOTENT:
        return True
    # A read timeout means Telegram got the whole request and may well have acted on it: a
    # second sendMessage would show the answer twice. Connect/write/pool timeouts, refused or
    # dropped connections and 5xx answers mean it did not, so those are retried.
    return not (isinstance(exc, TimedOut) and isinstance(exc.__cause__, httpx.ReadTimeout))


# Requests that are a courtesy, not an answer: dropped (as if sent) when Telegram's flood budget
# (~30 requests a second, every one with a chat_id counted) has no room for them right now.
# Queued, each "typing…" would take a slot an answer needs: 300 users asking at once, "typing…"
# asked for every answer, were answered at 15.7 a second when all were sent, 31.3 a second
# with 16 sent (benchmarks, `make bench`, line "spike floor, typing… asked on every answer").
COURTESIES = frozenset({"sendChatAction"})
SPARE_SHARE = 0.5  # of the flood budget a courtesy may find used and still be sent


class RetryingRateLimiter(AIORateLimiter):
    """AIORateLimiter (waits out 429 `retry_after`) that also retries 5xx, timeouts, drops.

    Retries are bounded (`attempts` in all) with exponential backoff and jitter; what still fails
    is raised to the handler, and from there to the error handler.
    """

    def __init__(
        self,
        *,
        attempts: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        **limits: Any,
    ) -> None:
        super().__init__(**limits)
        self.attempts, self.backoff, self.max_backoff = attempts, backoff, max_backoff
        self.retries = 0  # how many retries were made, for /stats and tests
        self.dropped = 0  # courtesies not sent for want of budget, for benchmarks and tests

    def spare(self) -> bool:
        """Whether the overall flood limit is at most half used, so a courtesy can't take a
        slot an answer soon needs (a spike's first answers arrive while the first "typing…" are
        asked for)."""
        # AIORateLimiter keeps its overall limiter (aiolimiter's AsyncLimiter) in `_base_limiter`,
        # None when there is no overall limit; tests/test_reliability.py checks it is still there.
        base = self._base_limiter
        return base is None or base.has_capacity(max(1.0, base.max_rate * SPARE_SHARE))

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict | list[dict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict | list[dict]:
        if endpoint in COURTESIES and not self.spare():
            self.dropped += 1
            return True  # what Telegram answers a chat action with
        delay = self.backoff
        for attempt in range(1, self.attempts + 1):
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except NetworkError as exc:
                if attempt == self.attempts or not retryable(endpoint, exc):
                    raise
                self.retries += 1
                # The exception's text, never the request: its URL carries the bot token.
                logger.warning(
                    "%s failed (%s: %s); retry %d of %d in %.2fs",
                    endpoint, type(exc).__name__, exc.message, attempt, self.attempts - 1, delay,
                )  # fmt: skip
                await asyncio.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, self.max_backoff)
        raise AssertionError("unreachable")  # the loop returns or raises
