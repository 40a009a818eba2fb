"""Telegram handlers: read the update, search off the event loop, send what `answer` built."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot import answer, conversation
from bot.batching import MicroBatcher, Searcher
from bot.config import Settings
from bot.feedback import FeedbackStore, Vote
from bot.reliability import describe, may_have_acted
from bot.usage import LatestOnly, RateLimits, Stats
from retrieval.followup import Recent
from retrieval.records import Hit, SearchResult, Source

logger = logging.getLogger(__name__)
T = TypeVar("T")

DEPS = "deps"
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # several links per answer: no big preview


@dataclass
class Asked:
    """A question whose answer has a More button: its pages, which presses were served."""

    paging: answer.Paging
    served: set[int] = field(default_factory=set)
    chat_id: int | None = None  # its More button works in this chat only


@dataclass
class Deps:
    """What the handlers need, kept in `application.bot_data[DEPS]`."""

    settings: Settings
    retriever: Searcher
    sources: Sequence[Source] = ()
    asked: OrderedDict[str, Asked] = field(default_factory=OrderedDict)
    stats: Stats = field(default_factory=Stats)
    # Inline queries: their own budget (a query per keystroke), one search per user at a time.
    inline_limits: RateLimits = field(init=False)
    inline_turns: LatestOnly = field(default_factory=LatestOnly)
    # What /reload calls (in a thread) for a fresh retriever; None: `Retriever.load(settings)`.
    loader: Callable[[Settings], Searcher] | None = None
    # Made from the settings: each user's question budget, the votes and unanswered questions
    # (FEEDBACK_DB), and concurrent questions embedded together.
    limits: RateLimits = field(init=False)
    feedback: FeedbackStore = field(init=False)
    batcher: MicroBatcher = field(init=False)
    # Each chat's last question, which a follow-up ("Where does he live?") leans on.
    recent: Recent = field(default_factory=Recent)

    def __post_init__(self) -> None:
        self.limits = RateLimits(self.settings.rate_limit_per_minute)
        self.feedback = FeedbackStore.from_settings(self.settings)
        self.inline_limits = RateLimits(self.settings.inline_rate_limit_per_minute)
        self.batcher = MicroBatcher(
            self.retriever, self.settings.batch_window_ms, self.settings.batch_max
        )

    def use(self, retriever: Searcher) -> None:
        """Serve `retriever` from the next question on; a search in flight finishes on the old."""
        self.retriever = retriever
        self.batcher.retriever = retriever

    def list_sources(self) -> list[Source]:
        """The articles: as given, else the retriever's."""
        return list(self.sources) if self.sources else self.retriever.sources()

    def remember(self, paging: answer.Paging, chat_id: int | None = None) -> str:
        """Keep a question's pages for its More button under a short random key; forget the
        oldest."""
        key = secrets.token_urlsafe(6)
        self.asked[key] = Asked(paging, chat_id=chat_id)
        while len(self.asked) > self.settings.remembered_answers:
            self.asked.popitem(last=False)
        return key

    def keep(self, question: str, page: list[Hit], paging: answer.Paging) -> str:
        """Hand an answer about to be sent to the feedback store; the key for its votes.

        Queued, not awaited: the answer goes out while the store writes (or fails to).
        """
        key = self.feedback.new_answer_id()
        first = len(paging.shown) - len(page) + 1  # a "More" page goes on from the last
        self.feedback.record_answer(
            key, question, page, self.retriever.fingerprint, first_rank=first
        )
        return key

    def keep_unanswered(self, question: str, found: SearchResult) -> None:
        """Hand a question the retriever refused to the feedback store, with why."""
        if found.refusal is not None:
            self.feedback.record_unanswered(
                question, found.refusal, found.relevance, self.retriever.fingerprint
            )


def deps(context: ContextTypes.DEFAULT_TYPE) -> Deps:
    return context.bot_data[DEPS]


def required(value: T | None, what: str) -> T:
    """A part of the update the handler's filter guarantees (a chat, a message, its text);
    missing, it is a bug in the wiring, reported to the error handler by name."""
    if value is None:
        raise ValueError(f"the update has no {what}")
    return value


async def search(context: ContextTypes.DEFAULT_TYPE, question: str, k: int) -> list[Hit]:
    """The retriever's hits, computed in a worker thread so other chats keep being served."""
    return await deps(context).batcher.search(question, k)


def keyboard(reply: answer.Reply) -> InlineKeyboardMarkup | None:
    rows = [list(reply.buttons)] if reply.one_row else [[b] for b in reply.buttons]
    return markup(rows)


def markup(rows: answer.Keyboard) -> InlineKeyboardMarkup | None:
    rows = [row for row in rows if row]
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.callback_data) for b in row] for row in rows]
    )


def pressed_keyboard(update: Update) -> answer.Keyboard:
    """The keyboard of the message whose button was pressed (our buttons all carry data)."""
    message = required(update.callback_query, "callback query").message
    if not isinstance(message, Message) or message.reply_markup is None:
        return []  # too old for Telegram to show us (over 48 hours), or no keyboard
    return [
        [answer.Button(b.text, b.callback_data) for b in row if isinstance(b.callback_data, str)]
        for row in message.reply_markup.inline_keyboard
    ]


