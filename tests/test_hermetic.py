"""The suite's verdict does not depend on the developer's environment or `.env`: part of it runs
again, in a copy of the checkout, under settings chosen to break every test that reads them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hermetic import HOSTILE

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
# The tests that build settings, start the CLI or the bot; the slow and model ones are left to
# the main run (they build their settings the same way).
SLICE = [
    "tests/test_retriever.py",
    "tests/test_index.py",
    "tests/test_reuse.py",
    "tests/test_pickup.py",
    "tests/test_cli.py",
    "tests/test_config.py",
    "tests/test_handlers.py",
    "tests/test_admin.py",
    "tests/test_batching.py",
    "tests/test_reliability.py",
    "tests/test_e2e_bot.py",
    "tests/test_health.py",
    "tests/test_feedback.py",
]
COPIED = ("pyproject.toml", ".env.example", "NOTICE", "retrieval", "bot", "corpus", "tests")


def test_the_suite_passes_under_a_hostile_env_file_and_environment(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    for name in COPIED:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache")
            shutil.copytree(ROOT / name, checkout / name, ignore=ignore)
        else:
            shutil.copy(ROOT / name, checkout / name)
    # The checkout's own .env, which the program reads by default from any directory.
    (checkout / ".env").write_text("".join(f"{k}={v}\n" for k, v in HOSTILE.items()))
    env = {**os.environ, **HOSTILE}
    env.pop("ELECTION_BOT_ENV_FILE", None)
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m",
         "not slow and not model", *SLICE],
        cwd=checkout, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    summary = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr[-2000:]
    assert out.returncode == 0, out.stdout[-6000:]
    assert re.search(r"\d+ passed", summary) and "failed" not in summary, summary
