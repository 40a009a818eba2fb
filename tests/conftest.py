"""Shared fixtures: the real corpus indexed once with the fake hash encoder, corpus copies, and
a running Bot API stand-in."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.config import RetrievalSettings
from retrieval.encoders import HASH_MODEL, HashEncoder
from tests.botapi_stub import BotApiStub

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SHARED_EVAL_FILE = ROOT.parent / "shared" / "eval" / "questions.jsonl"
# A copy of the shared development questions, so a clone without ../shared (as CI may check
# out) still runs the quality guard; tests/test_quality.py checks it matches the original.
EVAL_FILE = ROOT / "tests" / "data" / "dev_questions.jsonl"


def hash_settings(index_dir: Path, corpus_dir: Path = CORPUS, **extra) -> RetrievalSettings:
    """Settings built explicitly (never from the environment) for the fake encoder."""
    return RetrievalSettings.from_values(
        index_dir=index_dir, corpus_dir=corpus_dir, embedding_model=HASH_MODEL, **extra
    )


@pytest.fixture(scope="session")
def hash_encoder() -> HashEncoder:
    return HashEncoder()


@pytest.fixture(scope="session")
def hash_index(tmp_path_factory: pytest.TempPathFactory, hash_encoder) -> RetrievalSettings:
    """Settings of an index of the real corpus built once with the hash encoder; don't modify it."""
    from retrieval.build import build_index

    settings = hash_settings(tmp_path_factory.mktemp("hash-index") / "index", auto_rebuild=False)
    build_index(settings, hash_encoder, progress=False)
    return settings


@pytest.fixture(scope="session")
def hash_retriever(hash_index: RetrievalSettings, hash_encoder):
    from retrieval import Retriever

    return Retriever.load(hash_index, encoder=hash_encoder, progress=False)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A private copy of corpus/ that a test may edit or break."""
    dest = tmp_path / "corpus"
    shutil.copytree(CORPUS, dest)
    return dest


@pytest.fixture
def eval_file() -> Path:
    return EVAL_FILE


@pytest.fixture
def stub() -> Iterator[BotApiStub]:
    """The Bot API stand-in on 127.0.0.1, running for one test."""
    with BotApiStub() as running:
        yield running
