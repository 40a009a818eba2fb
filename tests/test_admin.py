"""Abuse limits and admin commands, in-process: updates fed to the bot, its calls to the stub."""

from __future__ import annotations

from bot import answer
from bot.handlers import DEPS
from bot.usage import RateLimits
from retrieval.errors import IndexCorrupt
from tests.botapi_stub import BotApiStub, FakeRetriever, visible
from tests.test_handlers import running

ADMIN = 42


def replies(stub: BotApiStub, since: int = 0) -> list[str]:
    return [visible(c) for c in stub.sent_since(since)]


def test_rate_limit_window() -> None:
    limits = RateLimits(per_minute=2)
    assert [limits.allow(1, now=t) for t in (0, 1, 2)] == [True, True, False]
    assert limits.allow(2, now=2)  # per user
    assert limits.allow(1, now=60.5)  # the first one left the window
    assert all(RateLimits(per_minute=0).allow(1, now=0) for _ in range(100))  # 0 = off


async def test_over_the_rate_limit_one_polite_notice_then_quiet(stub: BotApiStub) -> None:
    user, retriever = stub.user(), FakeRetriever()
    chat = stub.private_chat(user)
    async with running(stub, retriever, rate_limit_per_minute=3) as (_, feed):
        for i in range(6):
            stub.send_text(chat, user, f"What was the turnout? {i}")
        await feed()
    got = replies(stub)
    assert len(got) == 4  # 3 answers, 1 notice; the other 2 refusals are quiet
    assert got.count(answer.RATE_LIMITED) == 1 and len(retriever.questions) == 3


def test_a_refused_user_is_told_once_a_window() -> None:
    limits = RateLimits(per_minute=1)
    assert [limits.tell(1, now=t) for t in (0, 1, 59)] == [True, False, False]
    assert limits.tell(2, now=1)  # per user
    assert limits.tell(1, now=60.5)  # a new window: told again


async def test_a_message_over_the_cap_is_refused_without_searching(stub: BotApiStub) -> None:
    user, retriever = stub.user(), FakeRetriever()
    async with running(stub, retriever, max_message_chars=100) as (_, feed):
        stub.send_text(stub.private_chat(user), user, "Who won? " * 20)
        await feed()
    assert replies(stub) == [answer.TOO_LONG] and retriever.questions == []


async def test_stats_for_admins_only_others_get_the_help_like_any_unknown_command(
    stub: BotApiStub,
) -> None:
    admin, other = stub.user(ADMIN, "Admin"), stub.user(7, "Other")
    async with running(stub, FakeRetriever(), admin_user_ids=[ADMIN]) as (_, feed):
        stub.send_text(stub.private_chat(other), other, "Who won?")
        stub.send_text(stub.private_chat(other), other, "What is the price of bread?")
        await feed()
        mark = stub.mark()
        stub.send_text(stub.private_chat(other), other, "/stats")
        stub.send_text(stub.private_chat(other), other, "/reload")
        await feed()
        stub.send_text(stub.private_chat(other), other, "/nosuchcommand")
        await feed()
        stub.send_text(stub.private_chat(admin), admin, "/stats")
        await feed()
    stats_other, reload_other, unknown, stats_admin = replies(stub, mark)
    assert stats_other == reload_other == unknown  # no hint that the commands exist
    assert "How to ask" in unknown and "Questions" not in unknown
    assert "Questions served: 2" in stats_admin and "Abstentions (not covered): 1" in stats_admin
    assert "p50" in stats_admin and "Uptime" in stats_admin


async def test_stats_shows_the_votes_and_the_three_most_asked_gaps(stub: BotApiStub) -> None:
    admin = stub.user(ADMIN, "Admin")
    chat = stub.private_chat(admin)
    async with running(stub, FakeRetriever(), admin_user_ids=[ADMIN]) as (_, feed):
        for question in [
            "Who won?", "Price of bread?", "price of bread", "PRICE OF BREAD!",
            "Weather in Paris?", "weather in paris", "Tide tables?", "Moon landing?",
        ]:  # fmt: skip
            stub.send_text(chat, admin, question)
            await feed()
        (answered,) = [c for c in stub.sent_since(0) if "<blockquote>" in c.params["text"]]
        up = answered.params["reply_markup"]["inline_keyboard"][0][-2]
        assert up["text"] == "👍"
        stub.press(answered.result, up["callback_data"], admin)
        await feed()
        mark = stub.mark()
        stub.send_text(chat, admin, "/stats")
        await feed()
    (stats,) = replies(stub, mark)
    assert "Votes: 👍 1, 👎 0; answers: 1, unanswered: 7" in stats
    assert stats.endswith(
        "Top gaps (most-asked unanswered):\n"
        "1. Price of bread? (3×)\n2. Weather in Paris? (2×)\n3. Tide tables? (1×)"
    )


async def test_reload_swaps_the_retriever_and_keeps_the_old_one_on_failure(
    stub: BotApiStub,
) -> None:
    admin = stub.user(ADMIN, "Admin")
    chat = stub.private_chat(admin)
    old, fresh = FakeRetriever(), FakeRetriever()
    async with running(stub, old, admin_user_ids=str(ADMIN)) as (application, feed):
        state = application.bot_data[DEPS]

        def broken(settings: object) -> FakeRetriever:
            raise IndexCorrupt("index file passages.npy is missing or truncated")

        state.loader = broken
        stub.send_text(chat, admin, "/reload")
        await feed()
        assert state.retriever is old
        assert "Reload failed, still serving the previous index: index file" in replies(stub)[-1]
        state.loader = lambda settings: fresh
        stub.send_text(chat, admin, "/reload")
        await feed()
        assert state.retriever is fresh and state.batcher.retriever is fresh
        assert replies(stub)[-1] == "Reloaded the index."
        stub.send_text(chat, admin, "Who won?")
        await feed()
    assert fresh.questions and not old.questions


async def test_a_more_button_only_works_in_the_chat_it_was_made_in(stub: BotApiStub) -> None:
    alice, mallory = stub.user(1, "Alice"), stub.user(2, "Mallory")
    async with running(stub, FakeRetriever()) as (_, feed):
        stub.send_text(stub.private_chat(alice), alice, "Were there protests and detentions?")
        await feed()
        (first,) = stub.calls_to("sendMessage")
        data = first.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        # Mallory forges the button's data on a message in her own chat.
        mark = stub.mark()
        stub.send_text(stub.private_chat(mallory), mallory, "/help")
        await feed()
        (own,) = stub.sent_since(mark)
        stub.press(own.result, data, mallory)
        await feed()
        for forged in ("m:x", "m:" + "A" * 200, "ex:99", "\u202e\x00", ""):
            stub.press(own.result, forged, mallory)
        stub.inline_query(mallory, "<b>&amp;\u200b" + "é" * 300)
        stub.inline_query(mallory, "\U0001f5f3" * 50)
        await feed()
    answers = [c.params.get("text") for c in stub.calls_to("answerCallbackQuery")]
    assert answers == [answer.EXPIRED] * 6
    assert len(stub.calls_to("answerInlineQuery")) == 2
    assert [int(c.params["chat_id"]) for c in stub.calls_to("sendMessage")] == [1, 2]
    assert not stub.calls_to("sendMessage", ok=False)
