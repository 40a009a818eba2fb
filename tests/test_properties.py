"""Thousands of generated updates thrown at the handlers, in-process: none may break the bot.

Messages, edits, captions, commands, mentions, entities (sensible and not), button presses
(real buttons and forged data) and inline queries, with arbitrary Unicode including lone
surrogates, go through `process_update` with a request that never touches the network: the
stand-in's own checks serve every call. For each update: no exception reaches an error
handler, every call is one Telegram accepts (valid HTML, at most 4096 UTF-16 units, callback
data of at most 64 bytes, ...), it goes to the chat that asked, and nothing is sent twice.

HYPOTHESIS_PROFILE=thorough runs ten times as many examples.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from telegram import Update
from telegram.ext import Application, ContextTypes

from bot import answer
from bot.app import build_application
from bot.handlers import DEPS
from bot.reliability import RetryingRateLimiter
from bot.usage import RateLimits
from tests.botapi_stub import BOT_USERNAME, BotApiStub, Call, bot_settings, in_process_request

# CI: 1,000 conversations of 1 to 4 updates (~2,500 updates): 16-30 s on this shared 2-core
# machine, most of it the retriever's searches (questions clipped at 120 characters for that).
settings.register_profile(
    "ci",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("thorough", parent=settings.get_profile("ci"), max_examples=10_000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

USERS = (1001, 1002, 1003)
GROUP = -100200300
MENTION = f"@{BOT_USERNAME}"
# Asked before a press when the bot has shown no buttons yet: an answer with a More button.
PRELUDE = "Were there protests and detentions on election day?"

# Anything Unicode allows and more: lone surrogates (category Cs) included.
anything = st.text(st.characters(exclude_categories=()), max_size=80)
# Pieces that trip careless code: markup, entities, bidi and zero-width marks, astral emoji.
tricky = st.sampled_from([
    "<", ">", "&", "&amp;", "<b>", "</blockquote>", '"', "'", "&#0;", "\u202e", "\u200d",
    "\x00", "\n", " ", "\t", "😀", "🇰🇿", "e\u0301", "\ud800", "\udfff", "\ufeff", MENTION,
])  # fmt: skip
# Words the articles answer, so answers (with More buttons) happen as well as refusals.
asked = st.sampled_from([
    *answer.EXAMPLE_QUESTIONS, "Tokayev", "turnout", "protests in Almaty", "Kosanov",
    "internet", "detained", "Nur-Sultan", "Nazarbayev resigned",
])  # fmt: skip
text = st.builds(
    lambda parts, repeat: "".join(parts) * repeat,
    st.lists(st.one_of(anything, tricky, asked), max_size=6),
    st.sampled_from([1, 1, 1, 2, 40, 200]),  # now and then over MAX_MESSAGE_CHARS
)
prefixes = st.sampled_from(
    [
        "",
        "",
        "/ask ",
        "/ask",
        "/start",
        "/help",
        "/sources",
        "/more ",
        f"{MENTION} ",
        f"/ask{MENTION} ",
        "/stats",
        "/reload",
    ]  # fmt: skip
)


@st.composite
def entities(draw: st.DrawFn, content: str) -> list[dict]:
    """What Telegram would mark (a command, mentions) and junk offsets it never would."""
    units = len(content.encode("utf-16-le", "surrogatepass")) // 2
    found = []
    if content.startswith("/"):
        found.append({"type": "bot_command", "offset": 0, "length": len(content.split(" ")[0])})
    if MENTION in content:
        at = content.index(MENTION)
        found.append({"type": "mention", "offset": at, "length": len(MENTION)})
    junk = st.fixed_dictionaries({
        "type": st.sampled_from(["bold", "mention", "bot_command", "url", "text_link"]),
        "offset": st.integers(0, units + 3), "length": st.integers(0, units + 3),
    })  # fmt: skip
    return found + draw(st.lists(junk, max_size=2))


@st.composite
def actions(draw: st.DrawFn) -> tuple:
    kind = draw(st.sampled_from(["message", "message", "message", "edit", "press", "inline"]))
    user = draw(st.sampled_from(USERS))
    if kind == "message":
        content = draw(prefixes) + draw(text)
        return (kind, user, draw(st.booleans()), draw(st.booleans()), draw(st.booleans()),
                content, draw(entities(content)))  # fmt: skip
    if kind == "edit":
        return (kind, user, draw(st.integers(0, 5)), draw(prefixes) + draw(text))
    if kind == "press":  # a button the bot sent, or data a modified client made up
        made_up = text.filter(lambda t: len(t.encode("utf-8", "surrogatepass")) <= 64)
        real = st.none()  # mostly the bot's own buttons: More, twice, and the examples
        forged = draw(st.one_of(real, real, real, made_up, st.sampled_from(["m:", "ex:9"])))
        return (kind, user, draw(st.integers(0, 5)), forged)
    return (kind, user, draw(text).strip()[:256])


@dataclass
class Conversation:
    """The stand-in, the bot wired to it in-process, and what each update made the bot do."""

    stub: BotApiStub
    application: Application
    errors: list[BaseException] = field(default_factory=list)
    sent_by_users: dict[int, list[dict]] = field(default_factory=dict)

    def message(self, user_id: int, in_group: bool, caption: bool, reply: bool, content: str,
                marks: list[dict]) -> dict:  # fmt: skip
        user = self.stub.user(user_id, f"U{user_id}")
        chat = self.stub.group_chat(GROUP) if in_group else self.stub.private_chat(user)
        fields: dict[str, Any] = {"text": content, "entities": marks}
        if caption:
            photo = [{"file_id": "p", "file_unique_id": "u", "width": 9, "height": 9}]
            fields = {"photo": photo, "caption": content, "caption_entities": marks}
        bot_messages = [m for m in self.stub.messages.values() if m["chat"]["id"] == chat["id"]]
        if reply and bot_messages:
            fields["reply_to_message"] = bot_messages[-1]
        sent = self.stub.incoming(chat, user, **fields)
        self.sent_by_users.setdefault(user_id, []).append(sent)
        return chat

    def act(self, action: tuple) -> int | None:
        """Queue the update `action` describes; the chat it comes from (None: inline mode)."""
        kind, user_id, *rest = action
        user = self.stub.user(user_id, f"U{user_id}")
        if kind == "message":
            return self.message(user_id, *rest)["id"]
        if kind == "edit":
            mine = self.sent_by_users.get(user_id) or [self.stub.send_text(
                self.stub.private_chat(user), user, "Who won?")]  # fmt: skip
            self.stub.take_updates()
            edited = self.stub.edit_text(mine[rest[0] % len(mine)], rest[1])
            return edited["chat"]["id"]
        if kind == "press":
            index, forged = rest
            shown = [m for m in self.stub.messages.values() if m.get("reply_markup")]
            target = shown[index % len(shown)] if shown else None
            if target is None:  # no buttons shown even so: a press on a message without any
                target = self.stub.send_text(self.stub.private_chat(user), user, "hi")
                self.stub.take_updates()
            data = forged
            if data is None:
                buttons = [b for row in (target.get("reply_markup") or {}).get(
                    "inline_keyboard", []) for b in row]  # fmt: skip
                data = buttons[index % len(buttons)]["callback_data"] if buttons else "m:x:1"
            self.stub.press(target, data, user)
            return target["chat"]["id"]
        self.stub.inline_query(user, rest[0])
        return None


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="module")
def conversation(loop: asyncio.AbstractEventLoop, hash_retriever: Any) -> Iterator[Conversation]:
    stub = BotApiStub()
    config = bot_settings("http://stand-in.invalid/bot", batch_window_ms=0, typing_delay_ms=0,
                          max_message_chars=2000, max_question_chars=120)  # fmt: skip
    limiter = RetryingRateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=0)
    application = build_application(
        config, hash_retriever, rate_limiter=limiter, request=in_process_request(stub)
    )
    talk = Conversation(stub, application)

    async def record(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        talk.errors.append(context.error)

    application.add_error_handler(record)
    loop.run_until_complete(application.initialize())
    yield talk
    loop.run_until_complete(application.shutdown())


def accepted(call: Call) -> bool:
    """Telegram took it; removing buttons already gone is refused harmlessly, and expected."""
    return call.ok or (call.method == "editMessageReplyMarkup" and "not modified" in call.error)


@given(st.lists(actions(), min_size=1, max_size=4))
def test_no_update_breaks_the_bot_or_makes_it_send_a_bad_or_double_reply(
    conversation: Conversation, loop: asyncio.AbstractEventLoop, script: list[tuple]
) -> None:
    stub, application = conversation.stub, conversation.application
    state = application.bot_data[DEPS]
    # Each conversation starts afresh: limits, remembered answers and the stand-in's record.
    state.limits = RateLimits(state.settings.rate_limit_per_minute)
    state.inline_limits = RateLimits(state.settings.inline_rate_limit_per_minute)
    state.asked.clear()
    conversation.errors.clear()
    conversation.sent_by_users.clear()
    with stub._lock:
        stub.calls.clear()
        stub.messages.clear()
    stub.take_updates()
    for action in script:
        if action[0] == "press" and not any(m.get("reply_markup") for m in stub.messages.values()):
            play(conversation, loop, ("message", action[1], False, False, False, PRELUDE, []))
        play(conversation, loop, action)


def play(conversation: Conversation, loop: asyncio.AbstractEventLoop, action: tuple) -> None:
    """Feed the update `action` describes; check what the bot did about it."""
    stub, application = conversation.stub, conversation.application
    chat_id = conversation.act(action)
    (raw,) = stub.take_updates()
    mark = stub.mark()
    loop.run_until_complete(application.process_update(Update.de_json(raw, application.bot)))
    calls = stub.calls[mark:]
    event(f"update: {action[0]}")  # what was covered: --hypothesis-show-statistics
    for call in calls:
        event(f"call: {call.method}{'' if call.ok else ' (refused)'}")
    assert not conversation.errors, (action, conversation.errors)
    assert all(accepted(c) for c in calls), (action, stub.summary(mark))
    made = Counter(c.method for c in calls if c.method != "sendChatAction")
    assert all(n == 1 for n in made.values()), (action, made)  # nothing twice
    targets = {int(c.params["chat_id"]) for c in calls if "chat_id" in c.params}
    assert targets <= ({chat_id} if chat_id is not None else set()), (action, targets)
