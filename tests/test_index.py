"""The index on disk: manifest, atomic swap, crash safety, corruption and staleness."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from retrieval import CorpusError, IndexCorrupt, IndexNotFound, IndexStale, Retriever
from retrieval.ann import VectorIndex
from retrieval.build import build_index, staleness
from retrieval.chunking import ChunkParams, chunk_corpus
from retrieval.config import RetrievalSettings
from retrieval.corpus import corpus_fingerprint, load_corpus
from retrieval.encoders import HASH_MODEL, HashEncoder
from retrieval.errors import IndexNotWritable
from retrieval.lexical import LexicalIndex
from retrieval.store import load_index, read_manifest

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

BROKEN_FRONT = (
    "---\ntitle: 'unclosed\noutlet: X\nurl: https://example.org/x\n---\n\nSome body text.\n"
)


def _settings(index_dir: Path, corpus_dir: Path = CORPUS, **extra) -> RetrievalSettings:
    return RetrievalSettings.from_values(
        index_dir=index_dir, corpus_dir=corpus_dir, embedding_model=HASH_MODEL, **extra
    )


@pytest.fixture
def built(tmp_path: Path, corpus_copy: Path, hash_encoder: HashEncoder) -> RetrievalSettings:
    """A fresh index of a private corpus copy, for tests that change or break things."""
    settings = _settings(tmp_path / "index", corpus_copy)
    build_index(settings, hash_encoder, progress=False)
    return settings


def _snapshot(index_dir: Path) -> dict:
    """What a reader of the index would see: where `current` points, and every file's bytes."""
    target = os.readlink(index_dir / "current")
    build = (index_dir / "current").resolve()
    files = {
        str(p.relative_to(build)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(build.rglob("*"))
        if p.is_file()
    }
    return {"target": target, "files": files}


def _append_paragraph(corpus_dir: Path, text: str) -> Path:
    path = sorted(corpus_dir.glob("*.md"))[0]
    path.write_text(path.read_text(encoding="utf-8") + f"\n{text}\n", encoding="utf-8")
    return path


# --- what a build writes --------------------------------------------------------------------


def test_build_writes_manifest_and_current_link(hash_index: RetrievalSettings) -> None:
    index_dir = Path(hash_index.index_dir)
    link = index_dir / "current"
    assert link.is_symlink()
    build = link.resolve()
    assert build.parent == (index_dir / "builds").resolve()
    assert not os.path.isabs(os.readlink(link))  # relative: the index dir can be moved

    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model"] == HASH_MODEL
    assert manifest["corpus_fingerprint"] == corpus_fingerprint(CORPUS)
    assert manifest["chunking"] == ChunkParams().as_dict()
    built_at = dt.datetime.strptime(manifest["built_at"], "%Y-%m-%dT%H:%M:%SZ")
    assert abs(dt.datetime.now(dt.UTC).replace(tzinfo=None) - built_at) < dt.timedelta(hours=1)
    assert manifest["articles"] == 5

    files = manifest["files"]
    for name in ["passages.jsonl", "articles.json", "vectors.faiss", "sentences.npy"]:
        assert name in files
    on_disk = {
        str(p.relative_to(build))
        for p in build.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    }
    assert set(files) == on_disk
    for name, entry in files.items():
        data = (build / name).read_bytes()
        assert entry["size"] == len(data), name
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), name


