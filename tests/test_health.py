"""Health: the heartbeat the serving bot keeps, `election-bot health`, and GET /healthz."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.app import build_application
from bot.health import (
    MAX_SILENCE_SECONDS,
    WRITE_EVERY_SECONDS,
    Heartbeat,
    contact_check,
    format_checks,
    heartbeat_path,
    run_checks,
)
from tests.botapi_stub import TOKEN, BotApiStub, FakeRetriever, bot_settings
from tests.hermetic import clean_env, start_bot

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the heartbeat --------------------------------------------------------------------------


def test_heartbeat_is_written_whole_and_at_most_every_few_seconds(tmp_path: Path) -> None:
    heartbeat = Heartbeat(tmp_path / "data" / "heartbeat.json", "polling")
    heartbeat.beat()
    first = json.loads(heartbeat.path.read_text())
    assert first["mode"] == "polling" and abs(first["at"] - time.time()) < 5
    heartbeat.beat()  # within WRITE_EVERY_SECONDS: remembered, not written
    assert heartbeat.last is not None and heartbeat.last > first["at"]
    assert json.loads(heartbeat.path.read_text()) == first
    assert [p.name for p in heartbeat.path.parent.iterdir()] == ["heartbeat.json"]  # no temp
    assert WRITE_EVERY_SECONDS <= 10


def test_an_unwritable_heartbeat_warns_once_and_never_raises(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    heartbeat = Heartbeat(blocker / "heartbeat.json", "polling")
    heartbeat.beat()
    heartbeat._written = -1e9  # as if the interval had passed
    heartbeat.beat()
    assert heartbeat.last is not None
    assert sum("cannot write the heartbeat" in r.getMessage() for r in caplog.records) == 1


def test_contact_check_fails_without_contact_or_after_a_long_silence() -> None:
    now = 1_000_000.0
    assert not contact_check(None, now).ok
    assert contact_check(now - 5, now, "polling").ok
    old = contact_check(now - MAX_SILENCE_SECONDS - 1, now, "webhook")
    assert not old.ok and "webhook" in old.detail


# --- the checks -----------------------------------------------------------------------------


def test_checks_name_what_fails(hash_index, tmp_path: Path) -> None:
    from bot.config import Settings

    values = dict(index_dir=hash_index.index_dir, data_dir=tmp_path, embedding_model="hash")
    no_token = run_checks(Settings.from_values(**values))
    assert [(c.name, c.ok) for c in no_token] == [
        ("settings", True), ("index", True), ("token", False), ("telegram", True)
    ]  # fmt: skip
    assert format_checks(no_token).splitlines()[-1] == "unhealthy"

    settings = Settings.from_values(**values, telegram_bot_token=TOKEN)
    assert not run_checks(settings)[-1].ok  # a token, but the bot never reached Telegram
    Heartbeat(heartbeat_path(settings), "polling").beat()
    checks = run_checks(settings)
    assert all(c.ok for c in checks), checks
    assert format_checks(checks).splitlines()[-1] == "healthy"
    assert not run_checks(settings, now=time.time() + MAX_SILENCE_SECONDS + 10)[-1].ok

    missing = Settings.from_values(**{**values, "index_dir": tmp_path / "none"})
    (index,) = [c for c in run_checks(missing) if c.name == "index"]
    assert not index.ok and "election-bot index" in index.detail


def test_a_damaged_index_file_fails_the_index_check(tmp_path: Path, hash_encoder) -> None:
    from bot.config import Settings
    from retrieval.build import build_index

    settings = Settings.from_values(
        index_dir=tmp_path / "index", data_dir=tmp_path, embedding_model="hash"
    )
    build = build_index(settings, hash_encoder, progress=False)
    (index,) = [c for c in run_checks(settings) if c.name == "index"]
    assert index.ok and "passages" in index.detail
    passages = build / "passages.jsonl"
    passages.write_bytes(passages.read_bytes()[:-10])
    (index,) = [c for c in run_checks(settings) if c.name == "index"]
    assert not index.ok and "passages.jsonl" in index.detail


# --- GET /healthz, in process ---------------------------------------------------------------


async def test_healthz_answers_200_then_503_when_telegram_is_silent_too_long(
    stub: BotApiStub, tmp_path: Path
) -> None:
    heartbeat = Heartbeat(tmp_path / "heartbeat.json", "webhook")
    settings = bot_settings(stub.base_url, webhook_url="https://bot.invalid/hook")
    application = build_application(settings, FakeRetriever(), heartbeat=heartbeat)
    port = free_port()
    async with application:
        await application.updater.start_webhook(
            listen="127.0.0.1", port=port, url_path="hook",
            webhook_url="https://bot.invalid/hook", secret_token="s3cret",
        )  # fmt: skip
        await application.start()
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                healthy = await client.get("/healthz")
                assert heartbeat.last is not None  # getMe and setWebhook reached the stand-in
                heartbeat.last -= MAX_SILENCE_SECONDS + 1
                silent = await client.get("/healthz")
                refused = await client.post("/hook", json={"update_id": 1})  # no secret
        finally:
            await application.updater.stop()
            await application.stop()
    assert healthy.status_code == 200 and healthy.json()["healthy"] is True
    assert silent.status_code == 503 and silent.json()["healthy"] is False
    assert refused.status_code == 403  # the webhook itself still checks its secret


# --- the processes --------------------------------------------------------------------------


def _health(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "health", "--json"],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_a_serving_bot_is_healthy_by_health_and_by_healthz(tmp_path: Path, mode: str) -> None:
    port = free_port()
    with BotApiStub() as stub:
        env = clean_env(
            tmp_path / "home", EMBEDDING_MODEL="hash", INDEX_DIR=str(tmp_path / "index"),
            DATA_DIR=str(tmp_path / "data"), CORPUS_DIR=str(ROOT / "corpus"),
            TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=stub.base_url,
        )  # fmt: skip
        if mode == "webhook":
            env.update(WEBHOOK_URL="https://bot.invalid/tg-hook", WEBHOOK_PORT=str(port),
                       WEBHOOK_SECRET="s3cret-long-enough")  # fmt: skip
        before = _health(env, tmp_path)
        process = start_bot(env, tmp_path)
        try:
            await stub.wait_for("setMyCommands", timeout=60)
            during = _health(env, tmp_path)
            if mode == "webhook":
                healthz = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
                assert healthz.status_code == 200, healthz.text
                assert healthz.json()["healthy"] is True
        finally:
            process.send_signal(signal.SIGTERM)
            output = process.communicate(timeout=30)[0].decode("utf-8", "replace")
    assert before.returncode == 1, before.stdout  # not serving yet: no index, no contact
    report = json.loads(before.stdout)
    assert [c["name"] for c in report["checks"] if not c["ok"]] == ["index", "telegram"], report
    assert during.returncode == 0, during.stdout + during.stderr + output[-2000:]
    (contact,) = [c for c in json.loads(during.stdout)["checks"] if c["name"] == "telegram"]
    assert mode in contact["detail"]
    assert process.returncode == 0, output[-2000:]
    assert f"Settings: {tmp_path / 'home' / 'empty.env'}" in output
    assert TOKEN not in output + during.stdout


def test_health_names_the_settings_file_it_read_and_checks_its_index(tmp_path: Path) -> None:
    env_file = tmp_path / "bot.env"
    env_file.write_text(f"INDEX_DIR={tmp_path / 'nowhere'}\nEMBEDDING_MODEL=hash\n")
    env = clean_env(tmp_path / "home")
    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", "health", "--env-file", str(env_file)],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["ok", "settings", str(env_file)]
    assert lines[1].startswith("FAIL  index") and "nowhere" in lines[1]
