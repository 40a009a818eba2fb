"""The real bot, polling the Bot API stand-in on 127.0.0.1, through one conversation.

Set BOT_TRANSCRIPT=path to write the messages as the bot sent them.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.answer import (
    EXPIRED,
    NO_ANSWER,
    OTHER_LANGUAGE,
    OTHER_LANGUAGE_RU,
    SOMETHING_WRONG,
    THANKS,
    parse_vote,
)
from bot.app import build_application
from tests.botapi_stub import BotApiStub, Call, FakeRetriever, bot_settings, parse_html, polling

pytestmark = pytest.mark.e2e


@pytest.fixture
async def bot(stub: BotApiStub) -> AsyncIterator[FakeRetriever]:
    """The bot as `election-bot serve` runs it, pointed at the stand-in through settings."""
    # "typing…" on every answer, however fast, so the flow shows it.
    settings = bot_settings(stub.base_url, typing_delay_ms=0)
    retriever = FakeRetriever()
    application = build_application(settings, retriever)
    async with polling(application):
        yield retriever


def shown(call: Call) -> str:
    return parse_html(call.params["text"])[0]


def buttons(call: Call) -> list[tuple[str, str]]:
    markup = call.params.get("reply_markup") or {}
    return [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", [])
            for b in row]  # fmt: skip


def seen(call: Call) -> str:
    """The message as a reader sees it before any tap: an expandable quote shows as a marker."""
    text = call.params["text"]
    if not call.params.get("parse_mode"):
        return text

    def folded(match: re.Match[str]) -> str:
        words = len(parse_html(match[1])[0].split())
        return f"<i>[▸ the whole passage, {words} words, behind a tap]</i>"

    return parse_html(
        re.sub(r"<blockquote expandable>(.*?)</blockquote>", folded, text, flags=re.S)
    )[0]


def quotes(call: Call) -> list[str]:
    return re.findall(r"<blockquote>(.*?)</blockquote>", call.params["text"], flags=re.S)


async def test_conversation(stub: BotApiStub, bot: FakeRetriever) -> None:
    user = stub.user()
    chat = stub.private_chat(user)
    assert [c["command"] for c in stub.commands] == ["start", "ask", "sources", "help"]

    # /start: what the bot knows and three example questions as buttons
    mark = stub.mark()
    start = stub.send_text(chat, user, "/start")
    (welcome,) = await stub.wait_for("sendMessage", since=mark)
    assert "3 news articles" in shown(welcome) and "Reuters" in shown(welcome)
    assert [data for _, data in buttons(welcome)] == ["ex:0", "ex:1", "ex:2"]

    # an example button asks its question
    mark = stub.mark()
    stub.press({**welcome.result, "chat": start["chat"]}, "ex:0", user)
    (example,) = await stub.wait_for("sendMessage", since=mark)
    assert "<b>Kassym-Jomart Tokayev won the election" in example.params["text"]
    assert (
        '<a href="https://example.test/reuters?id=1&amp;lang=en">Reuters — Kazakhstan&#x27;s'
        in (example.params["text"])
    )

    # a question: typing…, three quotes with the best sentence bold, sources as links, More
    mark = stub.mark()
    stub.send_text(chat, user, "Were there protests and detentions?")
    (first,) = await stub.wait_for("sendMessage", since=mark)
    assert stub.calls_to("sendChatAction")[-1].params["action"] == "typing"
    assert len(quotes(first)) == 3
    assert "<b>detentions of protesters were arbitrary.</b>" in first.params["text"]
    assert (
        '<a href="https://example.test/rferl/protests">RFE/RL — Hundreds detained'
        in first.params["text"]
    )
    assert "&lt;carried&gt;" in first.params["text"]
    # More, 👍 and 👎 in one row
    (row,) = first.params["reply_markup"]["inline_keyboard"]
    (more_text, more_data), up, down = buttons(first)
    assert len(row) == 3 and more_data.startswith("m:") and more_data.endswith(":3")
    assert [up[0], down[0]] == ["👍", "👎"] and up[1].startswith("v:")

    # More: the next three, the old More button removed, its votes kept
    mark = stub.mark()
    stub.press(first.result, more_data, user)
    (second,) = await stub.wait_for("sendMessage", since=mark)
    (edit,) = await stub.wait_for("editMessageReplyMarkup", since=mark)
    assert [b["text"] for b in edit.params["reply_markup"]["inline_keyboard"][0]] == ["👍", "👎"]
    assert len(quotes(second)) == 3 and not set(quotes(second)) & set(quotes(first))
    assert shown(second).startswith("More on")

    # the same More again (a double tap): no passage twice, "not modified" handled quietly
    mark = stub.mark()
    stub.press(first.result, more_data, user)
    (again,) = await stub.wait_for("answerCallbackQuery", since=mark)
    assert again.params["text"] == "Already shown below."
    await stub.wait_for("editMessageReplyMarkup", since=mark, ok=False)
    await stub.settle()
    assert stub.sent_since(mark) == []

    # More on the second answer: the last one, and no More button after it, only the votes
    (_, more_data_2), *votes_2 = buttons(second)
    assert votes_2 and votes_2 != [up, down]  # a "More" page is voted on by itself
    mark = stub.mark()
    stub.press(second.result, more_data_2, user)
    (third,) = await stub.wait_for("sendMessage", since=mark)
    assert len(quotes(third)) == 1 and [text for text, _ in buttons(third)] == ["👍", "👎"]
    everything = quotes(first) + quotes(second) + quotes(third)
    assert len(everything) == len(set(everything)) == 7

    # a forged button
    mark = stub.mark()
    stub.press(first.result, "m:forged:3", user)
    (forged,) = await stub.wait_for("answerCallbackQuery", since=mark)
    assert forged.params["text"] == EXPIRED

    # no answer: one honest line and two example questions
    mark = stub.mark()
    stub.send_text(chat, user, "What is the price of bread in Paris?")
    (none,) = await stub.wait_for("sendMessage", since=mark)
    assert shown(none).startswith(NO_ANSWER) and len(buttons(none)) == 2
    assert "<blockquote>" not in none.params["text"]

    # a sticker
    mark = stub.mark()
    stub.send_sticker(chat, user)
    (sticker,) = await stub.wait_for("sendMessage", since=mark)
    assert "text" in shown(sticker)

    # a very long question: its first part is searched, with a note
    mark = stub.mark()
    stub.send_text(chat, user, "What was the turnout? " + "Please tell me more. " * 300)
    (long,) = await stub.wait_for("sendMessage", since=mark)
    assert "first 500 characters" in shown(long) and "77.4 percent" in shown(long)

    # a group: /ask and a mention are answered as replies, chatter is ignored
    group = stub.group_chat()
    mark = stub.mark()
    stub.send_text(group, user, "lunch anyone?")
    stub.send_text(group, user, "/ask@election_test_bot Who won?")
    (asked,) = await stub.wait_for("sendMessage", since=mark)
    assert asked.params["chat_id"] == group["id"] and "Tokayev" in shown(asked)
    assert asked.params["reply_parameters"]["message_id"] == 2
    mark = stub.mark()
    stub.send_text(group, user, "@election_test_bot what was the turnout?")
    (mentioned,) = await stub.wait_for("sendMessage", since=mark)
    assert "77.4 percent" in shown(mentioned)
    mark = stub.mark()
    stub.send_text(group, user, "the turnout seems high to me")
    await stub.settle()
    assert stub.sent_since(mark) == []

    # inline mode: one result per passage, each a quotation with its source
    mark = stub.mark()
    stub.inline_query(user, "protests detained")
    (inline,) = await stub.wait_for("answerInlineQuery", since=mark)
    results = inline.params["results"]
    assert 1 <= len(results) <= 5 and inline.params["cache_time"] <= 30
    for result in results:
        text = result["input_message_content"]["message_text"]
        assert text.startswith("<blockquote>") and "<a href=" in text

    await stub.settle()
    failures = [c for c in stub.calls if not c.ok]
    assert [c.method for c in failures] == ["editMessageReplyMarkup"], stub.summary()
    assert all(SOMETHING_WRONG not in c.params.get("text", "") for c in stub.calls)
    _dump_transcript(stub)


# --- 👍 and 👎 ------------------------------------------------------------------------------


async def test_votes_reach_the_database_without_telegram_ids(
    stub: BotApiStub, tmp_path: Path
) -> None:
    db = tmp_path / "feedback.sqlite3"
    application = build_application(
        bot_settings(stub.base_url, feedback_db=str(db)), FakeRetriever()
    )
    # Telegram ids as they look (ten digits, a group's thirteen): unlike anything else stored.
    alice, bob = stub.user(7341234567, "Aigerim"), stub.user(7349876543, "Bolat")
    chat, group = stub.private_chat(alice), stub.group_chat(-1001987654321)
    async with polling(application):

        async def press(message: Call, data: str, user: dict) -> tuple[str, list[str]]:
            """The toast, and the keyboard after the press (as the user then sees it)."""
            mark = stub.mark()
            stub.press(message.result, data, user)
            (toast,) = await stub.wait_for("answerCallbackQuery", since=mark)
            await stub.settle(quiet=0.1)
            current = stub.messages[(message.result["chat"]["id"], message.result["message_id"])]
            rows = current.get("reply_markup", {}).get("inline_keyboard", [])
            return toast.params.get("text", ""), [b["text"] for row in rows for b in row]

        mark = stub.mark()
        stub.send_text(chat, alice, "Were there protests and detentions?")
        (first,) = await stub.wait_for("sendMessage", since=mark)
        (_, more), (_, up), (_, down) = buttons(first)
        assert await press(first, up, alice) == (THANKS, ["More ›", "👍 ✓", "👎"])
        assert await press(first, up, alice) == (THANKS, ["More ›", "👍 ✓", "👎"])  # no change
        assert await press(first, down, alice) == (THANKS, ["More ›", "👍", "👎 ✓"])  # changed

        mark = stub.mark()
        stub.press(first.result, more, alice)
        (page,) = await stub.wait_for("sendMessage", since=mark)
        _, (_, up_2), _ = buttons(page)
        assert await press(page, up_2, alice) == (THANKS, ["More ›", "👍 ✓", "👎"])
        assert stub.messages[(chat["id"], first.result["message_id"])]["reply_markup"] == {
            "inline_keyboard": [[{"text": "👍", "callback_data": up},
                                 {"text": "👎 ✓", "callback_data": down}]]
        }  # fmt: skip

        # In a group, each person's vote counts once.
        mark = stub.mark()
        stub.send_text(group, alice, "/ask@election_test_bot Who won?")
        (asked,) = await stub.wait_for("sendMessage", since=mark)
        *_, (_, group_up), (_, group_down) = buttons(asked)
        await press(asked, group_up, alice)
        await press(asked, group_up, bob)
        await press(asked, group_down, bob)

        # Forged or mangled vote data: the usual "expired".
        assert (await press(first, "v:forged00:+", alice))[0] == EXPIRED
        assert (await press(first, up.replace("+", "*"), alice))[0] == EXPIRED

        mark = stub.mark()
        stub.send_text(chat, alice, "What is the price of bread in Paris?")
        await stub.wait_for("sendMessage", since=mark)
        await stub.settle()
        running = _files_of(db)  # the write-ahead log included, while the bot runs
    application.bot_data["deps"].feedback.close()  # what `run_polling` does on the way out

    conn = sqlite3.connect(db)
    answers = conn.execute("SELECT id, question, fingerprint FROM answers ORDER BY asked_at, rowid")
    keys = {answer_id: (question, fp) for answer_id, question, fp in answers}
    first_key, page_key, group_key = (parse_vote(data)[0] for data in (up, up_2, group_up))
    assert keys == {
        first_key: ("Were there protests and detentions?", "fake-corpus-fingerprint"),
        page_key: ("Were there protests and detentions?", "fake-corpus-fingerprint"),
        group_key: ("Who won?", "fake-corpus-fingerprint"),
    }
    ranks = conn.execute("SELECT answer_id, rank FROM shown ORDER BY answer_id, rank").fetchall()
    assert [r for a, r in ranks if a == first_key] == [1, 2, 3]
    assert [r for a, r in ranks if a == page_key] == [4, 5, 6]
    votes = conn.execute("SELECT answer_id, vote FROM votes").fetchall()
    assert sorted(votes) == sorted(
        [(first_key, -1), (page_key, 1), (group_key, 1), (group_key, -1)]
    )
    assert conn.execute("SELECT question, reason FROM unanswered").fetchall() == [
        ("What is the price of bread in Paris?", "low relevance")
    ]
    conn.close()
    assert set(running) == {"feedback.sqlite3", "-wal", "-shm", ".salt"}
    for written in (b"".join(running.values()), b"".join(_files_of(db).values())):
        assert b"bread in Paris" in written  # the check can see what was written
        for telegram_id in (alice["id"], bob["id"], group["id"], -group["id"]):
            assert str(telegram_id).encode() not in written


def _files_of(db: Path) -> dict[str, bytes]:
    """The database and the files SQLite and the store keep beside it, by suffix."""
    return {
        path.name.removeprefix(db.name) or db.name: path.read_bytes()
        for path in db.parent.iterdir()
        if path.name.startswith(db.name)
    }


def _dump_transcript(stub: BotApiStub) -> None:
    """What the users sent (→) and what the bot called (←), its messages in their HTML."""
    target = os.environ.get("BOT_TRANSCRIPT")
    if not target:
        return
    lines: list[str] = []
    for call in stub.calls:
        if call.method == "getUpdates":
            lines.extend(f"→ {_brief(update)}" for update in call.result)
        elif call.method in ("sendMessage", "editMessageText"):
            chat = stub.chats[int(call.params["chat_id"])]["type"]
            lines.append(f"← {call.method} ({chat}), as the user sees it:")
            lines.extend("    " + line for line in seen(call).splitlines())
            lines.extend(f"    [{text}] ({data})" for text, data in buttons(call))
        elif call.method == "answerInlineQuery":
            lines.append(f"← answerInlineQuery: {len(call.params['results'])} results, e.g.:")
            for line in call.params["results"][0]["input_message_content"]["message_text"].split(
                "\n"
            ):
                lines.append("    " + line)
        else:
            extra = {k: v for k, v in call.params.items() if k in ("text", "action", "message_id")}
            status = "" if call.ok else f"  ✗ {call.error}"
            lines.append(f"← {call.method} {json.dumps(extra, ensure_ascii=False)}{status}")
    Path(target).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _brief(update: dict) -> str:
    if "message" in update:
        message = update["message"]
        text = message.get("text", "[sticker]")
        text = text if len(text) < 90 else text[:87] + "..."
        return f"{message['chat']['type']}: {text}"
    if "callback_query" in update:
        return f"button pressed: {update['callback_query']['data']}"
    return f"inline query: {update['inline_query']['query']}"


# --- "typing…" only when the answer is slow ------------------------------------------------


async def _typing_run(delay_ms: float, search_seconds: float) -> list[str]:
    """The bot's calls (but getUpdates) for one question, in order."""
    with BotApiStub() as stub:
        settings = bot_settings(stub.base_url, typing_delay_ms=delay_ms)
        application = build_application(settings, FakeRetriever(delay=search_seconds))
        async with polling(application):
            user = stub.user()
            mark = stub.mark()
            stub.send_text(stub.private_chat(user), user, "Were there protests?")
            await stub.wait_for("sendMessage", since=mark)
            await stub.settle(quiet=0.3)
            return [c.method for c in stub.calls[mark:] if c.method != "getUpdates"]


