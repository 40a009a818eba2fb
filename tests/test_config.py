"""Settings: one settings file found the same way from anywhere, and values that make sense."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings
from retrieval.config import (
    ENV_FILE_VARIABLE,
    IN_CHECKOUT,
    PROJECT_ROOT,
    RetrievalSettings,
    default_corpus_dir,
    default_data_dir,
    default_env_file,
    settings_file,
)
from retrieval.errors import SettingsError
from tests.hermetic import HOSTILE, clean_env

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Who won the presidential election?"


# --- explicit settings ----------------------------------------------------------------------


def test_from_values_reads_neither_the_environment_nor_a_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    hostile_file = tmp_path / "hostile.env"
    hostile_file.write_text("".join(f"{k}={v}\n" for k, v in HOSTILE.items()))
    for name, value in HOSTILE.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv(ENV_FILE_VARIABLE, str(hostile_file))
    explicit = Settings.from_values(top_k=7)
    defaults = {name: field.default for name, field in Settings.model_fields.items()}
    assert explicit.top_k == 7 and explicit.min_score == defaults["min_score"] == 0.34
    assert explicit.telegram_bot_token is None and explicit.log_level == "WARNING"
    assert explicit.index_dir == default_data_dir() / "index"
    # The same class still reads both when asked to, so the test above can fail.
    monkeypatch.setenv("EMBEDDING_MODEL", "hash")  # the hostile one is refused, rightly
    loaded = Settings.load()
    assert loaded.min_score == 0.95 and loaded.read_from == hostile_file.resolve()


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field", "why"),
    [
        ({"log_level": "LOUD"}, "log_level", "not one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ({"min_score": 5}, "min_score", "less than or equal to 3"),
        ({"min_score": -0.1}, "min_score", "greater than or equal to 0"),
        ({"min_score": "nan"}, "min_score", "finite number"),
        ({"min_score": float("nan")}, "min_score", "finite number"),
        ({"min_score": "inf"}, "min_score", "finite number"),
        ({"embedding_model": "/nonexistent"}, "embedding_model", "no such directory"),
        ({"embedding_model": "./no-model-here"}, "embedding_model", "no such directory"),
        ({"embedding_model": "~/no-model-here"}, "embedding_model", "no such directory"),
    ],
)
def test_settings_that_make_no_sense_are_refused(values: dict, field: str, why: str) -> None:
    with pytest.raises(ValidationError) as caught:
        RetrievalSettings.from_values(**values)
    # A setting INDEX_DIR's default depends on is reported as itself, then INDEX_DIR as "not
    # called": the first error is the one to show (the CLI shows only it).
    error = caught.value.errors()[0]
    assert error["loc"] == (field,) and why in error["msg"]


def test_log_level_is_case_insensitive_and_models_may_be_names_or_directories(
    tmp_path: Path,
) -> None:
    assert RetrievalSettings.from_values(log_level="info").log_level == "INFO"
    assert RetrievalSettings.from_values(embedding_model=str(tmp_path)).embedding_model == str(
        tmp_path
    )
    hub = "sentence-transformers/all-MiniLM-L6-v2"  # a hub name, not a path: not checked here
    assert RetrievalSettings.from_values(embedding_model=hub).embedding_model == hub


def run_cli(*args: str, home: Path, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], cwd=cwd, capture_output=True, text=True,
        timeout=120, env=clean_env(home, **env),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LOG_LEVEL", "LOUD", "setting LOG_LEVEL: 'LOUD' is not one of DEBUG, INFO"),
        ("MIN_SCORE", "5", "setting MIN_SCORE: Input should be less than or equal to 3"),
        ("MIN_SCORE", "nan", "setting MIN_SCORE: Input should be a finite number"),
        ("EMBEDDING_MODEL", "/nonexistent", "setting EMBEDDING_MODEL: no such directory"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    out = run_cli("ask", QUESTION, home=tmp_path, cwd=tmp_path, **{name: value})
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr == f"election-bot: {message}" + out.stderr.split(message, 1)[1]
    assert len(out.stderr.splitlines()) == 1, out.stderr


# --- which settings file --------------------------------------------------------------------


def test_the_default_file_is_the_checkout_s_own() -> None:
    assert IN_CHECKOUT and default_env_file() == PROJECT_ROOT / ".env"
    assert default_corpus_dir() == PROJECT_ROOT / "corpus"
    assert default_data_dir() == PROJECT_ROOT / "data"


def test_a_named_file_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_FILE_VARIABLE, raising=False)
    with pytest.raises(SettingsError, match="--env-file: no such file"):
        settings_file(tmp_path / "missing.env")
    monkeypatch.setenv(ENV_FILE_VARIABLE, str(tmp_path / "missing.env"))
    with pytest.raises(SettingsError, match=f"{ENV_FILE_VARIABLE}: no such file"):
        settings_file()
    found = tmp_path / "found.env"
    found.touch()
    assert settings_file(found) == (found.resolve(), True)
    monkeypatch.delenv(ENV_FILE_VARIABLE)
    assert settings_file() == (default_env_file(), False)  # may be absent: not an error


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the real corpus built with the hash encoder, for the commands below."""
    home = tmp_path_factory.mktemp("config")
    index_dir = home / "index"
    out = run_cli("index", "-q", home=home, cwd=home, EMBEDDING_MODEL="hash",
                  INDEX_DIR=str(index_dir), CORPUS_DIR=str(ROOT / "corpus"))  # fmt: skip
    assert out.returncode == 0, out.stderr
    return index_dir


