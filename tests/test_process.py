"""`python -m bot` and `election-bot` as processes: SIGTERM, whole log, broken corpus, index."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.botapi_stub import TOKEN, BotApiStub, Fault, visible
from tests.hermetic import clean_env, start_bot

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A clean environment: the hash encoder, a temporary index, feedback database and
    webhook secret, no .env."""
    values = {"EMBEDDING_MODEL": "hash", "INDEX_DIR": str(tmp_path / "index"),
              "CORPUS_DIR": str(CORPUS), "FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
              "WEBHOOK_SECRET_FILE": str(tmp_path / "webhook_secret"),
              **extra}  # fmt: skip
    return clean_env(tmp_path / "home", **values)


async def test_sigterm_finishes_the_answer_in_flight_and_exits_within_5s_token_never_logged(
    tmp_path: Path,
) -> None:
    with BotApiStub() as stub:
        env = env_for(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=stub.base_url,
                      LOG_LEVEL="DEBUG", SEND_TIMEOUT_SECONDS="5",
                      TYPING_DELAY_MS="0")  # fmt: skip
        process = start_bot(env, tmp_path)
        # Read the log as it comes: at DEBUG it outgrows a pipe's 64 KB buffer, and a bot
        # blocked writing its log would look like a bot slow to stop.
        chunks: list[bytes] = []
        reader = threading.Thread(target=lambda: chunks.extend(iter(process.stdout.read1, b"")))
        reader.start()
        try:
            await stub.wait_for("setMyCommands", timeout=60)
            user = stub.user()
            chat = stub.private_chat(user)
            # Failures for the log to show: getUpdates 500, a send that fails every retry (the
            # handler raises, the error handler logs the traceback), a refused send.
            stub.plan(Fault("getUpdates", status=500))
            stub.plan(*[Fault("sendMessage", status=500)] * 4)
            stub.send_text(chat, user, "Who won the election?")
            await stub.wait_for("sendMessage", 4, ok=False, timeout=30)
            await stub.settle(quiet=0.5)
            # The answer in flight: Telegram takes 2 s to accept it; SIGTERM arrives meanwhile.
            stub.plan(Fault("sendMessage", status=502), Fault("sendMessage", delay=2.0))
            mark = stub.mark()
            stub.send_text(chat, user, "How many protesters were detained?")
            await stub.wait_for("sendChatAction", since=mark, timeout=30)
            await asyncio.sleep(0.6)  # past the refused attempt and its backoff: send in flight
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            while process.poll() is None and time.monotonic() - started < 10:
                await asyncio.sleep(0.05)
            took = time.monotonic() - started
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
            reader.join(timeout=10)
            output = b"".join(chunks).decode("utf-8", "replace")
        print(f"\nexit {process.returncode} {took:.2f} s after SIGTERM")
        assert took < 5, output[-3000:]
        (reply,) = stub.sent_since(mark)
        assert "detained" in visible(reply)
        assert process.returncode == 0, output[-3000:]
    assert "DEBUG" in output and "Traceback" in output  # the log really was verbose
    assert TOKEN not in output and TOKEN.split(":")[1] not in output


def index(tmp_path: Path, corpus: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "index", "-q"], cwd=tmp_path, capture_output=True,
        text=True, env=env_for(tmp_path, CORPUS_DIR=str(corpus)), timeout=60,
    )  # fmt: skip


def ask(tmp_path: Path, corpus: Path, question: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", question], cwd=tmp_path, capture_output=True,
        text=True, env=env_for(tmp_path, CORPUS_DIR=str(corpus)), timeout=60,
    )  # fmt: skip


BAD_FILES = {
    "broken front matter": b"---\ntitle: [unclosed\n---\nBody text here.\n",
    "missing field": b"---\noutlet: X\nurl: https://x.test/a\npublished: 2019-06-10\n---\nBody.\n",
    "bad encoding": b"---\ntitle: T\noutlet: X\nurl: https://x.test\npublished: 2019-06-10\n"
    b"---\n\xff\xfe broken bytes\n",
    "empty body": b"---\ntitle: T\noutlet: X\nurl: https://x.test/a\npublished: 2019-06-10\n---\n",
}


def test_a_bad_corpus_file_fails_index_in_one_line_and_the_old_index_keeps_serving(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in CORPUS.iterdir():
        (corpus / path.name).write_bytes(path.read_bytes())
    assert index(tmp_path, corpus).returncode == 0
    for problem, content in BAD_FILES.items():
        (corpus / "zz-bad.md").write_bytes(content)
        failed = index(tmp_path, corpus)
        assert failed.returncode != 0 and "Traceback" not in failed.stderr, problem
        error = [line for line in failed.stderr.splitlines() if line.startswith("election-bot:")]
        assert len(error) == 1 and "zz-bad.md" in error[0], (problem, failed.stderr)
        answered = ask(tmp_path, corpus, "How many protesters were detained?")
        assert answered.returncode == 0 and "detain" in answered.stdout.lower(), problem
        assert "warning: serving the previous index" in answered.stderr, problem
        assert "zz-bad.md" in answered.stderr, problem


@pytest.mark.parametrize("damage", ["truncate", "corrupt"])
def test_a_damaged_index_file_is_rebuilt_or_refused_never_wrong_answers(
    tmp_path: Path, damage: str
) -> None:
    assert index(tmp_path, CORPUS).returncode == 0
    good = ask(tmp_path, CORPUS, "How many protesters were detained?")
    files = sorted((p for p in (tmp_path / "index").rglob("*") if p.is_file()),
                   key=lambda p: p.stat().st_size)  # fmt: skip
    biggest = files[-1]
    data = biggest.read_bytes()
    if damage == "truncate":
        biggest.write_bytes(data[: len(data) // 2])
    else:
        middle = len(data) // 2
        biggest.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])
    again = ask(tmp_path, CORPUS, "How many protesters were detained?")
    assert "Traceback" not in again.stderr
    if again.returncode == 0:  # rebuilt: the same answer as before the damage
        assert again.stdout == good.stdout
    else:
        assert again.stderr.strip().startswith("election-bot:") and again.stdout == ""
