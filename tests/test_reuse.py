"""Incremental builds: unchanged texts keep their vectors; what a build reuses is safe to reuse."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from retrieval import Retriever
from retrieval.build import build_index, embedding_text
from retrieval.chunking import ChunkParams
from retrieval.config import RetrievalSettings
from retrieval.encoders import HashEncoder
from retrieval.evaluate import load_questions
from retrieval.ingest import add_page
from retrieval.reuse import NOTHING, previous_vectors
from retrieval.store import load_index, read_manifest
from tests.conftest import EVAL_FILE, hash_settings

PAGES = Path(__file__).resolve().parent / "data" / "pages"


class CountingEncoder(HashEncoder):
    """The hash encoder, keeping every text it was asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._inner = HashEncoder()

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        self.texts.extend(texts)
        return self._inner.encode(texts, batch_size)

    def encode_with_tokens(self, texts: Sequence[str], batch_size: int = 32):
        self.texts.extend(texts)
        return self._inner.encode_with_tokens(texts, batch_size)


def _build(settings: RetrievalSettings, **options) -> tuple[dict, CountingEncoder]:
    encoder = CountingEncoder()
    manifest = read_manifest(build_index(settings, encoder, progress=False, **options))
    return manifest, encoder


def _embedded(manifest: dict) -> dict[str, int]:
    """How many passages and sentences a build embedded."""
    return {k: manifest["embedded"][k] for k in ("passages", "sentences")}


def _questions() -> list[str]:
    return [q.question for q in load_questions(EVAL_FILE)]


def _results(settings: RetrievalSettings) -> list[list[tuple[str, float, str]]]:
    retriever = Retriever.load(settings, encoder=HashEncoder(), progress=False)
    return [
        [(h.text, h.score, h.best_sentence) for h in hits]
        for hits in retriever.search_many(_questions(), 5)
    ]


def _same_index(a: Path, b: Path) -> None:
    """Two index directories hold the same passages and the same vectors, row for row."""
    one, two = load_index(a), load_index(b)
    assert one.passages == two.passages
    n = one.ann.ntotal
    np.testing.assert_array_equal(
        one.ann.index.reconstruct_n(0, n), two.ann.index.reconstruct_n(0, n)
    )
    np.testing.assert_array_equal(one.sentence_vectors, two.sentence_vectors)
    np.testing.assert_array_equal(one.sentence_offsets, two.sentence_offsets)
    np.testing.assert_array_equal(one.token_vectors, two.token_vectors)
    np.testing.assert_array_equal(one.token_offsets, two.token_offsets)


@pytest.fixture
def built(tmp_path: Path, corpus_copy: Path) -> RetrievalSettings:
    settings = hash_settings(tmp_path / "index", corpus_copy)
    build_index(settings, HashEncoder(), progress=False)
    return settings


def test_a_second_build_of_the_same_corpus_embeds_nothing(built: RetrievalSettings) -> None:
    first = read_manifest((Path(built.index_dir) / "current").resolve())
    manifest, encoder = _build(built)
    assert encoder.texts == []
    assert _embedded(manifest) == {"passages": 0, "sentences": 0}
    assert (
        manifest["reused"]
        == _embedded(first)
        == {
            "passages": first["passages"],
            "sentences": len(
                {s for p in load_index(Path(built.index_dir)).passages for s in p.sentences}
            ),
        }
    )
    assert manifest["encoder"] is None


def test_adding_an_article_embeds_only_its_passages_and_searches_like_a_full_build(
    built: RetrievalSettings, tmp_path: Path
) -> None:
    before = load_index(Path(built.index_dir))
    added = add_page(str(PAGES / "steppe-herald-observers.html"), Path(built.corpus_dir))
    manifest, encoder = _build(built)
    after = load_index(Path(built.index_dir))
    article = Path(added.path).stem
    new = [p for p in after.passages if p.article_id == article]
    assert new and len(after.passages) == len(before.passages) + len(new)
    new_texts = {embedding_text(p) for p in new}
    new_sentences = {s for p in new for s in p.sentences}
    # Exactly the new article's passages, sentences and words went to the encoder, each once.
    new_words = set(after.synonym_words) - set(before.synonym_words)
    assert new_words and manifest["words"]["embedded"] == len(new_words)
    assert manifest["words"]["reused"] == len(set(after.synonym_words) & set(before.synonym_words))
    assert sorted(encoder.texts) == sorted(new_texts | new_sentences | new_words)
    assert _embedded(manifest) == {"passages": len(new_texts), "sentences": len(new_sentences)}
    assert manifest["reused"]["passages"] == len(before.passages)

    full = hash_settings(tmp_path / "full", Path(built.corpus_dir))
    full_manifest, _ = _build(full, reuse=False)
    assert full_manifest["reused"] == {"passages": 0, "sentences": 0}
    _same_index(Path(built.index_dir), Path(full.index_dir))
    assert _results(built) == _results(full)


