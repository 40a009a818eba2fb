"""Bounded retries for Bot API requests that failed in transit, on top of the 429 rate limiter."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import AIORateLimiter

logger = logging.getLogger(__name__)

# Sending these twice does no harm, so even an ambiguous failure (the request reached Telegram,
# its answer didn't reach us) is retried. Not answerCallbackQuery / answerInlineQuery: a second
# answer to the same query is refused with a 400, which would reach the user as an error.
IDEMPOTENT = frozenset({
    "getMe", "getUpdates", "sendChatAction", "setMyCommands", "getMyCommands",
    "deleteMyCommands", "deleteWebhook", "setWebhook", "getWebhookInfo", "close",
    "editMessageReplyMarkup",
})  # fmt: skip

# Failures that happen before the request was completely written: Telegram never had all of
# it, so it cannot have acted on it. Anything after (a read timeout, a connection reset or closed
# while waiting for the answer, an error we don't know) leaves it unknown whether it did.
NOT_SENT = (
    httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteError,
    httpx.WriteTimeout, httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.ProxyError,
)  # fmt: skip
# The request cannot be made at all: a mistake in the settings, not an outage to wait out.
UNSENDABLE = (httpx.UnsupportedProtocol, httpx.LocalProtocolError)


def answered(exc: TelegramError) -> bool:
    """Whether Telegram answered (with an error status): the library raises those uncaused."""
    return exc.__cause__ is None or isinstance(exc.__cause__, TelegramError)


def may_have_acted(exc: BaseException) -> bool:
    """Whether Telegram may have carried out the request that failed with `exc`.

    The one rule for every method that must not run twice: a request that was fully written
    is ambiguous, whatever the exception; one that never reached Telegram, or that Telegram
    answered with an error, is not.
    """
    if not isinstance(exc, NetworkError):
        return False  # not a failure in transit: a 4xx answer, or no request at all
    return not (answered(exc) or isinstance(exc.__cause__, NOT_SENT))


def retryable(endpoint: str, exc: Exception) -> bool:
    """Whether `exc` from `endpoint` is worth another try without risking a double delivery."""
    if not isinstance(exc, NetworkError) or isinstance(exc, BadRequest):
        return False  # 400, 401, 403, 409 and the like: trying again gives the same answer
    return endpoint in IDEMPOTENT or not may_have_acted(exc)


def unreachable(exc: BaseException) -> bool:
    """Whether `exc` says the Bot API can't be reached now (an outage), not that it never will."""
    if not isinstance(exc, NetworkError) or isinstance(exc, BadRequest):
        return False
    if answered(exc):
        return True  # a 5xx: Telegram is there, failing for now
    return isinstance(exc.__cause__, httpx.TransportError) and not isinstance(
        exc.__cause__, UNSENDABLE
    )


def describe(exc: BaseException) -> str:
    """An exception in one line, never the request: its URL carries the bot token."""
    message = exc.message if isinstance(exc, TelegramError) else str(exc)
    return f"{type(exc).__name__}: {message}"


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
                logger.warning(
                    "%s failed (%s); retry %d of %d in %.2fs",
                    endpoint, describe(exc), attempt, self.attempts - 1, delay,
                )  # fmt: skip
                await asyncio.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, self.max_backoff)
        raise AssertionError("unreachable")  # the loop returns or raises
