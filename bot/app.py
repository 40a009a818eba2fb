"""Build the Telegram application and run it, by long polling or by webhook."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import sys
import time
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tornado.web
from telegram import BotCommand, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ExtBot,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot import admin, handlers
from bot.config import (
    MIN_WEBHOOK_SECRET_CHARS,
    WEBHOOK_SECRET,
    ServeError,
    Settings,
    serve_problem,
    token_problem,
)
from bot.health import PING_SECONDS, Check, Heartbeat, contact_check, heartbeat_path, report
from bot.inbound import clean_json
from bot.logs import REDACTOR
from bot.pickup import IndexWatcher
from bot.reliability import RetryingRateLimiter, describe, unreachable
from retrieval.errors import describe_os_error
from retrieval.records import Source

logger = logging.getLogger(__name__)

COMMANDS = [
    BotCommand("start", "What I know, with example questions"),
    BotCommand("ask", "Ask a question (in groups: /ask your question)"),
    BotCommand("sources", "The articles I quote"),
    BotCommand("help", "How to ask, here, in groups and inline"),
]
# What the bot asks Telegram for; anything else (edits, channel posts, …) it never gets.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
# Messages that carry no text to read: stickers, voice, photos without a caption (not service).
NOT_TEXT = filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.CAPTION & ~filters.StatusUpdate.ALL
# After SIGTERM, answers in flight get this long to go out; then they are cancelled. With the
# final getUpdates (at most GET_UPDATES_TIMEOUT) and closing down, the bot exits within 5 s.
SHUTDOWN_GRACE_SECONDS = 2.5
GET_UPDATES_TIMEOUT = 2.0
# Telegram unreachable at start: wait this long before trying again, doubling up to the most.
START_RETRY_SECONDS, START_RETRY_MAX_SECONDS = 1.0, 60.0
# bot_data key of the IndexWatcher that picks up a new index (bot/pickup.py).
WATCHER = "index_watcher"


async def post_init(application: Application) -> None:
    """Publish the command menu once the bot is connected, say that it runs, and start
    watching for a new index."""
    try:
        await application.bot.set_my_commands(COMMANDS)
    except TelegramError as exc:  # a cosmetic: the bot works without its menu
        logger.warning("setMyCommands failed (%s); the command menu is not updated", describe(exc))
    logger.info("Connected as @%s", application.bot.username)
    announce = getattr(application, "announce", None)
    if announce:
        print(announce, file=sys.stderr)
    if WATCHER in application.bot_data:  # watch for a new index from now on
        application.bot_data[WATCHER].start()


async def post_stop(application: Application) -> None:
    """Stop watching for a new index."""
    if WATCHER in application.bot_data:
        await application.bot_data[WATCHER].stop()


async def post_shutdown(application: Application) -> None:
    """Let the feedback store write what is queued and close its database."""
    await asyncio.to_thread(application.bot_data[handlers.DEPS].feedback.close)


class QuietExtBot(ExtBot):
    """The library's bot: its repr hides the token; updates it can't read are skipped; each
    successful request is recorded in its heartbeat (for `election-bot health`)."""

    __slots__ = ("_heartbeat",)

    def __init__(self, *args: Any, heartbeat: Heartbeat | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._heartbeat = heartbeat  # PTB freezes the bot's public attributes

    @property
    def heartbeat(self) -> Heartbeat | None:
        return self._heartbeat

    def __repr__(self) -> str:
        # Bot.__repr__ prints the token, and so does Application's repr, which embeds it.
        try:
            return f"ExtBot[username={self.username}]"
        except RuntimeError:  # not initialized yet: the username is unknown
            return "ExtBot[not initialized]"

    async def _do_post(self, endpoint: str, data: Any, **kwargs: Any) -> Any:
        # Every request, getUpdates included, passes here (PTB's documented override point).
        result = await super()._do_post(endpoint, data, **kwargs)
        if self._heartbeat is not None:
            self._heartbeat.beat()
        if endpoint == "getUpdates" and isinstance(result, list):
            # One update the library can't parse fails the whole batch, and the same offset is
            # fetched again forever: nobody is answered. Each such update becomes an empty one,
            # so the offset moves past it and the others are served.
            result = [readable(raw, self) for raw in result if _has_id(raw)]
        return result


def _has_id(raw: object) -> bool:
    if isinstance(raw, dict) and isinstance(raw.get("update_id"), int):
        return True
    logger.warning("Skipped an update without an update_id: %.80r", raw)
    return False


def readable(raw: dict, bot: ExtBot) -> dict:
    """`raw` if the library can parse it, else an update with its id only (served by no one)."""
    try:
        Update.de_json(raw, bot)  # parsed again by the library: ~0.1 ms, for a loop that can't jam
    except Exception as exc:  # noqa: BLE001 - whatever the library trips on
        kinds = ", ".join(k for k in raw if k != "update_id")
        logger.warning(
            "Skipped update %d (%s): the library can't read it (%s)",
            raw["update_id"], kinds, describe(exc),
        )  # fmt: skip
        return {"update_id": raw["update_id"]}
    return raw


class HealthHandler(tornado.web.RequestHandler):
    """GET /healthz on the webhook listener: 200 when Telegram was reached lately, else 503."""

    SUPPORTED_METHODS = ("GET",)

    def initialize(self, heartbeat: Heartbeat) -> None:
        self.heartbeat = heartbeat

    def get(self) -> None:
        # The index is in memory: a bot that failed to load it never starts listening.
        checks = [
            Check("index", True, "loaded"),
            contact_check(self.heartbeat.last, time.time(), self.heartbeat.mode),
        ]
        body = report(checks)
        self.set_status(200 if body["healthy"] else 503)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))


def _webhook_server_app(application: Application) -> tornado.web.Application | None:
    # PTB offers no way to add a route to its webhook listener; its tornado application is
    # reached through two private attributes (python-telegram-bot is pinned below 23, and a
    # test fetches /healthz). When the layout changes, the bot serves without /healthz.
    server = getattr(application.updater, "_httpd", None)
    app = getattr(getattr(server, "_http_server", None), "request_callback", None)
    return app if isinstance(app, tornado.web.Application) else None


class BotApplication(Application):
    """The library's Application with this bot's edges.

    Updates are cleaned of lone surrogates before any handler sees them; Telegram unreachable
    at start is waited out with backoff, one line a failure; stopping is bounded in time.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.announce: str | None = None  # printed once connected (run() sets it)
        self.in_flight: set[asyncio.Task[Any]] = set()
        self._pinger: asyncio.Task[None] | None = None

    async def initialize(self) -> None:
        delay = START_RETRY_SECONDS
        while True:
            try:
                await super().initialize()
                return
            except InvalidToken:
                raise ServeError(
                    "Telegram rejected TELEGRAM_BOT_TOKEN: copy the token @BotFather gave you "
                    "(it may have been revoked)."
                ) from None
            except NetworkError as exc:
                if not unreachable(exc):
                    raise ServeError(
                        f"cannot reach the Bot API at TELEGRAM_API_BASE_URL: {describe(exc)}"
                    ) from None
                # A service manager would restart a bot that exits into the same outage:
                # wait it out here instead, one line per failure.
                logger.warning(
                    "Telegram unreachable at start (getMe: %s); trying again in %.0f s",
                    describe(exc), delay,
                )  # fmt: skip
                await asyncio.sleep(delay)
                delay = min(delay * 2, START_RETRY_MAX_SECONDS)

    async def process_update(self, update: object) -> None:
        if isinstance(update, Update):
            data = update.to_dict()
            cleaned = clean_json(data)
            if cleaned is not data:  # rebuilt only when there was something to clean
                update = Update.de_json(cleaned, self.bot)
        await super().process_update(update)

    def create_task(  # type: ignore[override]  # PTB's own signature, narrowed to coroutines
        self, coroutine: Coroutine[Any, Any, Any], update: object = None, **kwargs: Any
    ) -> asyncio.Task[Any]:
        task = super().create_task(coroutine, update, **kwargs)
        if update is not None:  # an update being handled: what stop() waits for, for a while
            self.in_flight.add(task)
            task.add_done_callback(self.in_flight.discard)
        return task

    async def start(self) -> None:
        """Start; in webhook mode also serve GET /healthz and keep the heartbeat fresh with a
        periodic getWebhookInfo, when nobody writes."""
        await super().start()
        heartbeat = getattr(self.bot, "heartbeat", None)
        server_app = _webhook_server_app(self)
        if heartbeat is None or server_app is None:  # long polling, or no heartbeat kept
            return
        server_app.add_handlers(r".*", [(r"/healthz", HealthHandler, {"heartbeat": heartbeat})])
        self._pinger = asyncio.create_task(self._ping(), name="webhook-ping")

    async def _ping(self) -> None:
        reported = None
        while True:
            await asyncio.sleep(PING_SECONDS)
            try:
                info = await self.bot.get_webhook_info()
            except Exception as e:  # the heartbeat ages; health reports it
                logger.warning("getWebhookInfo failed: %s", describe(e))
                continue
            if info.last_error_date and info.last_error_date != reported:
                reported = info.last_error_date
                logger.warning("Telegram reports a webhook delivery error: %s",
                               info.last_error_message)  # fmt: skip

    async def stop(self) -> None:
        """Stop as the library does, but cancel what is still answering after the grace time."""
        if self._pinger is not None:
            self._pinger.cancel()
            self._pinger = None
        stopping = asyncio.ensure_future(super().stop())
        await asyncio.wait([stopping], timeout=SHUTDOWN_GRACE_SECONDS)
        if not stopping.done():
            logger.warning(
                "Stopping: %d answer(s) still in flight after %.1f s are dropped",
                len(self.in_flight), SHUTDOWN_GRACE_SECONDS,
            )  # fmt: skip
            for task in list(self.in_flight):
                task.cancel()
        await stopping