def test_load_index_round_trip(hash_index: RetrievalSettings, hash_encoder) -> None:
    data = load_index(Path(hash_index.index_dir))
    articles = load_corpus(CORPUS)
    expected = chunk_corpus(articles, hash_encoder.count_tokens, ChunkParams())
    assert data.passages == expected
    assert data.sources == {a.id: a.source for a in articles}
    assert data.manifest["passages"] == len(expected) == data.ann.ntotal
    # Row i of the vectors is passage i.
    assert [p.id for p in data.passages] == list(range(len(data.passages)))
    for i in (0, len(expected) // 2, len(expected) - 1):
        vec = data.ann.index.reconstruct(i)
        np.testing.assert_allclose(vec, hash_encoder.encode([expected[i].text])[0], atol=1e-6)
    # Sentence rows grouped by passage.
    assert data.sentence_vectors.shape[0] == sum(len(p.sentences) for p in expected)
    lo, hi = data.sentence_offsets[3], data.sentence_offsets[4]
    np.testing.assert_allclose(
        data.sentence_vectors[lo:hi], hash_encoder.encode(list(expected[3].sentences)), atol=1e-6
    )


def test_passages_jsonl_line_number_is_the_id(hash_index: RetrievalSettings) -> None:
    build = (Path(hash_index.index_dir) / "current").resolve()
    lines = (build / "passages.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == list(range(len(lines)))


def test_rebuild_replaces_the_build_and_removes_the_old_one(built: RetrievalSettings) -> None:
    index_dir = Path(built.index_dir)
    first = (index_dir / "current").resolve()
    _append_paragraph(Path(built.corpus_dir), "Zebra crossings were repainted in Oral.")
    second = build_index(built, HashEncoder(), progress=False)
    assert (index_dir / "current").resolve() == second.resolve() != first
    assert not first.exists()
    assert [p.name for p in (index_dir / "builds").iterdir()] == [second.name]
    assert any("Zebra crossings" in p.text for p in load_index(index_dir).passages)


# --- crashes and bad input leave the old index serving --------------------------------------


@pytest.mark.parametrize(
    ("owner", "method"),
    [(VectorIndex, "save"), (LexicalIndex, "save"), (np, "save")],
    ids=["vectors", "lexical", "sentences"],
)
def test_crash_mid_build_keeps_the_previous_index(
    built: RetrievalSettings, monkeypatch: pytest.MonkeyPatch, owner, method: str
) -> None:
    index_dir = Path(built.index_dir)
    before = _snapshot(index_dir)
    passages_before = load_index(index_dir).passages
    _append_paragraph(Path(built.corpus_dir), "Zebra crossings were repainted in Oral.")

    def crash(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(owner, method, crash)
    with pytest.raises(IndexNotWritable, match="simulated"):  # named, with the directory
        build_index(built, HashEncoder(), progress=False)
    monkeypatch.undo()

    assert _snapshot(index_dir) == before
    assert load_index(index_dir).passages == passages_before
    # The half-written build was removed; nothing temporary is left for `current` to reach.
    builds = list((index_dir / "builds").iterdir())
    assert [b.name for b in builds] == [before["target"].split("/")[-1]]
    assert not [p for p in index_dir.iterdir() if p.name.startswith(".")]


def test_crash_while_swapping_keeps_the_previous_index(
    built: RetrievalSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import retrieval.atomic as atomic_module

    index_dir = Path(built.index_dir)
    before = _snapshot(index_dir)
    _append_paragraph(Path(built.corpus_dir), "Zebra crossings were repainted in Oral.")

    def crash(*args, **kwargs):
        raise OSError("power cut (simulated)")

    monkeypatch.setattr(atomic_module.os, "replace", crash)
    with pytest.raises(IndexNotWritable, match="simulated"):  # named, with the directory
        build_index(built, HashEncoder(), progress=False)
    monkeypatch.undo()
    assert _snapshot(index_dir) == before
    load_index(index_dir)  # still whole
    # And the next build goes through and cleans up.
    final = build_index(built, HashEncoder(), progress=False)
    assert [p.name for p in (index_dir / "builds").iterdir()] == [final.name]


def test_bad_corpus_file_raises_and_leaves_the_index(built: RetrievalSettings) -> None:
    index_dir = Path(built.index_dir)
    before = _snapshot(index_dir)
    (Path(built.corpus_dir) / "zz-broken.md").write_text(BROKEN_FRONT, encoding="utf-8")
    with pytest.raises(CorpusError) as info:
        build_index(built, HashEncoder(), progress=False)
    assert info.value.file == "zz-broken.md"
    assert "zz-broken.md" in str(info.value)
    assert _snapshot(index_dir) == before
    assert len(list((index_dir / "builds").iterdir())) == 1
    load_index(index_dir)


# --- corruption is detected, never served ---------------------------------------------------


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _flip_byte(path: Path) -> None:
    # Same size, one byte changed near the end: only a checksum notices.
    data = bytearray(path.read_bytes())
    i = len(data) - 10
    data[i] = (data[i] + 1) % 256 if chr(data[i]).isalnum() else ord("x")
    path.write_bytes(bytes(data))


def _delete(path: Path) -> None:
    path.unlink()


@pytest.mark.parametrize("damage", [_truncate, _flip_byte, _delete])
@pytest.mark.parametrize(
    "name",
    [
        "vectors.faiss",
        "passages.jsonl",
        "sentences.npy",
        "sentence_offsets.npy",
        "articles.json",
        "lexical/doc_freq.json",
    ],
)
def test_damaged_file_raises_index_corrupt(built: RetrievalSettings, name: str, damage) -> None:
    index_dir = Path(built.index_dir)
    damage((index_dir / "current").resolve() / name)
    with pytest.raises(IndexCorrupt):
        load_index(index_dir)


@pytest.mark.parametrize("damage", [_truncate, _flip_byte, _delete])
def test_damaged_manifest_raises_index_corrupt(built: RetrievalSettings, damage) -> None:
    index_dir = Path(built.index_dir)
    damage((index_dir / "current").resolve() / "manifest.json")
    with pytest.raises(IndexCorrupt):
        load_index(index_dir)


def test_manifest_lying_about_counts_raises(built: RetrievalSettings) -> None:
    build = (Path(built.index_dir) / "current").resolve()
    manifest = json.loads((build / "manifest.json").read_text())
    manifest["passages"] += 1
    (build / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexCorrupt, match="inconsistent"):
        load_index(Path(built.index_dir))


def _reshape(manifest: dict) -> object:
    return [manifest]


def _drop_files(manifest: dict) -> dict:
    return {k: v for k, v in manifest.items() if k != "files"}


def _files_as_list(manifest: dict) -> dict:
    return {**manifest, "files": list(manifest["files"])}


def _passages_as_text(manifest: dict) -> dict:
    return {**manifest, "passages": str(manifest["passages"])}


@pytest.mark.parametrize("reshape", [_reshape, _drop_files, _files_as_list, _passages_as_text])
def test_a_manifest_of_the_wrong_shape_is_corrupt_and_rebuilt(built: RetrievalSettings, reshape):
    # Valid JSON, but not what a build writes: a named error, never an AttributeError.
    index_dir = Path(built.index_dir)
    path = (index_dir / "current").resolve() / "manifest.json"
    path.write_text(json.dumps(reshape(json.loads(path.read_text()))))
    with pytest.raises(IndexCorrupt, match="manifest"):
        load_index(index_dir)
    strict = _settings(index_dir, Path(built.corpus_dir), auto_rebuild=False)
    with pytest.raises(IndexCorrupt):
        Retriever.load(strict, encoder=HashEncoder(), progress=False)
    rebuilt = Retriever.load(built, encoder=HashEncoder(), progress=False)
    assert rebuilt.search("Who won the presidential election?")


def test_retriever_never_serves_a_damaged_index(built: RetrievalSettings) -> None:
    index_dir = Path(built.index_dir)
    _truncate((index_dir / "current").resolve() / "vectors.faiss")
    settings = _settings(index_dir, Path(built.corpus_dir), auto_rebuild=False)
    with pytest.raises(IndexCorrupt):
        Retriever.load(settings, encoder=HashEncoder(), progress=False)


# --- staleness and auto-rebuild -------------------------------------------------------------


def test_fresh_index_is_not_stale(built: RetrievalSettings) -> None:
    assert staleness(built, load_index(Path(built.index_dir)).manifest) is None


def test_changed_corpus_file_makes_it_stale(built: RetrievalSettings) -> None:
    manifest = load_index(Path(built.index_dir)).manifest
    _append_paragraph(Path(built.corpus_dir), "Zebra crossings were repainted in Oral.")
    why = staleness(built, manifest)
    assert why and "corpus" in why


def test_changed_name_variants_make_it_stale(built: RetrievalSettings) -> None:
    manifest = load_index(Path(built.index_dir)).manifest
    variants = Path(built.corpus_dir) / "name_variants.yaml"
    variants.write_text(variants.read_text() + "- [Zebra, Zeebra]\n")
    assert staleness(built, manifest)


def test_other_model_makes_it_stale(built: RetrievalSettings) -> None:
    manifest = load_index(Path(built.index_dir)).manifest
    other = RetrievalSettings.from_values(
        index_dir=built.index_dir, corpus_dir=built.corpus_dir, embedding_model="bundled"
    )
    why = staleness(other, manifest)
    assert why and "model" in why


def test_stale_index_rebuilt_on_load(built: RetrievalSettings) -> None:
    index_dir = Path(built.index_dir)
    old = load_index(index_dir)
    _append_paragraph(Path(built.corpus_dir), "Zebra crossings were repainted in Oral.")
    settings = _settings(index_dir, Path(built.corpus_dir), auto_rebuild=True)
    r = Retriever.load(settings, encoder=HashEncoder(), progress=False)
    assert r.data.path != old.path
    assert r.data.manifest["corpus_fingerprint"] == corpus_fingerprint(Path(built.corpus_dir))
    assert staleness(settings, r.data.manifest) is None
    assert any("Zebra crossings" in p.text for p in r.data.passages)
    assert r.warnings == []


def test_stale_index_raises_without_auto_rebuild(built: RetrievalSettings) -> None:
    index_dir = Path(built.index_dir)
    before = _snapshot(index_dir)
    _append_paragraph(Path(built.corpus_dir), "Zebra crossings were repainted in Oral.")
    settings = _settings(index_dir, Path(built.corpus_dir), auto_rebuild=False)
    with pytest.raises(IndexStale, match="corpus"):
        Retriever.load(settings, encoder=HashEncoder(), progress=False)
    assert _snapshot(index_dir) == before


def test_missing_index_without_auto_rebuild(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "nothing-here", auto_rebuild=False)
    with pytest.raises(IndexNotFound):
        Retriever.load(settings, encoder=HashEncoder(), progress=False)
    assert not (tmp_path / "nothing-here" / "current").exists()


def test_missing_index_built_on_load(tmp_path: Path, hash_encoder) -> None:
    settings = _settings(tmp_path / "index", auto_rebuild=True)
    r = Retriever.load(settings, encoder=hash_encoder, progress=False)
    assert (tmp_path / "index" / "current").is_symlink()
    assert r.data.manifest["model"] == HASH_MODEL and len(r.data.passages) > 20


def test_broken_corpus_keeps_serving_the_old_index(built: RetrievalSettings) -> None:
    index_dir = Path(built.index_dir)
    before = _snapshot(index_dir)
    old_passages = load_index(index_dir).passages
    (Path(built.corpus_dir) / "zz-broken.md").write_text(BROKEN_FRONT, encoding="utf-8")
    settings = _settings(index_dir, Path(built.corpus_dir), auto_rebuild=True)
    r = Retriever.load(settings, encoder=HashEncoder(), progress=False)
    assert r.data.passages == old_passages
    assert len(r.warnings) == 1 and "zz-broken.md" in r.warnings[0]
    assert _snapshot(index_dir) == before
    assert r.search("Who won the presidential election?")


def test_broken_corpus_and_no_index_raises_corpus_error(tmp_path: Path, corpus_copy: Path) -> None:
    (corpus_copy / "zz-broken.md").write_text(BROKEN_FRONT, encoding="utf-8")
    settings = _settings(tmp_path / "index", corpus_copy, auto_rebuild=True)
    with pytest.raises(CorpusError, match="zz-broken.md"):
        Retriever.load(settings, encoder=HashEncoder(), progress=False)
    assert not (tmp_path / "index" / "current").exists()


def test_read_manifest_of_other_format(built: RetrievalSettings) -> None:
    build = (Path(built.index_dir) / "current").resolve()
    manifest = json.loads((build / "manifest.json").read_text())
    manifest["format"] = 999
    (build / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexCorrupt, match="format"):
        read_manifest(build)


def test_an_unwritable_index_dir_fails_before_embedding(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    settings = RetrievalSettings.from_values(
        index_dir=blocker / "index", corpus_dir=CORPUS, embedding_model="hash"
    )

    class NoEmbedding(HashEncoder):
        def encode(self, texts, batch_size=32):
            raise AssertionError("embedded before checking the index directory")

    with pytest.raises(IndexNotWritable, match="cannot write the index"):
        build_index(settings, NoEmbedding(), progress=False)


# --- one build at a time --------------------------------------------------------------------


def _slow_writes(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Builds take a while to write: long enough for others to start meanwhile."""
    import retrieval.store as store

    write = store._write_files

    def slow(root: Path, data) -> None:
        time.sleep(seconds)
        write(root, data)

    monkeypatch.setattr(store, "_write_files", slow)


def test_concurrent_builds_take_turns_and_reuse_the_one_that_finished(
    built: RetrievalSettings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    # Two /reloads and an `election-bot index` at once used to remove each other's
    # half-written builds ("No such file or directory: …/builds/.tmp-…").
    _append_paragraph(Path(built.corpus_dir), "Zebra crossings were repainted in Oral.")
    _slow_writes(monkeypatch, 0.5)
    results: list[Path | BaseException] = []

    def build() -> None:
        try:
            results.append(build_index(built, HashEncoder(), progress=True))
        except BaseException as e:  # noqa: BLE001 - collected for the assertion below
            results.append(e)

    threads = [threading.Thread(target=build) for _ in range(3)]
    for t in threads:
        t.start()
        time.sleep(0.05)
    for t in threads:
        t.join(timeout=60)
    assert not [r for r in results if isinstance(r, BaseException)], results
    # The first built; the others waited for it and found its index up to date.
    assert len(set(results)) == 1
    assert capsys.readouterr().err.count("waiting for it to finish") == 2
    index_dir = Path(built.index_dir)
    assert [p.name for p in (index_dir / "builds").iterdir()] == [results[0].name]
    assert any("Zebra crossings" in p.text for p in load_index(index_dir).passages)


def test_a_waiting_build_of_a_corpus_changed_meanwhile_builds_again(
    built: RetrievalSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from retrieval.store import build_lock

    index_dir = Path(built.index_dir)
    first = (index_dir / "current").resolve()
    finished: list[Path] = []
    with build_lock(index_dir):  # another build is running
        waiter = threading.Thread(
            target=lambda: finished.append(build_index(built, HashEncoder(), progress=False))
        )
        waiter.start()
        time.sleep(0.3)
        assert not finished  # it waits
        _append_paragraph(Path(built.corpus_dir), "Zebra crossings were repainted in Oral.")
    waiter.join(timeout=60)
    assert finished and finished[0] != first
    assert any("Zebra crossings" in p.text for p in load_index(index_dir).passages)


def test_concurrent_index_commands_all_succeed(tmp_path: Path, corpus_copy: Path) -> None:
    env = {**os.environ, "EMBEDDING_MODEL": "hash", "INDEX_DIR": str(tmp_path / "index"),
           "CORPUS_DIR": str(corpus_copy), "PYTHONPATH": str(CORPUS.parent)}  # fmt: skip
    command = [sys.executable, "-m", "bot.cli", "index", "-q"]
    runs = [subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(3)]  # fmt: skip
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    index_dir = tmp_path / "index"
    assert len(list((index_dir / "builds").iterdir())) == 1
    load_index(index_dir)


def test_a_reader_racing_a_swap_reads_the_new_build(
    built: RetrievalSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import retrieval.store as store

    index_dir = Path(built.index_dir)
    read = store._read_files
    swapped: list[Path] = []

    def read_then_swap(build: Path, manifest: dict):
        if not swapped:  # a build finishes (and removes this one) while it is being read
            _append_paragraph(Path(built.corpus_dir), "Zebra crossings were repainted in Oral.")
            swapped.append(build_index(built, HashEncoder(), progress=False))
        return read(build, manifest)

    monkeypatch.setattr(store, "_read_files", read_then_swap)
    data = load_index(index_dir)
    assert data.path == swapped[0]
    assert any("Zebra crossings" in p.text for p in data.passages)
