"""The index on disk: a directory per build, a manifest, a `current` pointer swapped atomically.

Layout under INDEX_DIR:
    current -> builds/<id>      a symlink, replaced atomically when a new build is complete
    builds/<id>/manifest.json   model, corpus fingerprint, chunking, build time, file checksums,
                                how many texts were embedded and how many reused, and with what
    builds/<id>/passages.jsonl  one passage a line; its line number is its vector id
    builds/<id>/articles.json   the sources of the articles
    builds/<id>/vectors.faiss   passage vectors (the text alone; see build.embedding_text)
    builds/<id>/sentences.npy   one vector per sentence, rows grouped by passage
    builds/<id>/sentence_offsets.npy  where each passage's rows start in sentences.npy
    builds/<id>/tokens.npy      each distinct sentence's token vectors (float16), in order of
                                first appearance, for late interaction (retrieval/late.py);
                                only for corpora of up to build.LATE_MAX_PASSAGES passages
    builds/<id>/token_offsets.npy  where each distinct sentence's rows start in tokens.npy
    builds/<id>/lexical/        BM25 over the passages, name variants folded
    builds/<id>/names.json      the names the corpus uses, for abstention (retrieval/names.py)
    builds/<id>/vocabulary.json the words the corpus uses, for spelling (retrieval/spelling.py),
                                and its names of several words, for their capitals
    builds/<id>/synonyms.json   the corpus's words a synonym may be, and synonyms.npy their
                                vectors, each word alone (float16; retrieval/synonyms.py)
    models/<model>/             the model exported to ONNX, kept across builds (encoders.factory)
    build.lock                  held (flock) by the one build running; never removed

What `write_build` writes, `load_index` reads back through the same records and classes.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.ann import VectorIndex
from retrieval.atomic import new_directory, point_symlink
from retrieval.errors import IndexCorrupt, IndexNotFound, IndexNotWritable, describe_os_error
from retrieval.lexical import LexicalIndex, NameVariants, Tokenizer
from retrieval.names import NameCheck
from retrieval.records import Passage, Source, from_record, to_record
from retrieval.spelling import Vocabulary

# 2: names.json; 3: overlapping passages with sentence spans; 4: contractions; 5: token vectors;
# 6: vocabulary.json; 7: what was embedded and reused, and by which encoder; 8: synonyms;
# 9: token vectors per distinct sentence, not per passage
INDEX_FORMAT = 9
MANIFEST = "manifest.json"
LOCK = "build.lock"
_CHECKSUM_LIMIT = 256 * 1024 * 1024  # bigger files are checked by size only: hashing costs seconds
# What every manifest holds, and of which type: anything else is not one of our manifests.
_MANIFEST_FIELDS: dict[str, type | tuple[type, ...]] = {
    "format": int,
    "model": str,
    "corpus_fingerprint": str,
    "chunking": dict,
    "index_type": str,
    "name_variants": list,
    "articles": int,
    "passages": int,
    "late_interaction": bool,
    "embedded": dict,
    "reused": dict,
    "encoder": (str, type(None)),
    "built_at": str,
    "files": dict,
}


@dataclass(frozen=True)
class IndexData:
    """Everything a search needs: what a build writes, and what loading it gives back.

    `path` and `manifest` are known once the build is on disk.
    """

    sources: dict[str, Source]
    passages: list[Passage]
    ann: VectorIndex
    sentence_vectors: np.ndarray
    sentence_offsets: np.ndarray  # passage i owns rows offsets[i]:offsets[i+1]
    lexical: LexicalIndex
    names: NameCheck
    vocabulary: Vocabulary
    token_vectors: np.ndarray | None = None  # None: no late interaction
    # Distinct sentence i (late.distinct_sentences) owns rows offsets[i]:offsets[i+1].
    token_offsets: np.ndarray | None = None
    synonym_words: list[str] = field(default_factory=list)  # retrieval/synonyms.py
    synonym_vectors: np.ndarray | None = None  # one row per word of synonym_words
    path: Path = Path()
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def model(self) -> str:
        return str(self.manifest["model"])


def check_writable(index_dir: Path) -> Path:
    """The builds directory, made and tried; IndexNotWritable before any costly work."""
    builds = Path(index_dir) / "builds"
    try:
        builds.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=builds).close()
    except OSError as e:
        raise IndexNotWritable(
            f"cannot write the index to {index_dir}: {describe_os_error(e)}"
        ) from e
    return builds


@contextmanager
def build_lock(index_dir: Path, waiting: Callable[[], None] = lambda: None) -> Iterator[bool]:
    """Hold the index's build lock; yields whether another build had it first.

    One build at a time: two at once would embed everything twice, and each would remove the
    other's half-written build. The lock is an flock on INDEX_DIR/build.lock, released when
    the block ends or the process dies. `waiting` is called once if the lock is taken.
    """
    builds = check_writable(index_dir)
    # "a": opening never truncates nor replaces the file another process may hold locked.
    with open(builds.parent / LOCK, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            waited = False
        except BlockingIOError:
            waiting()
            fcntl.flock(f, fcntl.LOCK_EX)
            waited = True
        try:
            yield waited
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def write_build(index_dir: Path, data: IndexData, manifest: dict[str, Any]) -> Path:
    """Write `data` as a new build, point `current` at it, remove older builds; its path.

    The build is filled under a temporary name and renamed whole, the manifest written last:
    a build without one is incomplete by definition. A failure leaves the previous index.
    Call it holding `build_lock`: it removes every other entry of builds/.
    """
    index_dir = Path(index_dir)
    builds = check_writable(index_dir)
    # Unique even for two builds of the same corpus in the same second (a rebuild on load).
    stamp, fingerprint = time.strftime("%Y%m%dT%H%M%S"), manifest["corpus_fingerprint"][:8]
    name = f"{stamp}-{fingerprint}-{os.getpid()}-{secrets.token_hex(3)}"
    final = builds / name
    try:
        with new_directory(final, replace=False) as tmp:
            _write_files(tmp, data)
            manifest = {"format": INDEX_FORMAT, **manifest, "files": _file_table(tmp)}
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        point_symlink(index_dir / "current", final)
    except OSError as e:  # disk full, a file-size limit, ...: the previous index still serves
        shutil.rmtree(final, ignore_errors=True)  # renamed into place, but never pointed at
        raise IndexNotWritable(
            f"cannot write the index to {index_dir}: {describe_os_error(e)}"
        ) from e
    for entry in builds.iterdir():
        if entry != final:
            shutil.rmtree(entry, ignore_errors=True)
    return final


def _write_files(root: Path, data: IndexData) -> None:
    with (root / "passages.jsonl").open("w", encoding="utf-8") as f:
        for p in data.passages:
            f.write(json.dumps(to_record(p), ensure_ascii=False) + "\n")
    sources = {k: to_record(s) for k, s in data.sources.items()}
    (root / "articles.json").write_text(
        json.dumps(sources, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    data.ann.save(root / "vectors.faiss")
    np.save(root / "sentences.npy", data.sentence_vectors)
    np.save(root / "sentence_offsets.npy", data.sentence_offsets)
    if data.token_vectors is not None and data.token_offsets is not None:
        np.save(root / "tokens.npy", data.token_vectors.astype(np.float16))
        np.save(root / "token_offsets.npy", data.token_offsets)
    data.lexical.save(root / "lexical")
    data.names.save(root / "names.json")
    data.vocabulary.save(root / "vocabulary.json")
    (root / "synonyms.json").write_text(json.dumps(data.synonym_words), encoding="utf-8")
    words = data.synonym_vectors
    np.save(
        root / "synonyms.npy", (words if words is not None else np.zeros((0, 0))).astype(np.float16)
    )


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _file_table(root: Path) -> dict[str, dict[str, Any]]:
    table = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != MANIFEST):
        size = path.stat().st_size
        entry: dict[str, Any] = {"size": size}
        if size <= _CHECKSUM_LIMIT:
            entry["sha256"] = _sha256(path)
        table[str(path.relative_to(root))] = entry
    return table


def current_build(index_dir: Path) -> Path:
    """The build `current` points at; IndexNotFound when there is none."""
    link = Path(index_dir) / "current"
    if not link.exists():
        raise IndexNotFound(f"no index in {index_dir}: run `election-bot index` to build it")
    return link.resolve()


def read_manifest(build: Path) -> dict[str, Any]:
    """The manifest of a build; IndexCorrupt when unreadable, of another shape or format."""
    try:
        manifest = json.loads((build / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise IndexCorrupt(f"the index manifest in {build} is unreadable ({e})") from e
    if not isinstance(manifest, dict):
        raise IndexCorrupt(f"the index manifest in {build} is not a manifest (a JSON object)")
    if manifest.get("format") != INDEX_FORMAT:
        raise IndexCorrupt(
            f"the index in {build} was built by another version of this program "
            f"(format {manifest.get('format')!r}; this one reads {INDEX_FORMAT})"
        )
    for key, kind in _MANIFEST_FIELDS.items():
        if not isinstance(manifest.get(key), kind):
            raise IndexCorrupt(f"the index manifest in {build} lacks a valid {key!r}")
    return manifest


def verify_files(build: Path, manifest: dict[str, Any], names: Iterable[str] | None = None) -> None:
    """Every file the manifest lists (or those of `names`) is there, whole: size and, where
    recorded, checksum."""
    files = manifest["files"]
    for name in files if names is None else names:
        entry = files.get(name)
        path = build / name
        if not isinstance(entry, dict) or not path.is_file():
            raise IndexCorrupt(f"index file {name} is missing")
        if path.stat().st_size != entry.get("size"):
            raise IndexCorrupt(f"index file {name} is missing or truncated")
        if "sha256" in entry and _sha256(path) != entry["sha256"]:
            raise IndexCorrupt(f"index file {name} is corrupted (checksum mismatch)")


def load_index(index_dir: Path, *, verify: bool = True) -> IndexData:
    """Load the current build; IndexNotFound or IndexCorrupt, never a half-read index."""
    build = current_build(index_dir)
    try:
        return load_build(build, verify=verify)
    except IndexCorrupt:
        if current_build(index_dir) == build:
            raise
    # A new build was swapped in while this one was read, and the old one removed: read the new.
    return load_build(current_build(index_dir), verify=verify)


def load_build(build: Path, *, verify: bool = True) -> IndexData:
    """Load one build; IndexCorrupt, never a half-read index."""
    manifest = read_manifest(build)
    if verify:
        verify_files(build, manifest)
    try:
        data = _read_files(build, manifest)
    except IndexCorrupt:
        raise
    except Exception as e:  # any parse error means the files are not what the manifest says
        raise IndexCorrupt(f"the index in {build} cannot be read ({type(e).__name__}: {e})") from e
    return data


@dataclass(frozen=True)
class StoredVectors:
    """A build's passages and their vectors, as stored (token vectors in float16)."""

    passages: list[Passage]
    ann: VectorIndex
    sentence_vectors: np.ndarray
    sentence_offsets: np.ndarray
    token_vectors: np.ndarray | None
    token_offsets: np.ndarray | None
    synonym_words: list[str]
    synonym_vectors: np.ndarray  # float16