def build_application(
    settings: Settings,
    retriever: handlers.Searcher,
    sources: Sequence[Source] = (),
    *,
    rate_limiter: BaseRateLimiter | None = None,
    request: BaseRequest | None = None,
    heartbeat: Heartbeat | None = None,
    watch_index: bool = False,
) -> Application:
    """The bot, wired to `retriever`; `sources` lists the articles if the retriever can't.

    `rate_limiter` defaults to Telegram's flood limits with retries; tests pass a faster one.
    `request` (both for sending and for getUpdates) defaults to HTTP; tests pass one that
    answers in-process.
    `heartbeat`, when given, records every successful request to Telegram.
    `watch_index`: the retriever serves INDEX_DIR, and a new build of it is picked up every
    INDEX_POLL_SECONDS (bot/pickup.py).
    """
    problem, token = token_problem(settings), settings.telegram_bot_token
    if problem or token is None:  # no token is a problem too: token_problem says which
        raise ValueError(problem)
    if rate_limiter is None:
        # Waits out 429s (3 times), retries 5xx, timeouts and dropped connections (4 attempts).
        rate_limiter = RetryingRateLimiter(max_retries=3)
    timeout = settings.send_timeout_seconds
    bot = QuietExtBot(
        token=token.get_secret_value().strip(),
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_api_base_file_url,
        request=request
        or HTTPXRequest(
            # Few connections, kept alive: Telegram allows ~30 messages a second anyway, and
            # httpcore's pool does work per connection on every request (256, PTB's default,
            # cost 100 concurrent chats ~30% more time; benchmarks, README "Performance").
            connection_pool_size=8,
            pool_timeout=timeout,
            read_timeout=timeout,
            write_timeout=timeout,
            connect_timeout=timeout,
        ),
        # Short timeouts besides the long poll's own: the last getUpdates at shutdown must
        # not hold up stopping when Telegram is slow or gone.
        get_updates_request=request
        or HTTPXRequest(
            connect_timeout=GET_UPDATES_TIMEOUT,
            read_timeout=GET_UPDATES_TIMEOUT,
            write_timeout=GET_UPDATES_TIMEOUT,
            pool_timeout=GET_UPDATES_TIMEOUT,
        ),
        rate_limiter=rate_limiter,
        heartbeat=heartbeat,
    )
    application = (
        ApplicationBuilder()
        .application_class(BotApplication)
        .bot(bot)
        .concurrent_updates(True)
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    state = handlers.Deps(settings, retriever, sources)
    application.bot_data[handlers.DEPS] = state
    if watch_index and settings.index_poll_seconds > 0:
        link = Path(settings.index_dir) / "current"
        application.bot_data[WATCHER] = IndexWatcher(
            state, link, settings.index_poll_seconds, lambda: load_current(settings)
        )
    add_handlers(application)
    return application


def load_current(settings: Settings) -> handlers.Searcher:
    """The retriever of the build INDEX_DIR/current points at, as it is: never a rebuild."""
    from retrieval import Retriever

    return Retriever.load(settings, progress=False, rebuild=False)


def add_handlers(application: Application) -> None:
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    text = (filters.TEXT | filters.CAPTION) & ~filters.COMMAND  # a photo's caption is text too
    # Group -1 runs first: refused updates (too long, too many) stop there.
    application.add_handler(TypeHandler(Update, admin.guard), group=-1)
    admins = filters.User(user_id=application.bot_data[handlers.DEPS].settings.admin_user_ids)
    application.add_handlers(
        [
            # Admin commands match admins only; anyone else falls through to `unknown_command`.
            CommandHandler("stats", admin.stats_command, filters=private & admins),
            CommandHandler("reload", admin.reload_command, filters=private & admins),
            CommandHandler("start", handlers.start),
            CommandHandler("help", handlers.help_command),
            CommandHandler("sources", handlers.sources_command),
            CommandHandler("ask", handlers.ask_command),
            MessageHandler(private & text, handlers.private_text),
            MessageHandler(groups & text, handlers.group_text),
            MessageHandler(NOT_TEXT, handlers.not_text),
            CallbackQueryHandler(handlers.more_button, pattern=r"^m:"),
            CallbackQueryHandler(handlers.vote_button, pattern=r"^v:"),
            CallbackQueryHandler(handlers.example_button, pattern=r"^ex:"),
            CallbackQueryHandler(handlers.unknown_button),
            InlineQueryHandler(handlers.inline_query),
            MessageHandler(private & filters.COMMAND, admin.unknown_command),
        ]
    )
    application.add_error_handler(handlers.on_error)


def run(settings: Settings, retriever: handlers.Searcher, sources: Sequence[Source] = ()) -> None:
    """Serve the bot until Ctrl-C: long polling, or a webhook when `webhook_url` is set.

    Logging is the caller's to configure (`election-bot serve` does, from LOG_LEVEL).
    """
    problem = serve_problem(settings)
    if problem:
        raise ServeError(problem)
    mode = "webhook" if settings.webhook_url else "polling"
    heartbeat = Heartbeat(heartbeat_path(settings), mode)
    application = build_application(
        settings, retriever, sources, heartbeat=heartbeat, watch_index=True
    )
    assert isinstance(application, BotApplication)  # build_application's class, always
    if not settings.webhook_url:
        application.announce = "Bot running (long polling); Ctrl-C stops it."
        # bootstrap_retries=-1: deleteWebhook is retried while Telegram is unreachable.
        application.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=-1)
        return
    secret = webhook_secret(settings)
    application.announce = (
        f"Bot running, webhook on {settings.webhook_listen}:{settings.webhook_port}; "
        "Ctrl-C stops it."
    )
    try:
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            # Served on the public URL's path, so a reverse proxy can forward it unchanged.
            url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
        )
    except TelegramError as exc:  # setWebhook refused: a URL Telegram won't call, say
        raise ServeError(f"Telegram refused WEBHOOK_URL: {describe(exc)}") from None


def webhook_secret(settings: Settings) -> str:
    """WEBHOOK_SECRET, or the one kept in WEBHOOK_SECRET_FILE, made once (owner-only)."""
    # Generated rather than refused: the webhook is never open to whoever finds its URL, yet
    # works with no set-up. Kept rather than new each start: a restart, or a second process,
    # accepts what Telegram is still sending with the secret it was given before.
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    path = Path(settings.webhook_secret_file)
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(secrets.token_urlsafe(32) + "\n")
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, path)  # never replaces one another process kept meanwhile
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        secret = path.read_text(encoding="utf-8").strip()
    except OSError as e:
        raise ServeError(
            f"cannot keep a webhook secret in WEBHOOK_SECRET_FILE ({describe_os_error(e)}); "
            "set WEBHOOK_SECRET instead"
        ) from e
    if not WEBHOOK_SECRET.match(secret) or len(secret) < MIN_WEBHOOK_SECRET_CHARS:
        raise ServeError(
            f"WEBHOOK_SECRET_FILE {path} holds no usable secret: delete it and one is made"
        )
    REDACTOR.add(secret, "WEBHOOK_SECRET")
    return secret