async def send(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: answer.Reply) -> None:
    """Send `reply` to the chat of the update; in groups as a reply to the message asked in."""
    chat, message = required(update.effective_chat, "chat"), update.message
    quote = None
    if message is not None and chat.type != ChatType.PRIVATE:
        quote = ReplyParameters(message.message_id, allow_sending_without_reply=True)
    await context.bot.send_message(
        chat.id,
        reply.html,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(reply),
        reply_parameters=quote,
        link_preview_options=NO_PREVIEW,
    )


async def typing(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show "typing…"; a cosmetic, so a failure is logged, not reported to the user."""
    try:
        chat = required(update.effective_chat, "chat")
        await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
    except TelegramError as exc:
        logger.info("sendChatAction failed: %s", exc)


@contextlib.asynccontextmanager
async def typing_while(update: Update, context: ContextTypes.DEFAULT_TYPE) -> AsyncIterator[None]:
    """Show "typing…" if the work inside takes longer than TYPING_DELAY_MS.

    A quick answer needs no "typing…": skipping it saves a request per answer, which is what
    a busy bot is short of. Once sent, it is awaited before the reply goes out, so it can
    never arrive after (and outlast) the answer.
    """
    delay = deps(context).settings.typing_delay_ms / 1000
    sending = delay <= 0

    async def show() -> None:
        nonlocal sending
        if delay > 0:
            await asyncio.sleep(delay)
            sending = True
        await typing(update, context)

    task = asyncio.create_task(show())
    try:
        yield
    finally:
        if sending:
            await task
        else:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """Answer `text`: small talk in kind, else the best passages with a More button when there
    are more; a follow-up is searched with the chat's last question's subject."""
    state, started = deps(context), time.monotonic()
    chat = required(update.effective_chat, "chat").id
    turn = conversation.read(
        text, state.recent, chat, state.retriever, state.settings.max_question_chars
    )
    if turn.reply is not None:
        await send(update, context, turn.reply)
        return
    paging = answer.Paging(turn.query, state.settings.answer_passages)
    async with typing_while(update, context):
        found = await state.batcher.search_with_reason(turn.query, paging.wanted)
    page, has_more = paging.take(found.hits)
    conversation.answered(state.recent, chat, turn, page)
    if page:
        more = answer.more_callback(state.remember(paging, chat), len(page)) if has_more else None
        votes = state.keep(turn.query, page, paging)
        note = conversation.note(turn, found)
        reply = answer.answer_reply(
            turn.query, page, more_data=more, vote_key=votes, note=note, asked=turn.asked
        )
    else:
        state.keep_unanswered(turn.query, found)
        reply = await asyncio.to_thread(conversation.nothing_found, turn)
    await send(update, context, reply)
    state.stats.record(time.monotonic() - started, abstained=not page)


# --- commands ----------------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say what the bot knows and offer three example questions as buttons."""
    await send(update, context, answer.start_reply(deps(context).list_sources()))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explain how to ask in a private chat, in groups and inline."""
    await send(update, context, answer.help_reply(context.bot.username))


async def sources_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the articles with outlet, headline, date and link."""
    await send(update, context, answer.sources_reply(deps(context).list_sources()))


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer `/ask question`, in any chat."""
    parts = text_of(update.effective_message).split(maxsplit=1)
    await answer_question(update, context, parts[1] if len(parts) > 1 else "")


# --- messages --------------------------------------------------------------------------------


def text_of(message: Message | None) -> str:
    """What a message says: its text, or the caption of a photo, video or document."""
    if message is None:
        return ""
    return message.text or message.caption or ""


async def private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer any text (or captioned photo) in a private chat."""
    text = text_of(update.effective_message)
    if not text.strip():  # nothing to search: say what to send, not how /ask works
        await send(update, context, answer.prompt_reply())
        return
    await answer_question(update, context, text)


def is_reply_to_bot(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether the message answers one of the bot's own (in a group: addressed to it)."""
    message = update.effective_message
    replied = message.reply_to_message if message is not None else None
    return bool(replied and replied.from_user and replied.from_user.id == context.bot.id)


async def group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a group message addressed to the bot (a reply to it or a mention); ignore chatter."""
    text = text_of(update.effective_message)
    # The @username as a word of the text, not as one of the message's entities: entity
    # offsets come from the client, and one that splits an emoji's surrogate pair raises.
    mention = re.compile(rf"(?<!\w)@{re.escape(context.bot.username)}(?!\w)", re.IGNORECASE)
    if not (mention.search(text) or is_reply_to_bot(update, context)):
        return
    await answer_question(update, context, mention.sub(" ", text))


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask for a text question when sent a sticker, photo, voice message, …"""
    chat = required(update.effective_chat, "chat")
    if chat.type == ChatType.PRIVATE or is_reply_to_bot(update, context):
        await send(update, context, answer.not_text_reply())


# --- buttons ---------------------------------------------------------------------------------


async def _edit_buttons(update: Update, rows: answer.Keyboard) -> None:
    """Replace the keyboard of the pressed message (none left: no keyboard); unchanged is fine."""
    try:
        query = required(update.callback_query, "callback query")
        await query.edit_message_reply_markup(reply_markup=markup(rows))
    except BadRequest as exc:
        # A second press, or two clients pressing at once: Telegram refuses the no-op edit.
        # (python-telegram-bot capitalizes Telegram's text: "Message is not modified: …".)
        if "message is not modified" not in exc.message.lower():
            raise


async def example_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask the example question whose button was pressed."""
    query = required(update.callback_query, "callback query")
    question = answer.parse_example(query.data)
    if question is None:
        await query.answer(answer.EXPIRED)
        return
    await query.answer()
    await answer_question(update, context, question)


async def more_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the next passages of an answer, never one already shown."""
    query, state = required(update.callback_query, "callback query"), deps(context)
    parsed = answer.parse_more(query.data)
    asked = state.asked.get(parsed[0]) if parsed else None
    if asked is not None and asked.chat_id is not None and asked.chat_id != _chat_id(update):
        asked = None  # another chat's question: as if it never existed
    if parsed is None or asked is None or parsed[1] > len(asked.paging.shown):
        await query.answer(answer.EXPIRED)
        return
    paging, (key, offset) = asked.paging, parsed
    # Checked and marked before any await: concurrent presses can't both get this page.
    if offset in asked.served or offset < len(paging.shown):
        await query.answer(answer.ALREADY_SHOWN)
        await _edit_buttons(update, answer.without_more(pressed_keyboard(update)))
        return
    asked.served.add(offset)
    async with typing_while(update, context):
        hits = await search(context, paging.question, paging.wanted)
    page, has_more = paging.take(hits)
    await _edit_buttons(update, answer.without_more(pressed_keyboard(update)))
    if not page:
        await query.answer(answer.NOTHING_MORE)
        return
    more = answer.more_callback(key, len(paging.shown)) if has_more else None
    votes = state.keep(paging.question, page, paging)
    await query.answer()
    reply = answer.answer_reply(
        paging.question, page, more_data=more, vote_key=votes, continued=True
    )
    await send(update, context, reply)


async def vote_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Take a 👍 or 👎 on an answer: thanks at once, the keyboard shows the vote."""
    query = required(update.callback_query, "callback query")
    parsed = answer.parse_vote(query.data)
    if parsed is None:  # forged
        await query.answer(answer.EXPIRED)
        return
    key, value = parsed
    user = required(update.effective_user, "user")
    if await deps(context).feedback.vote(key, user.id, value) is Vote.UNKNOWN:
        await query.answer(answer.EXPIRED)  # older than the store remembers
        return
    # Recorded or lost to a failing database alike: the person voted, and is thanked.
    await query.answer(answer.THANKS)
    await _edit_buttons(update, answer.with_vote(pressed_keyboard(update), *parsed))


def _chat_id(update: Update) -> int | None:
    message = required(update.callback_query, "callback query").message
    return message.chat.id if message is not None else None


async def unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a button this bot doesn't know (old or forged) politely."""
    await required(update.callback_query, "callback query").answer(answer.EXPIRED)


# --- inline mode -----------------------------------------------------------------------------


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer the best passages for `@bot question`, each sending a quotation with its source.

    A query per keystroke: each user gets one search at a time, of the newest query, within
    their own inline budget; the rest get no answer (the client shows only the last one).
    """
    query, state = required(update.inline_query, "inline query"), deps(context)
    settings = state.settings
    question, _ = answer.clip_question(query.query, settings.max_question_chars)
    if not question:
        await query.answer([], cache_time=settings.inline_cache_seconds)
        return
    async with state.inline_turns.turn(query.from_user.id) as newest:
        if not newest or not state.inline_limits.allow(query.from_user.id):
            return
        hits, _ = answer.next_page(await search(context, question, settings.top_k), (), 50)
    results = [
        InlineQueryResultArticle(
            id=str(i),
            title=answer.inline_title(hit),
            description=answer.inline_description(hit),
            input_message_content=InputTextMessageContent(
                answer.passage_html(hit),
                parse_mode=ParseMode.HTML,
                link_preview_options=NO_PREVIEW,
            ),
        )
        for i, hit in enumerate(hits)
    ]
    button = None
    if not results:
        button = InlineQueryResultsButton(answer.NO_ANSWER, start_parameter="examples")
    await query.answer(results, cache_time=settings.inline_cache_seconds, button=button)


# --- errors ----------------------------------------------------------------------------------


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the exception with its traceback, then tell the user something went wrong."""
    if update is None and isinstance(context.error, TelegramError):
        # From the polling loop, which tries again by itself: one line, no traceback.
        logger.warning("getUpdates failed (%s); polling again", describe(context.error))
        return
    logger.error("Error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if context.error is not None and may_have_acted(context.error):
        # Telegram may have delivered the message whose answer we lost: an apology on top of
        # the answer would be a second reply, and the retries already gave up on the rest.
        return
    try:
        await context.bot.send_message(update.effective_chat.id, answer.SOMETHING_WRONG)
    except TelegramError:
        logger.exception("Could not tell the user about the error")