def _hits(out: subprocess.CompletedProcess[str]) -> int:
    assert out.returncode == 0, out.stderr
    return len(json.loads(out.stdout))


def test_env_file_option_and_variable_name_the_file_and_the_environment_wins(
    tmp_path: Path, index_dir: Path
) -> None:
    settings = tmp_path / "bot.env"
    settings.write_text(f"TOP_K=1\nEMBEDDING_MODEL=hash\nINDEX_DIR={index_dir}\n")
    ask = ("ask", QUESTION, "--json")
    by_option = run_cli(*ask, "--env-file", str(settings), home=tmp_path, cwd=tmp_path)
    by_variable = run_cli(*ask, home=tmp_path, cwd=tmp_path, ELECTION_BOT_ENV_FILE=str(settings))
    overridden = run_cli(*ask, "--env-file", str(settings), home=tmp_path, cwd=tmp_path, TOP_K="2")
    assert (_hits(by_option), _hits(by_variable), _hits(overridden)) == (1, 1, 2)
    assert by_option.stderr == ""  # ask says which file only at INFO: stdout stays pure JSON
    missing = run_cli(*ask, "--env-file", str(tmp_path / "nope.env"), home=tmp_path, cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"election-bot: --env-file: no such file: {tmp_path}/nope.env"


def test_a_checkout_reads_its_own_env_from_any_directory(tmp_path: Path, index_dir: Path) -> None:
    checkout = tmp_path / "checkout"
    for part in ("retrieval", "bot", "corpus"):
        shutil.copytree(ROOT / part, checkout / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", checkout)
    (checkout / ".env").write_text(f"TOP_K=1\nEMBEDDING_MODEL=hash\nINDEX_DIR={index_dir}\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = clean_env(tmp_path / "home", PYTHONPATH=str(checkout))
    del env[ENV_FILE_VARIABLE]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=elsewhere, env=env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip

    assert _hits(run("ask", QUESTION, "--json")) == 1
    built = run("index", "-q")
    assert built.returncode == 0, built.stderr
    assert f"Settings: {checkout / '.env'}" in built.stderr.splitlines()  # index names it


def test_env_example_lists_every_setting() -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#? ?([A-Z_]+)=", example, re.M))
    assert listed == {name.upper() for name in Settings.model_fields}
