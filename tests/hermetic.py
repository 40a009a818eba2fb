"""Processes the tests start see only what the test gives them: never the developer's
environment, `.env` or home directory. (In-process, tests build settings with `from_values`.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Settings that would change what the tests see if a test read the environment or a .env:
# tests/test_hermetic.py runs part of the suite under them.
HOSTILE = {
    "MIN_SCORE": "0.95",
    "TOP_K": "1",
    "INDEX_TYPE": "hnsw",
    "ENCODER_BACKEND": "torch",
    "EMBEDDING_MODEL": "/nonexistent",
    "CORPUS_DIR": "/nonexistent/corpus",
    "DATA_DIR": "/nonexistent/data",
    "INDEX_DIR": "/nonexistent/index",
    "AUTO_REBUILD": "false",
    "LOG_LEVEL": "DEBUG",
    "TELEGRAM_BOT_TOKEN": "987654321:" + "H" * 35,
    "TELEGRAM_API_BASE_URL": "http://192.0.2.1/bot",
    "WEBHOOK_URL": "https://hostile.invalid/hook",
    "WEBHOOK_SECRET": "hostile",
    "ANSWER_PASSAGES": "1",
    "MAX_QUESTION_CHARS": "20",
    "MAX_MESSAGE_CHARS": "30",
    "RATE_LIMIT_PER_MINUTE": "1",
    "ADMIN_USER_IDS": "1,2,3",
    "SEND_TIMEOUT_SECONDS": "0.01",
    "BATCH_WINDOW_MS": "0",
    "BATCH_MAX": "1",
    "TYPING_DELAY_MS": "0",
    "INLINE_CACHE_SECONDS": "0",
    "REMEMBERED_ANSWERS": "1",
    "FEEDBACK_DB": "/nonexistent/feedback.sqlite3",
    "STORE_QUESTIONS": "false",
}


def clean_env(home: Path, **values: str) -> dict[str, str]:
    """An environment for a subprocess: PATH, a private HOME, this checkout importable, an
    empty settings file (so the checkout's .env is not read), no network model hub, `values`."""
    home.mkdir(parents=True, exist_ok=True)
    env_file = home / "empty.env"
    env_file.touch()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT),
        "HF_HUB_OFFLINE": "1",
        "ELECTION_BOT_ENV_FILE": str(env_file),
        "DATA_DIR": str(home / "data"),  # not the checkout's data/
    }
    env.update(values)
    return env


def start_bot(env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    """`python -m bot` (serve) in its own process, stdout and stderr together in `.stdout`."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot"], cwd=cwd, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
