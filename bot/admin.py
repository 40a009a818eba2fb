"""Abuse limits in front of every handler, and the admin-only /stats and /reload."""

from __future__ import annotations

import asyncio
import html
import logging

from telegram import Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import answer, handlers
from bot.feedback_report import build_report, stats_text
from bot.handlers import deps, help_command, is_reply_to_bot, required
from bot.reliability import RetryingRateLimiter

logger = logging.getLogger(__name__)


def _costly(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether the update would make the bot search or answer: what the rate limit counts.

    Inline queries are not counted here: they have their own budget (handlers.inline_query).
    """
    if update.callback_query is not None:
        return True
    message = update.message
    if message is None or update.effective_chat is None:
        return False
    if update.effective_chat.type == ChatType.PRIVATE:
        return True
    # In groups only what is addressed to the bot: a command, a mention or a reply to it.
    text = handlers.text_of(message)
    return (
        text.startswith("/")
        or f"@{context.bot.username}".lower() in text.lower()
        or is_reply_to_bot(update, context)
    )


async def guard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop what the bot doesn't serve; refuse a message over the cap or a user over the limit.

    Served: new messages, button presses and inline queries. Edits, channel posts, polls, …
    stop here quietly: an edit of an answered question would otherwise be answered again.
    Over the rate limit, a user is told once a window; later messages are dropped quietly.
    """
    if not (update.message or update.callback_query or update.inline_query):
        raise ApplicationHandlerStop
    state, user = deps(context), update.effective_user
    if user is None or user.id in state.settings.admin_user_ids or not _costly(update, context):
        return
    message = update.message
    too_long = message is not None and len(handlers.text_of(message)) > (
        state.settings.max_message_chars
    )
    # A refusal for length is a reply too: it counts against the user's budget like a question.
    allowed = state.limits.allow(user.id)
    if allowed and not too_long:
        return
    state.stats.refused += 1
    text = answer.TOO_LONG if allowed else answer.RATE_LIMITED
    if update.callback_query is not None:  # answered always: it stops the button's spinner
        await update.callback_query.answer(text)
    elif message is not None and (allowed or state.limits.tell(user.id)):
        chat = required(update.effective_chat, "chat")
        await context.bot.send_message(chat.id, html.escape(text), parse_mode=ParseMode.HTML)
    raise ApplicationHandlerStop  # no other handler sees it: refused means not searched


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Admins only: questions served, abstentions, latency, uptime, votes and the top gaps."""
    state, limiter = deps(context), context.bot.rate_limiter
    retries = limiter.retries if isinstance(limiter, RetryingRateLimiter) else 0
    feedback = await state.feedback.read(build_report)  # in the store's thread, off the loop
    report = state.stats.report(retries) + "\n" + stats_text(feedback)
    await context.bot.send_message(required(update.effective_chat, "chat").id, report)


async def reload_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Admins only: load the index from disk again; on failure keep serving the old one."""
    state, chat_id = deps(context), required(update.effective_chat, "chat").id
    await context.bot.send_message(chat_id, "Reloading the index…")
    loader = state.loader
    if loader is None:
        from retrieval import Retriever

        loader = Retriever.load
    try:
        fresh = await asyncio.to_thread(loader, state.settings)
    except Exception as exc:  # noqa: BLE001 - any failure means: keep the index we have
        logger.warning("Reload failed, still serving the previous index: %s", exc)
        await context.bot.send_message(
            chat_id, f"Reload failed, still serving the previous index: {exc}"
        )
        return
    state.use(fresh)
    warnings = list(fresh.warnings)
    text = "Reloaded the index."
    if warnings:
        text += "\nWarnings:\n" + "\n".join(f"• {w}" for w in warnings)
    logger.info("Index reloaded%s", f" with {len(warnings)} warning(s)" if warnings else "")
    await context.bot.send_message(chat_id, text)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any other command in a private chat (also /stats from a non-admin): the help text."""
    await help_command(update, context)
