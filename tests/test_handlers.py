"""Handlers in-process: updates fed to `process_update`, the bot's calls served by the stand-in."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from telegram import Update
from telegram.ext import Application

from bot import answer
from bot.app import build_application
from bot.config import Settings, serve_problem, token_problem
from bot.logs import RedactingFormatter, Redactor, configure_logging
from tests.botapi_stub import TOKEN, BotApiStub, FakeRetriever, bot_settings, parse_html


def settings_for(stub: BotApiStub, **overrides: object) -> Settings:
    return bot_settings(stub.base_url, **overrides)


@asynccontextmanager
async def running(stub: BotApiStub, retriever: object, **overrides: object) -> AsyncIterator[
    tuple[Application, Callable[[], asyncio.Future]]
]:  # fmt: skip
    application = build_application(settings_for(stub, **overrides), retriever)
    async with application:

        def feed() -> asyncio.Future:
            """Process the updates the test queued on the stub, concurrently."""
            updates = [Update.de_json(u, application.bot) for u in stub.take_updates()]
            return asyncio.gather(*(application.process_update(u) for u in updates))

        yield application, feed


def texts(stub: BotApiStub, since: int = 0) -> list[str]:
    return [parse_html(c.params["text"])[0] if c.params.get("parse_mode") else c.params["text"]
            for c in stub.sent_since(since)]  # fmt: skip


class SlowOnOneQuestion(FakeRetriever):
    def search(self, question: str, k: int):
        if "slow" in question:
            time.sleep(0.8)  # CPU-bound work holds its thread, not the event loop
        return super().search(question, k)


@pytest.mark.parametrize("batch_window_ms", [5.0, 0.0], ids=["batching", "no batching"])
async def test_a_slow_search_does_not_stall_other_chats(
    stub: BotApiStub, batch_window_ms: float
) -> None:
    alice, bob = stub.user(1, "Alice"), stub.user(2, "Bob")
    retriever = SlowOnOneQuestion()
    async with running(stub, retriever, batch_window_ms=batch_window_ms) as (_, feed):
        stub.send_text(stub.private_chat(alice), alice, "slow question about turnout")
        alice_done = feed()
        await asyncio.sleep(0.1)  # Alice's search is under way when Bob asks
        stub.send_text(stub.private_chat(bob), bob, "What was the turnout?")
        await asyncio.gather(alice_done, feed())
    sent = stub.calls_to("sendMessage")
    assert [c.params["chat_id"] for c in sent] == [2, 1]  # Bob answered while Alice waited
    assert sent[1].at - sent[0].at > 0.5


async def test_errors_are_logged_with_traceback_then_the_user_is_told(
    stub: BotApiStub, caplog: pytest.LogCaptureFixture
) -> None:
    user = stub.user()
    async with running(stub, FakeRetriever(fail=True)) as (_, feed):
        stub.send_text(stub.private_chat(user), user, "Who won?")
        with caplog.at_level(logging.DEBUG, logger="bot"):
            await feed()
    record = next(r for r in caplog.records if r.name == "bot.handlers")
    assert record.exc_info and "index exploded" in str(record.exc_info[1])
    assert texts(stub) == [answer.SOMETHING_WRONG]
    assert TOKEN not in caplog.text


async def test_group_ask_without_a_question_explains_how(stub: BotApiStub) -> None:
    user, group = stub.user(), stub.group_chat()
    async with running(stub, FakeRetriever()) as (_, feed):
        stub.send_text(group, user, "/ask")
        stub.send_text(group, user, "what was the turnout?")  # not addressed: ignored
        await feed()
    assert texts(stub) == [answer.ask_usage_reply().plain]


async def test_a_reply_to_the_bot_in_a_group_is_a_question(stub: BotApiStub) -> None:
    user, group = stub.user(), stub.group_chat()
    async with running(stub, FakeRetriever()) as (_, feed):
        stub.send_text(group, user, "/start")
        await feed()
        bots_message = stub.calls_to("sendMessage")[-1].result
        stub.send_text(group, user, "and the turnout?", reply_to=bots_message)
        await feed()
    assert "77.4 percent" in texts(stub)[-1]


class SetsAsideTheWeather(FakeRetriever):
    """Searches the sentences of a message that don't ask about the weather, and says which
    it set aside, as the real retriever does for a kind of answer no passage gives."""

    def search_many_with_reason(self, questions, k):
        results = []
        for question in questions:
            asked = [s.strip() + "?" for s in question.split("?") if s.strip()]
            aside = tuple(s for s in asked if "weather" in s)
            found = self.search_with_reason(" ".join(s for s in asked if s not in aside), k)
            results.append(dataclasses.replace(found, set_aside=aside))
        return results


async def test_a_question_of_the_message_the_articles_do_not_cover_is_named_above_the_answer(
    stub: BotApiStub,
) -> None:
    user = stub.user()
    async with running(stub, SetsAsideTheWeather()) as (_, feed):
        stub.send_text(
            stub.private_chat(user), user, "What's the weather in Almaty? What was the turnout?"
        )
        await feed()
    lines = texts(stub)[-1].splitlines()
    assert lines[:2] == [
        "From the articles:",
        "The articles don't cover “What's the weather in Almaty?”",
    ]
    assert "77.4 percent" in texts(stub)[-1]


async def test_sources_come_from_the_retriever(stub: BotApiStub) -> None:
    user = stub.user()
    async with running(stub, FakeRetriever()) as (_, feed):
        stub.send_text(stub.private_chat(user), user, "/sources")
        await feed()
    (listing,) = stub.calls_to("sendMessage")
    # Newest first, whatever order the retriever keeps them in.
    assert parse_html(listing.params["text"])[0].splitlines()[1:] == [
        "1. Eurasianet, 11 June 2019",
        "2. Reuters — Kazakhstan's Tokayev wins election <as expected>, 10 June 2019",
        "3. RFE/RL — Hundreds detained in election-day protests, 9 June 2019",
    ]
    assert '<a href="https://example.test/rferl/protests">' in listing.params["text"]


async def test_stale_and_forged_buttons_get_a_polite_answer(stub: BotApiStub) -> None:
    user = stub.user()
    chat = stub.private_chat(user)
    async with running(stub, FakeRetriever()) as (_, feed):
        message = stub.send_text(chat, user, "hello")
        stub.take_updates()  # only the presses below are fed
        for data in ("m:gone:3", "m:x:notanumber", "ex:77", "whatever", "m:" + "a" * 40 + ":1"):
            stub.press(message, data, user)
        await feed()
    answers = [c.params.get("text") for c in stub.calls_to("answerCallbackQuery")]
    assert answers == [answer.EXPIRED] * 5
    assert stub.calls_to("sendMessage") == []


async def test_more_after_the_key_is_forgotten_expires(stub: BotApiStub) -> None:
    user = stub.user()
    async with running(stub, FakeRetriever(), remembered_answers=1) as (_, feed):
        chat = stub.private_chat(user)
        stub.send_text(chat, user, "protests and detentions")
        await feed()
        first = stub.calls_to("sendMessage")[-1]
        stub.send_text(chat, user, "detained protesters")  # pushes the first key out
        await feed()
        stub.press(first.result, first.params["reply_markup"]["inline_keyboard"][0][0][
            "callback_data"], user)  # fmt: skip
        await feed()
    assert stub.calls_to("answerCallbackQuery")[-1].params["text"] == answer.EXPIRED


async def test_inline_query_without_text_or_answer(stub: BotApiStub) -> None:
    user, retriever = stub.user(), FakeRetriever()
    async with running(stub, retriever) as (_, feed):
        stub.inline_query(user, "   ")
        stub.inline_query(user, "price of bread in Paris")
        await feed()
    empty, none = stub.calls_to("answerInlineQuery")
    assert empty.params["results"] == [] and none.params["results"] == []
    assert none.params["button"]["start_parameter"] == "examples"
    assert [q for q, _ in retriever.questions] == ["price of bread in Paris"]


async def test_private_photo_gets_a_request_for_text_but_group_photos_are_ignored(
    stub: BotApiStub,
) -> None:
    user = stub.user()
    photo = [{"file_id": "p", "file_unique_id": "u", "width": 9, "height": 9}]
    async with running(stub, FakeRetriever()) as (_, feed):
        stub.incoming(stub.private_chat(user), user, photo=photo)
        stub.incoming(stub.group_chat(), user, photo=photo)
        await feed()
    assert texts(stub) == [answer.not_text_reply().plain]


def test_token_problems_are_one_line_and_never_echo_the_token() -> None:
    missing = token_problem(Settings.from_values())
    bad = token_problem(Settings.from_values(telegram_bot_token="12345:secret-ish"))
    for problem in (missing, bad):
        assert "@BotFather" in problem and "TELEGRAM_BOT_TOKEN" in problem and "\n" not in problem
    assert "secret-ish" not in bad
    good = Settings.from_values(telegram_bot_token=TOKEN)
    assert token_problem(good) is None and TOKEN not in repr(good)


def test_serve_problem_is_the_token_s_then_a_webhook_secret_telegram_would_refuse() -> None:
    assert serve_problem(Settings.from_values()) == token_problem(Settings.from_values())
    good = dict(telegram_bot_token=TOKEN)
    assert serve_problem(Settings.from_values(**good, webhook_secret="ok_secret-123456")) is None
    bad = serve_problem(Settings.from_values(**good, webhook_secret="no spaces!"))
    assert bad and bad.startswith("WEBHOOK_SECRET may only use") and "no spaces" not in bad


def test_build_refuses_a_missing_token() -> None:
    with pytest.raises(ValueError, match="BotFather"):
        build_application(Settings.from_values(), FakeRetriever())


def test_httpx_which_logs_urls_with_the_token_is_kept_at_warning() -> None:
    httpx_logger = logging.getLogger("httpx")
    before = httpx_logger.level
    try:
        configure_logging(Settings.from_values())
        assert httpx_logger.getEffectiveLevel() >= logging.WARNING
    finally:
        httpx_logger.setLevel(before)


def test_the_token_is_redacted_from_log_lines_and_tracebacks() -> None:
    redactor = Redactor()
    redactor.add_settings(Settings.from_values(telegram_bot_token=TOKEN))
    formatter = RedactingFormatter(logging.Formatter("%(message)s"), redactor)
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/getMe failed")
    except RuntimeError as exc:
        record = logging.LogRecord("x", logging.ERROR, "", 0, f"url bot{TOKEN}", (), (
            type(exc), exc, exc.__traceback__))  # fmt: skip
    shown = formatter.format(record)
    assert TOKEN not in shown and TOKEN.split(":")[1] not in shown and "<TOKEN>" in shown


def test_secrets_are_redacted_everywhere_but_short_strings_are_left_alone() -> None:
    redactor = Redactor()
    settings = Settings.from_values(
        telegram_bot_token=TOKEN, webhook_secret="hook_secret-0123456789",
        telegram_api_base_url="https://bot:pass-word-1@tg.example.org/bot",
    )  # fmt: skip
    redactor.add_settings(settings)
    redactor.add("abc", "SHORT")  # would turn up inside ordinary words
    text = f"{TOKEN} {TOKEN.split(':')[1]} 'secret_token': 'hook_secret-0123456789' pass-word-1 abc"
    assert redactor.redact(text) == (
        "<TOKEN> <TOKEN> 'secret_token': '<WEBHOOK_SECRET>' <PASSWORD> abc"
    )


def test_the_bot_package_does_not_import_telegram() -> None:
    import subprocess
    import sys

    code = "import bot, bot.config, bot.answer, bot.chat, sys; print('telegram' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"  # fmt: skip
