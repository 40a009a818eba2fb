"""Logging set-up shared by every command: one format, quiet libraries, secrets never shown.

Kept free of telegram imports, so `election-bot ask` pays nothing for it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from urllib.parse import urlsplit

from bot.config import Settings

# httpx and httpcore log every request URL at INFO, and the URL holds the bot token.
_TOKEN_BEARING = ("httpx", "httpcore")
# The page extractors log a failed download or an empty page at ERROR; `election-bot add`
# reports each failure in one line of its own, so theirs show at LOG_LEVEL=DEBUG only.
_REPORTED_BY_US = ("trafilatura", "htmldate", "courlan")
# Shorter values would be "found" inside ordinary words; serve_problem refuses such secrets.
MIN_SECRET_CHARS = 8


class Redactor:
    """The secrets this process knows, and `redact` that hides them in any text.

    One per process (`REDACTOR`): the log formatter and the CLI's last-resort error line use
    the same one, and a secret made while running (a generated webhook secret) is added to it.
    """

    def __init__(self) -> None:
        self._secrets: dict[str, str] = {}
        self._lock = threading.Lock()

    def add(self, secret: str | None, label: str) -> None:
        """Hide `secret` as `<label>` from now on (ignored when too short to be found safely)."""
        secret = (secret or "").strip()
        if len(secret) >= MIN_SECRET_CHARS:
            with self._lock:
                # Longest first: the whole token before its secret half.
                merged = {**self._secrets, secret: f"<{label}>"}
                self._secrets = dict(sorted(merged.items(), key=lambda kv: -len(kv[0])))

    def add_settings(self, settings: Settings) -> None:
        """The bot token (and its secret half), the webhook secret, a password in the API URL."""
        token = settings.telegram_bot_token
        value = token.get_secret_value().strip() if token else ""
        self.add(value, "TOKEN")
        self.add(value.partition(":")[2], "TOKEN")  # the half that is the secret
        if settings.webhook_secret is not None:
            self.add(settings.webhook_secret.get_secret_value(), "WEBHOOK_SECRET")
        with contextlib.suppress(ValueError):  # a malformed URL: serve_problem says so
            self.add(urlsplit(settings.telegram_api_base_url).password, "PASSWORD")

    def redact(self, text: str) -> str:
        for secret, label in self._secrets.items():
            text = text.replace(secret, label)
        return text


REDACTOR = Redactor()


def redact(text: str) -> str:
    """`text` with every secret this process knows replaced by a label."""
    return REDACTOR.redact(text)


class RedactingFormatter(logging.Formatter):
    """Formats like `inner`, then hides the process's secrets, in tracebacks too."""

    def __init__(self, inner: logging.Formatter | None, redactor: Redactor = REDACTOR):
        super().__init__()
        self.inner, self.redactor = inner or logging.Formatter(), redactor

    def format(self, record: logging.LogRecord) -> str:
        return self.redactor.redact(self.inner.format(record))


def configure_logging(settings: Settings) -> None:
    """Root logging at LOG_LEVEL; token-bearing and self-configured libraries held back."""
    level = getattr(logging, settings.log_level.upper(), logging.WARNING)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level)
    # Filter at the handlers too: some libraries (bm25s) set their own logger to DEBUG when
    # imported, which a root level alone does not hold back.
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)
    for name in _TOKEN_BEARING:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in _REPORTED_BY_US:
        logging.getLogger(name).setLevel(level if level <= logging.DEBUG else logging.CRITICAL)
    REDACTOR.add_settings(settings)
    for handler in logging.getLogger().handlers:
        if not isinstance(handler.formatter, RedactingFormatter):
            handler.setFormatter(RedactingFormatter(handler.formatter))
