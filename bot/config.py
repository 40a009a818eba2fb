"""Settings of the bot: the retrieval settings plus Telegram's token, server and webhook."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from retrieval.config import RetrievalSettings

TOKEN_PATTERN = re.compile(r"^\d+:[A-Za-z0-9_-]{30,}$")
WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what setWebhook accepts
# Shorter is guessable, and too short to be found (and hidden) in the logs reliably.
MIN_WEBHOOK_SECRET_CHARS = 16
DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"


class ServeError(Exception):
    """Why the bot cannot be served, in one line that names the setting to fix."""


class Settings(RetrievalSettings):
    """Everything `election-bot serve` and `election-bot chat` need, from `.env` or the env."""

    telegram_bot_token: SecretStr | None = Field(
        None, description="the bot's token from @BotFather (a secret: never logged)"
    )
    telegram_api_base_url: str = Field(
        DEFAULT_API_BASE_URL,
        description="Bot API server; the token is appended (or replaces '{token}')",
    )
    webhook_url: str | None = Field(None, description="public HTTPS URL; set it to use webhooks")
    webhook_listen: str = Field(
        "127.0.0.1", description="address the webhook listener binds (behind a reverse proxy)"
    )
    webhook_port: int = Field(8443, ge=1, le=65535, description="port of the webhook listener")
    webhook_secret: SecretStr | None = Field(
        None, description="checked against X-Telegram-Bot-Api-Secret-Token"
    )
    webhook_secret_file: Path = Field(
        default_factory=lambda values: Path(values["data_dir"]) / "webhook_secret",
        description="where a generated webhook secret is kept when WEBHOOK_SECRET is not set",
    )
    answer_passages: int = Field(3, ge=1, le=10, description="passages per answer")
    max_question_chars: int = Field(
        500, ge=20, description="longer text is searched on its first part, with a note"
    )
    inline_cache_seconds: int = Field(10, ge=0, description="how long Telegram caches inline")
    remembered_answers: int = Field(
        2000, ge=1, description="questions kept for the More button; older presses expire"
    )
    rate_limit_per_minute: int = Field(
        20, ge=0, description="questions per user per minute; beyond it a polite reply; 0 = off"
    )
    inline_rate_limit_per_minute: int = Field(
        60, ge=0, description="inline searches per user per minute, apart from questions; 0 = off"
    )
    max_message_chars: int = Field(
        8000, ge=1, description="longer messages get a polite refusal and are not searched"
    )
    # NoDecode: the env value is "1,2,3", not JSON; the validator below splits it.
    admin_user_ids: Annotated[frozenset[int], NoDecode] = Field(
        frozenset(), description="Telegram user ids allowed /stats and /reload"
    )
    send_timeout_seconds: float = Field(
        10.0, gt=0, description="how long to wait for Telegram's answer to a request"
    )

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part for part in re.split(r"[,\s]+", value.strip()) if part]
        if isinstance(value, int):
            return [value]
        return value

    batch_window_ms: float = Field(
        5.0, ge=0, description="how long a question waits for others to be embedded with; 0 = off"
    )
    batch_max: int = Field(32, ge=1, description="most questions embedded in one batch")
    typing_delay_ms: float = Field(
        500, ge=0, description="show 'typing…' only for answers slower than this; 0 = always"
    )
    feedback_db: Path = Field(
        default_factory=lambda values: Path(values["data_dir"]) / "feedback.sqlite3",
        description="SQLite file of 👍/👎 votes and unanswered questions; created on first use",
    )
    store_questions: bool = Field(
        True, description="keep questions and votes; false = only daily counts (README, Privacy)"
    )
    index_poll_seconds: float = Field(
        10.0, ge=0, description="how often serve looks for a new index to pick up; 0 = never"
    )

    @property
    def telegram_api_base_file_url(self) -> str:
        """The file URL of the same server: `.../bot` becomes `.../file/bot`."""
        return file_url_for(self.telegram_api_base_url)


def file_url_for(base_url: str) -> str:
    """Derive the Bot API file URL from its method URL, as Telegram and local servers lay it out."""
    head, sep, tail = base_url.rpartition("/bot")
    if sep:
        return f"{head}/file/bot{tail}"
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}/file/bot"


def token_problem(settings: Settings) -> str | None:
    """None when the bot token looks usable, else one line saying how to get and set one."""
    where = "put it in TELEGRAM_BOT_TOKEN in .env or the environment"
    token = settings.telegram_bot_token
    if token is None or not token.get_secret_value().strip():
        return (
            "No Telegram bot token: create a bot with @BotFather in Telegram (/newbot) "
            f"and {where}."
        )
    if not TOKEN_PATTERN.match(token.get_secret_value().strip()):
        # Never echo the value: a half-pasted token is still a secret.
        return (
            "TELEGRAM_BOT_TOKEN doesn't look like a bot token (123456:ABC…): copy the token "
            f"@BotFather gave you and {where}."
        )
    return None


def serve_problem(settings: Settings) -> str | None:
    """None when the bot can be served with `settings`, else one line saying what to fix."""
    problem = token_problem(settings) or base_url_problem(settings.telegram_api_base_url)
    if problem:
        return problem
    secret = settings.webhook_secret
    if secret is not None and not WEBHOOK_SECRET.match(secret.get_secret_value()):
        return "WEBHOOK_SECRET may only use A-Z, a-z, 0-9, _ and - (1 to 256 of them)."
    if secret is not None and len(secret.get_secret_value()) < MIN_WEBHOOK_SECRET_CHARS:
        return (
            f"WEBHOOK_SECRET is too short to be secret: use at least {MIN_WEBHOOK_SECRET_CHARS} "
            "characters, or leave it empty and one is generated."
        )
    return None


def base_url_problem(base_url: str) -> str | None:
    """None when the token can be put into `base_url` to make a request URL, else why not."""
    # The library appends the token (or puts it in place of "{token}"); a URL that ends in a
    # port or a query string would then carry a mangled token in every error message.
    url = base_url.replace("{token}", "0:x") if "{token}" in base_url else base_url + "0:x"
    try:
        parts = urlsplit(url)
        fine = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
        fine = fine and "0:x" in parts.path and not parts.query
    except ValueError:  # a port that is not a number, brackets that don't close, ...
        fine = False
    if fine:
        return None
    return (
        "TELEGRAM_API_BASE_URL should be the Bot API's address without the token, "
        f"like {DEFAULT_API_BASE_URL}"
    )
