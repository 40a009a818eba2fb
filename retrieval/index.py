"""The index on disk: passages, their vectors, the lexical index and a manifest, swapped atomically.

Layout under INDEX_DIR:
    current -> builds/<id>      a symlink, replaced atomically when a new build is complete
    builds/<id>/manifest.json   model, corpus fingerprint, chunking, build time, file checksums
    builds/<id>/passages.jsonl  one passage a line; its line number is its vector id
    builds/<id>/articles.json   the sources of the articles
    builds/<id>/vectors.faiss   passage vectors (the text alone; see embedding_text)
    builds/<id>/sentences.npy   one vector per sentence, rows grouped by passage
    builds/<id>/sentence_offsets.npy  where each passage's rows start in sentences.npy
    builds/<id>/tokens.npy      each passage's token vectors (float16), for late interaction;
                                only for corpora of up to LATE_MAX_PASSAGES passages
    builds/<id>/token_offsets.npy  where each passage's rows start in tokens.npy
    builds/<id>/lexical/        BM25 over the passages, name variants folded
    builds/<id>/names.json      the names the corpus uses, for abstention (retrieval/names.py)
    models/<model>/             the model exported to ONNX, kept across builds
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from retrieval.chunking import ChunkParams, chunk_corpus
from retrieval.config import RetrievalSettings
from retrieval.corpus import corpus_fingerprint, load_corpus, load_name_variants
from retrieval.embedding import HASH_MODEL, Encoder, load_encoder
from retrieval.errors import (
    CorpusError,
    IndexCorrupt,
    IndexNotFound,
    IndexNotWritable,
    ModelError,
)
from retrieval.lexical import LexicalIndex, NameVariants, Tokenizer
from retrieval.names import NameCheck
from retrieval.records import Passage, Source

log = logging.getLogger(__name__)

# 2: names.json; 3: overlapping passages with sentence spans; 4: contractions; 5: token vectors
INDEX_FORMAT = 5
# Token vectors take about 150 rows of 384 floats a passage, all kept in memory (~230 KB a
# passage as float32): beyond this many passages late interaction is left out.
LATE_MAX_PASSAGES = 1000
MANIFEST = "manifest.json"
_CHECKSUM_LIMIT = 256 * 1024 * 1024  # bigger files are checked by size only: hashing costs seconds


@dataclass(frozen=True)
class IndexData:
    """Everything a search needs, loaded from one build."""

    path: Path
    manifest: dict
    sources: dict[str, Source]
    passages: list[Passage]
    ann: object  # retrieval.ann.VectorIndex
    sentence_vectors: np.ndarray
    sentence_offsets: np.ndarray  # passage i owns rows offsets[i]:offsets[i+1]
    lexical: LexicalIndex
    names: NameCheck
    token_vectors: np.ndarray | None = None  # float32; None: no late interaction
    token_offsets: np.ndarray | None = None  # passage i owns rows offsets[i]:offsets[i+1]

    @property
    def model(self) -> str:
        return self.manifest["model"]


def embedding_text(passage: Passage) -> str:
    """What is embedded for a passage: its own text.

    Prefixing the headline and subhead was measured and ranked worse with all-MiniLM-L6-v2
    (hit@1 0.39 against 0.52 alone): the shared headline pulls every passage of an article
    toward the same questions. Subheads still reach the lexical index.
    """
    return passage.text


def lexical_text(passage: Passage) -> str:
    """What BM25 sees: the passage with its subhead, so a subhead's words can find it."""
    return f"{passage.subhead}\n{passage.text}" if passage.subhead else passage.text


def model_cache_dir(index_dir: Path, model: str) -> Path:
    """Where the ONNX export of `model` is cached, shared by every build of the index."""
    slug = hashlib.sha256(model.encode()).hexdigest()[:12]
    return index_dir / "models" / slug