def test_editing_an_article_embeds_only_that_article_again(built: RetrievalSettings) -> None:
    before = load_index(Path(built.index_dir))
    path = sorted(Path(built.corpus_dir).glob("*.md"))[0]
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\nZebra crossings were repainted in Oral on election day.\n")
    _, encoder = _build(built)
    after = load_index(Path(built.index_dir))
    edited = {embedding_text(p) for p in after.passages if p.article_id == path.stem}
    assert encoder.texts, "the edit was not embedded"
    others = {embedding_text(p) for p in before.passages if p.article_id != path.stem}
    assert not set(encoder.texts) & others
    assert {t for t in encoder.texts if t in edited}  # some of the edited article's passages
    assert any("Zebra crossings" in t for t in encoder.texts)


def test_another_chunking_or_model_reuses_nothing(built: RetrievalSettings) -> None:
    index_dir, chunking = Path(built.index_dir), ChunkParams().as_dict()
    assert previous_vectors(index_dir, "hash", chunking).passages
    assert previous_vectors(index_dir, "bundled", chunking) is NOTHING
    other = ChunkParams(window_tokens=0)
    assert previous_vectors(index_dir, "hash", other.as_dict()) is NOTHING
    manifest, encoder = _build(built, params=other)
    assert manifest["reused"] == {"passages": 0, "sentences": 0}
    assert manifest["words"]["reused"] == 0
    texts = sum(_embedded(manifest).values()) + manifest["words"]["embedded"]
    assert len(encoder.texts) == texts


@pytest.mark.parametrize("name", ["sentences.npy", "tokens.npy", "vectors.faiss", "passages.jsonl"])
def test_a_damaged_previous_build_is_not_reused_and_says_so(
    built: RetrievalSettings, tmp_path: Path, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    damaged = (Path(built.index_dir) / "current").resolve() / name
    data = bytearray(damaged.read_bytes())
    data[-5] ^= 0xFF  # same size: only the checksum can tell
    damaged.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="retrieval.reuse"):
        manifest, _ = _build(built)
    assert "damaged" in caplog.text and name in caplog.text
    assert manifest["reused"] == {"passages": 0, "sentences": 0}
    full = hash_settings(tmp_path / "full", Path(built.corpus_dir))
    _build(full, reuse=False)
    _same_index(Path(built.index_dir), Path(full.index_dir))


def test_a_removed_article_leaves_the_cache_with_the_next_build(built: RetrievalSettings) -> None:
    path = sorted(Path(built.corpus_dir).glob("*.md"))[0]
    text = path.read_text(encoding="utf-8")
    gone = {embedding_text(p) for p in load_index(Path(built.index_dir)).passages
            if p.article_id == path.stem}  # fmt: skip
    path.unlink()
    _build(built)
    assert not gone & set(
        previous_vectors(Path(built.index_dir), "hash", ChunkParams().as_dict()).passages
    )
    path.write_text(text, encoding="utf-8")
    _, encoder = _build(built)  # back: embedded again, since nothing kept it
    assert gone <= set(encoder.texts)


def test_late_interaction_needs_token_vectors_to_reuse_a_sentence(
    built: RetrievalSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import retrieval.build as build_module

    monkeypatch.setattr(build_module, "LATE_MAX_PASSAGES", 0)  # this build keeps no tokens
    _build(built)
    monkeypatch.undo()
    manifest, encoder = _build(built)  # this one needs them: every sentence is embedded again
    assert manifest["late_interaction"]
    sentences = {s for p in load_index(Path(built.index_dir)).passages for s in p.sentences}
    assert manifest["embedded"]["sentences"] == len(sentences)
    assert manifest["reused"]["passages"] > 0 and manifest["embedded"]["passages"] == 0


def test_the_manifest_of_the_build_records_it(built: RetrievalSettings) -> None:
    manifest = json.loads(
        ((Path(built.index_dir) / "current").resolve() / "manifest.json").read_text()
    )
    assert manifest["encoder"] == "HashEncoder()"
    assert manifest["embedded"]["passages"] == manifest["passages"]


@pytest.mark.slow
def test_index_prints_what_it_embedded_and_reused(tmp_path: Path, corpus_copy: Path) -> None:
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {**os.environ, "EMBEDDING_MODEL": "hash", "INDEX_DIR": str(tmp_path / "index"),
           "CORPUS_DIR": str(corpus_copy), "PYTHONPATH": str(ROOT)}  # fmt: skip

    def index(*options: str) -> str:
        command = [sys.executable, "-m", "bot.cli", "index", "-q", *options]
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path,
                              timeout=120, check=True)  # fmt: skip
        return done.stdout.splitlines()[-1]

    first = index()
    m = read_manifest((tmp_path / "index" / "current").resolve())
    n, s = m["passages"], _embedded(m)["sentences"]
    assert first.startswith(f"Embedded {n} passages (") and f"and {s} sentences (" in first
    assert first.endswith(
        "with HashEncoder(); reused 0 passages and 0 sentences from the previous build"
    )
    assert index() == (
        f"Embedded 0 passages and 0 sentences; reused {n} passages and {s} sentences "
        "from the previous build"
    )
    assert index("--full").startswith(f"Embedded {n} passages (")