def read_vectors(build: Path, manifest: dict[str, Any]) -> StoredVectors:
    """The passages of one build and their vectors, checked against each other (IndexCorrupt):
    what loading an index and reusing its vectors for the next build both read."""
    with (build / "passages.jsonl").open(encoding="utf-8") as f:
        passages = [from_record(Passage, json.loads(line)) for line in f]
    token_vectors = token_offsets = None
    if manifest["late_interaction"]:
        token_vectors = np.load(build / "tokens.npy")
        token_offsets = np.load(build / "token_offsets.npy")
    vectors = StoredVectors(
        passages=passages,
        ann=VectorIndex.load(build / "vectors.faiss"),
        sentence_vectors=np.load(build / "sentences.npy"),
        sentence_offsets=np.load(build / "sentence_offsets.npy"),
        token_vectors=token_vectors,
        token_offsets=token_offsets,
        synonym_words=json.loads((build / "synonyms.json").read_text(encoding="utf-8")),
        synonym_vectors=np.load(build / "synonyms.npy"),
    )
    _check_consistent(build, vectors, manifest)
    return vectors


def _read_files(build: Path, manifest: dict[str, Any]) -> IndexData:
    raw_sources = json.loads((build / "articles.json").read_text(encoding="utf-8"))
    vectors = read_vectors(build, manifest)
    tokenizer = Tokenizer(NameVariants(manifest["name_variants"]))
    lexical = LexicalIndex.load(build / "lexical", tokenizer)
    tokens = vectors.token_vectors
    return IndexData(
        sources={k: from_record(Source, v) for k, v in raw_sources.items()},
        passages=vectors.passages,
        ann=vectors.ann,
        sentence_vectors=vectors.sentence_vectors,
        sentence_offsets=vectors.sentence_offsets,
        lexical=lexical,
        names=NameCheck.load(build / "names.json", lexical.tokenizer),
        vocabulary=Vocabulary.load(build / "vocabulary.json"),
        token_vectors=None if tokens is None else tokens.astype(np.float32),
        token_offsets=vectors.token_offsets,
        synonym_words=vectors.synonym_words,
        synonym_vectors=(
            vectors.synonym_vectors.astype(np.float32) if vectors.synonym_words else None
        ),
        path=build,
        manifest=manifest,
    )


def _check_consistent(build: Path, data: StoredVectors, manifest: dict[str, Any]) -> None:
    where = f"the index in {build} is inconsistent"
    offsets, n = data.sentence_offsets, len(data.passages)
    if not (n == data.ann.ntotal == len(offsets) - 1 == manifest["passages"]):
        raise IndexCorrupt(f"{where}: passage counts differ")
    if data.sentence_vectors.shape[0] != offsets[-1]:
        raise IndexCorrupt(f"{where}: sentence counts differ")
    tokens, token_offsets = data.token_vectors, data.token_offsets
    distinct = len({s for p in data.passages for s in p.sentences})
    if token_offsets is not None and not (
        tokens is not None
        and len(token_offsets) == distinct + 1
        and token_offsets[-1] == len(tokens)
    ):
        raise IndexCorrupt(f"{where}: token counts differ")
    if data.synonym_words and len(data.synonym_words) != len(data.synonym_vectors):
        raise IndexCorrupt(f"{where}: synonym counts differ")
