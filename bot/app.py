"""Build the Telegram application and run it, by long polling or by webhook."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

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
from bot.pickup import IndexWatcher
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
WATCHER = "index_watcher"


async def post_init(application: Application) -> None:
    """Publish the command menu once the bot is connected; start watching for a new index."""
    await application.bot.set_my_commands(COMMANDS)
    logger.info("Connected as @%s", application.bot.username)
    if WATCHER in application.bot_data:
        application.bot_data[WATCHER].start()


async def post_stop(application: Application) -> None:
    """Stop watching for a new index."""
    if WATCHER in application.bot_data:
        await application.bot_data[WATCHER].stop()


async def post_shutdown(application: Application) -> None:
    """Let the feedback store write what is queued and close its database."""
    await asyncio.to_thread(application.bot_data[handlers.DEPS].feedback.close)


class QuietExtBot(ExtBot):
    """The library's bot, whose repr shows its username instead of its token."""

    __slots__ = ()

    def __repr__(self) -> str:
        # Bot.__repr__ prints the token, and so does Application's repr, which embeds it.
        try:
            return f"ExtBot[username={self.username}]"
        except RuntimeError:  # not initialized yet: the username is unknown
            return "ExtBot[not initialized]"


def build_application(
    settings: Settings,
    retriever: handlers.Searcher,
    sources: Sequence[Source] = (),
    *,
    rate_limiter: BaseRateLimiter | None = None,
    watch_index: bool = False,
) -> Application:
    """The bot, wired to `retriever`; `sources` lists the articles if the retriever can't.

    `rate_limiter` defaults to Telegram's flood limits with retries; tests pass a faster one.
    `watch_index`: the retriever serves INDEX_DIR, and a new build of it is picked up every
    INDEX_POLL_SECONDS (bot/pickup.py).
    """
    problem = token_problem(settings)
    if problem:
        raise ValueError(problem)
    if rate_limiter is None:
        # Waits out 429s (3 times), retries 5xx, timeouts and dropped connections (4 attempts).
        rate_limiter = RetryingRateLimiter(max_retries=3)
    timeout = settings.send_timeout_seconds
    bot = QuietExtBot(
        token=settings.telegram_bot_token.get_secret_value().strip(),
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
    )
    application = (
        ApplicationBuilder()
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
    application = build_application(settings, retriever, sources, watch_index=True)
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
