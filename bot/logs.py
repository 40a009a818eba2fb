"""Logging set-up shared by every command: one format, quiet libraries, the token never shown.

Kept free of telegram imports, so `election-bot ask` pays nothing for it.
"""

from __future__ import annotations

import logging

from bot.config import Settings

# httpx and httpcore log every request URL at INFO, and the URL holds the bot token.
_TOKEN_BEARING = ("httpx", "httpcore")
# The page extractors log a failed download or an empty page at ERROR; `election-bot add`
# reports each failure in one line of its own, so theirs show at LOG_LEVEL=DEBUG only.
_REPORTED_BY_US = ("trafilatura", "htmldate", "courlan")


class RedactingFormatter(logging.Formatter):
    """Formats like `inner` and replaces the bot token wherever it appears, tracebacks too."""

    def __init__(self, inner: logging.Formatter | None, secret: str):
        super().__init__()
        self.inner, self.secret = inner or logging.Formatter(), secret

    def format(self, record: logging.LogRecord) -> str:
        return self.inner.format(record).replace(self.secret, "<TOKEN>")


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
    token = settings.telegram_bot_token
    secret = token.get_secret_value().strip() if token else ""
    if secret:  # an empty "secret" would be "replaced" between every character
        for handler in logging.getLogger().handlers:
            handler.setFormatter(RedactingFormatter(handler.formatter, secret))