async def test_a_quick_answer_is_sent_without_typing() -> None:
    assert await _typing_run(delay_ms=500, search_seconds=0.0) == ["sendMessage"]


async def test_a_slow_answer_shows_typing_first_and_once() -> None:
    calls = await _typing_run(delay_ms=100, search_seconds=0.6)
    assert calls == ["sendChatAction", "sendMessage"]


async def test_typing_delay_zero_always_types() -> None:
    assert await _typing_run(delay_ms=0, search_seconds=0.0) == ["sendChatAction", "sendMessage"]


# --- a conversation as people have it ------------------------------------------------------


async def test_small_talk_another_language_and_follow_ups(stub: BotApiStub) -> None:
    """Issue 13: "hi" and "thanks" get a person's reply, Russian is told it's read in English,
    follow-ups are searched with the last question's subject, shown in the header."""
    retriever = FakeRetriever()
    application = build_application(bot_settings(stub.base_url), retriever)
    user = stub.user()
    chat = stub.private_chat(user)
    async with polling(application):
        hello = await _say(stub, chat, user, "Hi!")
        assert shown(hello).startswith("Hello!") and len(buttons(hello)) == 2

        russian = await _say(stub, chat, user, "Кто победил на выборах?")
        assert shown(russian).startswith(OTHER_LANGUAGE_RU) and OTHER_LANGUAGE in shown(russian)
        assert len(buttons(russian)) == 2 and NO_ANSWER not in shown(russian)

        first = await _say(stub, chat, user, "Who is Amirzhan Kosanov?")
        assert shown(first).startswith("From the articles:")
        followup = await _say(stub, chat, user, "Did he call for protests?")
        assert shown(followup).startswith("From the articles, on Did Amirzhan Kosanov call")
        assert "Kosanov came second" in shown(followup)
        again = await _say(stub, chat, user, "and the turnout?")
        assert shown(again).startswith("From the articles, on Did Amirzhan Kosanov call for")
        assert "Turnout was 77.4 percent" in shown(again)

        thanks = await _say(stub, chat, user, "thanks!")
        assert shown(thanks).startswith("You're welcome") and buttons(thanks) == []
    searched = [q for q, _ in retriever.questions]
    assert searched == [
        "Who is Amirzhan Kosanov?",
        "Did Amirzhan Kosanov call for protests?",
        "Did Amirzhan Kosanov call for protests, the turnout?",
    ]
    _dump_transcript(stub)


async def _say(stub: BotApiStub, chat: dict, user: dict, text: str) -> Call:
    mark = stub.mark()
    stub.send_text(chat, user, text)
    (reply,) = await stub.wait_for("sendMessage", since=mark)
    return reply
