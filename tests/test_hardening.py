"""Secrets stay secret in-process, and every command keeps serving an old index with a warning."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import build_application
from bot.config import Settings, token_problem
from bot.logs import configure_logging
from tests.botapi_stub import TOKEN, BotApiStub, FakeRetriever, Fault, bot_settings, polling
from tests.hermetic import clean_env

ROOT = Path(__file__).resolve().parent.parent


def test_the_token_is_absent_from_reprs_dumps_and_messages() -> None:
    settings = Settings.from_values(telegram_bot_token=TOKEN)
    for shown in (repr(settings), str(settings), settings.model_dump_json()):
        assert TOKEN not in shown
    half_pasted = "123456:half-pasted-SECRET-part"
    problem = token_problem(Settings.from_values(telegram_bot_token=half_pasted))
    assert problem and "half-pasted-SECRET-part" not in problem
    application = build_application(settings, FakeRetriever())
    for shown in (repr(application), repr(application.bot), str(application.bot)):
        assert TOKEN not in shown


@pytest.fixture
def root_log() -> Iterator[io.StringIO]:
    """Everything the root logger emits, through the bot's own logging set-up."""
    root = logging.getLogger()
    saved = root.level, list(root.handlers)
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    root.addHandler(handler)
    try:
        yield sink
    finally:
        root.handlers[:] = saved[1]
        root.setLevel(saved[0])
        for name in ("httpx", "httpcore"):
            logging.getLogger(name).setLevel(logging.NOTSET)


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_a_conversation_with_failures_never_logs_the_token(
    root_log: io.StringIO, level: str
) -> None:
    with BotApiStub() as stub:
        # typing_delay_ms=0: its sendChatAction is one of the failures
        settings = bot_settings(stub.base_url, log_level=level, typing_delay_ms=0)
        configure_logging(settings)
        application = build_application(settings, FakeRetriever(fail=True))
        stub.plan(Fault("getUpdates", status=500), Fault("sendChatAction", status=502))
        async with polling(application):
            user = stub.user()
            stub.send_text(stub.private_chat(user), user, "Who won?")  # the search raises
            await stub.wait_for("sendMessage", timeout=30)
            stub.plan(*[Fault("sendMessage", status=500)] * 4)  # fails every retry
            stub.send_text(stub.private_chat(user), user, "/start")
            await stub.wait_for("sendMessage", 4, ok=False, timeout=30)
            await stub.settle()
    log = root_log.getvalue()
    assert "index exploded" in log and "Traceback" in log  # the failures did reach the log
    assert TOKEN not in log
    assert TOKEN.split(":", 1)[1] not in log  # nor its secret half


def test_chat_answers_from_the_previous_index_with_a_warning(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in (ROOT / "corpus").iterdir():
        (corpus / path.name).write_bytes(path.read_bytes())
    env = clean_env(tmp_path / "home", EMBEDDING_MODEL="hash", INDEX_DIR=str(tmp_path / "index"),
                    CORPUS_DIR=str(corpus))  # fmt: skip
    cli = [sys.executable, "-m", "bot.cli"]
    run = dict(cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert subprocess.run([*cli, "index", "-q"], **run).returncode == 0
    (corpus / "zz-broken.md").write_text("no front matter at all\n", encoding="utf-8")
    chat = subprocess.run([*cli, "chat"], input="How many protesters were detained?\n", **run)
    assert chat.returncode == 0, chat.stderr
    assert "warning: serving the previous index" in chat.stderr and "zz-broken.md" in chat.stderr
    assert "detain" in chat.stdout.lower() and "https://" in chat.stdout
    assert "Traceback" not in chat.stderr