def ensure_query_encoder(settings: RetrievalSettings, progress: bool = True) -> None:
    """Export the model to ONNX once, for fast question encoding; torch stays the fallback."""
    if settings.encoder_backend == "torch" or settings.embedding_model == HASH_MODEL:
        return
    from retrieval.onnx_encoder import export_onnx, onnx_available

    cache = model_cache_dir(Path(settings.index_dir), settings.embedding_model)
    if onnx_available(cache, settings.embedding_model):
        return
    if progress:
        print("Exporting the question encoder to ONNX (once) ...", file=sys.stderr)
    try:
        export_onnx(settings.embedding_model, cache)
    except ModelError as e:
        log.warning("%s; questions will be encoded with torch", e)


def _batches(n: int, size: int) -> Iterator[slice]:
    for start in range(0, n, size):
        yield slice(start, min(n, start + size))


def _encode(
    encoder: Encoder, texts: list[str], what: str, progress: bool, *, tokens: bool = False
) -> tuple[np.ndarray, list[np.ndarray] | None]:
    """Vectors of `texts` in batches, with a progress bar; and with `tokens`, each text's
    token vectors from the same run (the encoder's `encode_with_tokens`)."""
    from tqdm import tqdm

    parts: list[np.ndarray] = []
    rows: list[np.ndarray] = []
    with tqdm(
        total=len(texts), desc=what, unit="text", disable=not progress, file=sys.stderr
    ) as bar:
        for part in _batches(len(texts), 64):
            if tokens:
                vectors, more = encoder.encode_with_tokens(texts[part])
                rows.extend(more)
            else:
                vectors = encoder.encode(texts[part])
            parts.append(vectors)
            bar.update(part.stop - part.start)
    if not parts:
        return np.zeros((0, encoder.dim), dtype=np.float32), rows if tokens else None
    vectors = np.ascontiguousarray(np.vstack(parts), dtype=np.float32)
    return vectors, rows if tokens else None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _file_table(root: Path) -> dict[str, dict]:
    table = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != MANIFEST):
        size = path.stat().st_size
        entry: dict = {"size": size}
        if size <= _CHECKSUM_LIMIT:
            entry["sha256"] = _sha256(path)
        table[str(path.relative_to(root))] = entry
    return table


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with path.open("rb") as f:
                os.fsync(f.fileno())


