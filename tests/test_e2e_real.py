"""The real bot with the real retriever and the bundled model, against the Bot API stand-in.

Set BOT_TRANSCRIPT=path to write the messages as the bot sent them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.answer import NO_ANSWER, OTHER_LANGUAGE_RU
from bot.app import build_application
from bot.config import Settings
from retrieval import Retriever
from tests.botapi_stub import BotApiStub, bot_settings, parse_html, polling
from tests.test_e2e_bot import _dump_transcript, buttons, quotes, seen

pytestmark = [pytest.mark.e2e, pytest.mark.model]

ROOT = Path(__file__).resolve().parent.parent
TOKAYEV = re.compile(r"To[kq]a[y]?ev", re.IGNORECASE)


@pytest.fixture(scope="module")
def real_retriever(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    settings = Settings.from_values(
        corpus_dir=ROOT / "corpus",
        index_dir=tmp_path_factory.mktemp("index"),
        encoder_backend="torch",
    )
    return Retriever.load(settings, progress=False)


async def test_real_conversation(stub: BotApiStub, real_retriever: Retriever) -> None:
    application = build_application(bot_settings(stub.base_url), real_retriever)
    async with polling(application):
        await _converse(stub)
    _dump_transcript(stub)


async def _converse(stub: BotApiStub) -> None:
    user = stub.user()
    chat = stub.private_chat(user)

    mark = stub.mark()
    stub.send_text(chat, user, "/start")
    (welcome,) = await stub.wait_for("sendMessage", since=mark)
    assert "5 news articles" in parse_html(welcome.params["text"])[0]

    mark = stub.mark()
    stub.send_text(chat, user, "Who won the presidential election?")
    (answer,) = await stub.wait_for("sendMessage", since=mark, timeout=30)
    first = quotes(answer)[0]
    assert TOKAYEV.search(first), first
    assert (
        '<a href="https://www.rferl.org/' in answer.params["text"]
        or "cabar.asia" in (answer.params["text"])
    )
    assert "<b>" in first

    (_, more), up, down = buttons(answer)
    assert (up[0], down[0]) == ("👍", "👎")
    mark = stub.mark()
    stub.press(answer.result, more, user)
    (second,) = await stub.wait_for("sendMessage", since=mark, timeout=30)
    assert quotes(second) and not set(quotes(second)) & set(quotes(answer))

    mark = stub.mark()
    stub.send_text(chat, user, "What is the best pizza recipe?")
    (none,) = await stub.wait_for("sendMessage", since=mark, timeout=30)
    assert parse_html(none.params["text"])[0].startswith(NO_ANSWER)
    assert "<blockquote>" not in none.params["text"]

    mark = stub.mark()
    stub.send_sticker(chat, user)
    await stub.wait_for("sendMessage", since=mark)

    group = stub.group_chat()
    mark = stub.mark()
    stub.send_text(group, user, "/ask@election_test_bot Why was the internet shut down?")
    (asked,) = await stub.wait_for("sendMessage", since=mark, timeout=30)
    assert "shut down the Internet" in parse_html(asked.params["text"])[0]

    mark = stub.mark()
    stub.inline_query(user, "Kossanov results")
    (inline,) = await stub.wait_for("answerInlineQuery", since=mark, timeout=30)
    assert inline.params["results"]
    await stub.settle()
    assert all(c.ok for c in stub.calls if c.method == "sendMessage")


async def test_a_conversation_with_small_talk_russian_and_follow_ups(
    stub: BotApiStub, real_retriever: Retriever
) -> None:
    """Issue 13, as a user has it: answers read at a glance, small talk, Russian, follow-ups."""
    application = build_application(bot_settings(stub.base_url), real_retriever)
    user = stub.user()
    chat = stub.private_chat(user)

    async def say(text: str) -> str:
        mark = stub.mark()
        stub.send_text(chat, user, text)
        (reply,) = await stub.wait_for("sendMessage", since=mark, timeout=30)
        assert reply.ok
        return seen(reply)

    async with polling(application):
        assert (await say("Hi!")).startswith("Hello!")
        russian = await say("Кто победил на выборах?")
        assert russian.startswith(OTHER_LANGUAGE_RU) and NO_ANSWER not in russian
        who = await say("Who won the presidential election?")
        assert re.search(TOKAYEV.pattern + " won the election", who, re.IGNORECASE), who
        assert "behind a tap" in who
        # "he" is whom the answer to "who won" named: the winner, and his share first.
        votes = await say("how many votes did he get?")
        assert re.match(r"From the articles, on how many votes did .*To[qk]a[ey]?ev get", votes)
        assert re.search(r"70 percent|70\.76 per cent", votes.split("\n\n")[1]), votes
        assert (await say("Who is Mukhtar Ablyazov?")).startswith("From the articles:")
        where = await say("Where does he live?")
        assert where.startswith("From the articles, on Where does Mukhtar Ablyazov live?")
        assert "exile in France" in where.split("\n\n")[1]  # the first quote
        assert (await say("What is Oyan Qazaqstan?")).startswith("From the articles:")
        founded = await say("Who founded it?")
        assert founded.startswith("From the articles, on Who founded Oyan Qazaqstan?")
        assert "founders of Oyan Qazaqstan" in founded.split("\n\n")[1]
        assert TOKAYEV.search(await say("What did Токаев promise?"))
        assert (await say("thanks!")).startswith("You're welcome")
    _dump_transcript(stub)
