"""Build the Telegram application and run it, by long polling or by webhook."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import tornado.web
from telegram import BotCommand, Update
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
from telegram.request import HTTPXRequest

from bot import admin, handlers
from bot.config import Settings, serve_problem, token_problem
from bot.health import PING_SECONDS, Check, Heartbeat, contact_check, heartbeat_path, report
from bot.reliability import RetryingRateLimiter
from retrieval.records import Source

logger = logging.getLogger(__name__)

COMMANDS = [
    BotCommand("start", "What I know, with example questions"),
    BotCommand("ask", "Ask a question (in groups: /ask your question)"),
    BotCommand("sources", "The articles I quote"),
    BotCommand("help", "How to ask, here, in groups and inline"),
]
# Messages that carry something other than text: stickers, photos, voice, … (not service ones).
NOT_TEXT = filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.StatusUpdate.ALL


async def post_init(application: Application) -> None:
    """Publish the command menu once the bot is connected."""
    await application.bot.set_my_commands(COMMANDS)
    logger.info("Connected as @%s", application.bot.username)


async def post_shutdown(application: Application) -> None:
    """Let the feedback store write what is queued and close its database."""
    await asyncio.to_thread(application.bot_data[handlers.DEPS].feedback.close)


class QuietExtBot(ExtBot):
    """The library's bot, whose repr shows its username instead of its token, and which
    records each successful request in its heartbeat (for `election-bot health`)."""

    __slots__ = ("_heartbeat",)

    def __init__(self, *args: Any, heartbeat: Heartbeat | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._heartbeat = heartbeat  # PTB freezes the bot's public attributes

    @property
    def heartbeat(self) -> Heartbeat | None:
        return self._heartbeat

    async def _do_post(self, endpoint: str, data: Any, **timeouts: Any) -> Any:
        # Every request, getUpdates included, passes here (PTB's documented override point).
        result = await super()._do_post(endpoint, data, **timeouts)
        if self._heartbeat is not None:
            self._heartbeat.beat()
        return result

    def __repr__(self) -> str:
        # Bot.__repr__ prints the token, and so does Application's repr, which embeds it.
        try:
            return f"ExtBot[username={self.username}]"
        except RuntimeError:  # not initialized yet: the username is unknown
            return "ExtBot[not initialized]"


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
    """PTB's Application plus, in webhook mode, `GET /healthz` on the webhook listener and a
    periodic getWebhookInfo, so that the heartbeat stays fresh when nobody writes."""

    __slots__ = ("_pinger",)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pinger: asyncio.Task | None = None

    async def start(self) -> None:
        await super().start()
        heartbeat = getattr(self.bot, "heartbeat", None)
        server_app = _webhook_server_app(self)
        if heartbeat is None or server_app is None:  # long polling, or no heartbeat kept
            return
        server_app.add_handlers(r".*", [(r"/healthz", HealthHandler, {"heartbeat": heartbeat})])
        self._pinger = asyncio.create_task(self._ping(), name="webhook-ping")

    async def stop(self) -> None:
        if self._pinger is not None:
            self._pinger.cancel()
            self._pinger = None
        await super().stop()

    async def _ping(self) -> None:
        reported = None
        while True:
            await asyncio.sleep(PING_SECONDS)
            try:
                info = await self.bot.get_webhook_info()
            except Exception as e:  # the heartbeat ages; health reports it
                logger.warning("getWebhookInfo failed: %s: %s", type(e).__name__, e)
                continue
            if info.last_error_date and info.last_error_date != reported:
                reported = info.last_error_date
                logger.warning("Telegram reports a webhook delivery error: %s",
                               info.last_error_message)  # fmt: skip


def build_application(
    settings: Settings,
    retriever: handlers.Searcher,
    sources: Sequence[Source] = (),
    *,
    rate_limiter: BaseRateLimiter | None = None,
    heartbeat: Heartbeat | None = None,
) -> Application:
    """The bot, wired to `retriever`; `sources` lists the articles if the retriever can't.

    `rate_limiter` defaults to Telegram's flood limits with retries; tests pass a faster one.
    `heartbeat`, when given, records every successful request to Telegram.
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
        request=HTTPXRequest(
            # Few connections, kept alive: Telegram allows ~30 messages a second anyway, and
            # httpcore's pool does work per connection on every request (256, PTB's default,
            # cost 100 concurrent chats ~30% more time; benchmarks, README "Performance").
            connection_pool_size=8,
            pool_timeout=timeout,
            read_timeout=timeout,
            write_timeout=timeout,
            connect_timeout=timeout,
        ),
        get_updates_request=HTTPXRequest(),
        rate_limiter=rate_limiter,
        heartbeat=heartbeat,
    )
    application = (
        ApplicationBuilder()
        .application_class(BotApplication)
        .bot(bot)
        .concurrent_updates(True)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data[handlers.DEPS] = handlers.Deps(settings, retriever, sources)
    add_handlers(application)
    return application


def add_handlers(application: Application) -> None:
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    text = filters.TEXT & ~filters.COMMAND
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
        raise SystemExit(problem)
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    mode = "webhook" if settings.webhook_url else "polling"
    heartbeat = Heartbeat(heartbeat_path(settings), mode)
    application = build_application(settings, retriever, sources, heartbeat=heartbeat)
    if settings.webhook_url:
        print(f"Bot running, webhook on {settings.webhook_listen}:{settings.webhook_port}; "
              "Ctrl-C stops it.", file=sys.stderr)  # fmt: skip
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            # Served on the public URL's path, so a reverse proxy can forward it unchanged.
            url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        print("Bot running (long polling); Ctrl-C stops it.", file=sys.stderr)
        application.run_polling(allowed_updates=Update.ALL_TYPES)