def build_index(
    settings: RetrievalSettings,
    encoder: Encoder | None = None,
    *,
    params: ChunkParams | None = None,
    progress: bool = True,
) -> Path:
    """Build the index from the corpus and swap it in atomically; returns the build's path.

    Raises CorpusError before anything is written when a corpus file is bad, so the previous
    index stays in place and keeps serving.
    """
    from retrieval.ann import VectorIndex

    started = time.time()
    params = params or ChunkParams()
    corpus_dir = Path(settings.corpus_dir)
    articles = load_corpus(corpus_dir)
    builds = Path(settings.index_dir) / "builds"
    try:  # before minutes of embedding, not after
        builds.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=builds).close()
    except OSError as e:
        why = e.strerror or str(e)
        raise IndexNotWritable(f"cannot write the index to {settings.index_dir}: {why}") from e
    variants = NameVariants(load_name_variants(corpus_dir))
    fingerprint = corpus_fingerprint(corpus_dir)
    encoder = encoder or load_encoder(settings.embedding_model, "torch")
    sources = {a.id: a.source for a in articles}

    passages = chunk_corpus(articles, encoder.count_tokens, params)
    if not passages:
        raise CorpusError(str(corpus_dir), "", "the corpus has no text to index")
    late = len(passages) <= LATE_MAX_PASSAGES and hasattr(encoder, "encode_with_tokens")
    texts = [embedding_text(p) for p in passages]
    vectors, tokens = _encode(encoder, texts, "Embedding passages", progress, tokens=late)
    token_vectors = token_offsets = None
    if tokens is not None:
        token_offsets = np.cumsum([0] + [len(t) for t in tokens], dtype=np.int64)
        token_vectors = np.vstack(tokens).astype(np.float16)
    # Overlapping passages share sentences: each is embedded once, then given to every
    # passage that holds it.
    sentences = [s for p in passages for s in p.sentences]
    unique = list(dict.fromkeys(sentences))
    row = {s: i for i, s in enumerate(unique)}
    sentence_vectors, _ = _encode(encoder, unique, "Embedding sentences", progress)
    sentence_vectors = np.ascontiguousarray(sentence_vectors[[row[s] for s in sentences]])
    offsets = np.cumsum([0] + [len(p.sentences) for p in passages], dtype=np.int64)
    lexical_texts = [lexical_text(p) for p in passages]
    lexical = LexicalIndex.build(lexical_texts, Tokenizer(variants))
    names = NameCheck.build(
        lexical_texts
        + [f"{s.title}\n{s.outlet}" for s in sources.values()]
        + [spelling for group in variants.groups for spelling in group],
        lexical.tokenizer,
    )
    ann = VectorIndex.build(vectors, settings.index_type)

    index_dir = Path(settings.index_dir)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=builds))
    try:
        with (tmp / "passages.jsonl").open("w", encoding="utf-8") as f:
            for p in passages:
                f.write(json.dumps(asdict(p), ensure_ascii=False) + "\n")
        (tmp / "articles.json").write_text(
            json.dumps({a.id: asdict(a.source) for a in articles}, ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
        ann.save(tmp / "vectors.faiss")
        np.save(tmp / "sentences.npy", sentence_vectors)
        np.save(tmp / "sentence_offsets.npy", offsets)
        if token_vectors is not None:
            np.save(tmp / "tokens.npy", token_vectors)
            np.save(tmp / "token_offsets.npy", token_offsets)
        lexical.save(tmp / "lexical")
        names.save(tmp / "names.json")
        manifest = {
            "format": INDEX_FORMAT,
            "model": settings.embedding_model,
            "dim": int(vectors.shape[1]),
            "corpus_fingerprint": fingerprint,
            "chunking": params.as_dict(),
            "index_type": ann.kind,
            "name_variants": variants.groups,
            "articles": len(articles),
            "passages": len(passages),
            "sentences": len(sentences),
            "late_interaction": token_vectors is not None,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "build_seconds": round(time.time() - started, 2),
            "files": _file_table(tmp),
        }
        # The manifest is written last: a build without one is incomplete by definition.
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        _fsync_tree(tmp)
        final = builds / f"{time.strftime('%Y%m%dT%H%M%S')}-{fingerprint[:8]}-{os.getpid()}"
        tmp.rename(final)
        _point_current(index_dir, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _remove_old_builds(builds, keep=final)
    log.info("built index of %d passages in %.1fs", len(passages), time.time() - started)
    return final


def _point_current(index_dir: Path, build: Path) -> None:
    """Atomically make `current` point at `build` (a symlink replaced by rename)."""
    link = index_dir / "current"
    tmp_link = index_dir / f".current-{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    tmp_link.symlink_to(build.relative_to(index_dir))
    os.replace(tmp_link, link)


def _remove_old_builds(builds: Path, keep: Path) -> None:
    for entry in builds.iterdir():
        if entry != keep:
            shutil.rmtree(entry, ignore_errors=True)


def current_build(index_dir: Path) -> Path:
    """The build `current` points at; IndexNotFound when there is none."""
    link = Path(index_dir) / "current"
    if not link.exists():
        raise IndexNotFound(f"no index in {index_dir}: run `election-bot index` to build it")
    return link.resolve()


def read_manifest(build: Path) -> dict:
    """The manifest of a build; IndexCorrupt when unreadable."""
    try:
        manifest = json.loads((build / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise IndexCorrupt(f"the index manifest in {build} is unreadable ({e})") from e
    if manifest.get("format") != INDEX_FORMAT:
        raise IndexCorrupt(
            f"the index in {build} was built by another version of this program "
            f"(format {manifest.get('format')!r}; this one reads {INDEX_FORMAT})"
        )
    return manifest


def verify_files(build: Path, manifest: dict) -> None:
    """Every file the manifest lists is there, whole: size and, where recorded, checksum."""
    for name, entry in manifest.get("files", {}).items():
        path = build / name
        if not path.is_file() or path.stat().st_size != entry["size"]:
            raise IndexCorrupt(f"index file {name} is missing or truncated")
        if "sha256" in entry and _sha256(path) != entry["sha256"]:
            raise IndexCorrupt(f"index file {name} is corrupted (checksum mismatch)")


def load_index(index_dir: Path, *, verify: bool = True) -> IndexData:
    """Load the current build; IndexNotFound or IndexCorrupt, never a half-read index."""
    from retrieval.ann import VectorIndex

    build = current_build(index_dir)
    manifest = read_manifest(build)
    if verify:
        verify_files(build, manifest)
    try:
        raw_sources = json.loads((build / "articles.json").read_text(encoding="utf-8"))
        sources = {k: Source(**v) for k, v in raw_sources.items()}
        passages = []
        with (build / "passages.jsonl").open(encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                passages.append(
                    Passage(
                        id=row["id"],
                        article_id=row["article_id"],
                        position=row["position"],
                        text=row["text"],
                        subhead=row["subhead"],
                        sentences=tuple(row["sentences"]),
                        start=row["start"],
                        end=row["end"],
                    )
                )
        ann = VectorIndex.load(build / "vectors.faiss")
        sentence_vectors = np.load(build / "sentences.npy")
        offsets = np.load(build / "sentence_offsets.npy")
        variants = NameVariants(manifest.get("name_variants") or [])
        lexical = LexicalIndex.load(build / "lexical", Tokenizer(variants))
        names = NameCheck.load(build / "names.json", lexical.tokenizer)
        token_vectors = token_offsets = None
        if manifest.get("late_interaction"):
            token_vectors = np.load(build / "tokens.npy").astype(np.float32)
            token_offsets = np.load(build / "token_offsets.npy")
    except IndexCorrupt:
        raise
    except Exception as e:  # any parse error means the files are not what the manifest says
        raise IndexCorrupt(f"the index in {build} cannot be read ({type(e).__name__}: {e})") from e
    if not (len(passages) == ann.ntotal == len(offsets) - 1 == manifest["passages"]):
        raise IndexCorrupt(f"the index in {build} is inconsistent: passage counts differ")
    if sentence_vectors.shape[0] != offsets[-1]:
        raise IndexCorrupt(f"the index in {build} is inconsistent: sentence counts differ")
    if token_offsets is not None and not (
        len(token_offsets) == len(passages) + 1 and token_offsets[-1] == len(token_vectors)
    ):
        raise IndexCorrupt(f"the index in {build} is inconsistent: token counts differ")
    return IndexData(
        build,
        manifest,
        sources,
        passages,
        ann,
        sentence_vectors,
        offsets,
        lexical,
        names,
        token_vectors,
        token_offsets,
    )


def staleness(settings: RetrievalSettings, manifest: dict) -> str | None:
    """Why the index no longer matches the corpus or model, or None when it does."""
    if manifest.get("model") != settings.embedding_model:
        return (
            f"it was built with model {manifest.get('model')!r}, not {settings.embedding_model!r}"
        )
    if manifest.get("chunking") != ChunkParams().as_dict():
        return "the chunking parameters changed"
    try:
        fingerprint = corpus_fingerprint(Path(settings.corpus_dir))
    except CorpusError:
        return None  # no readable corpus to compare against: keep serving what we have
    if manifest.get("corpus_fingerprint") != fingerprint:
        return "the corpus changed since it was built"
    return None


__all__ = [
    "IndexData",
    "build_index",
    "current_build",
    "ensure_query_encoder",
    "load_index",
    "model_cache_dir",
    "read_manifest",
    "staleness",
    "verify_files",
]
