"""A tiny vector index over FAISS: build, search, save, load; a vector's id is its row position.

Vectors are L2-normalised float32, so inner product is cosine similarity. Three kinds:
"flat" (exact), "hnsw" (graph) and "ivf" (inverted lists); "auto" picks by corpus size from the
measurements of `python -m benchmarks.scale`.
"""

from __future__ import annotations

import json
import math
import os
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from retrieval.atomic import new_file
from retrieval.errors import IndexCorrupt

KINDS = ("flat", "hnsw", "ivf")

# Measured with `python -m benchmarks.scale` on the 2-core machine (single queries, k=10): flat
# costs ~0.5 ms at 10k, ~5 ms at 100k and ~54 ms at 1M. Up to 50k it is exact and ~2.5 ms, so
# approximation buys nothing; above that IVF met the target with the most margin (1M: recall@10
# 1.0 at ~1.3 ms, built in ~80 s) while HNSW needed ~3x the build time for recall 0.98.
AUTO_FLAT_MAX = 50_000
AUTO_LARGE_KIND = "ivf"

# HNSW: M=32 links per node, efConstruction 80 (1M vectors build in ~4 min on 2 cores). At 1M
# efSearch 128 gave recall@10 0.95 (too close) and 256 gave 0.98 at 0.8 ms, so 256 it is.
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 256

# IVF: nlist ~ 4*sqrt(n) lists; the coarse centroids are trained on a sample, since k-means on
# every vector costs minutes at 1M and barely improves the lists.
IVF_TRAIN_PER_LIST = 40
IVF_TRAIN_ITERATIONS = 10
# Probe ~1.6% of the lists (62 of 4000 at 1M): recall@10 0.998 came already at nprobe 16, but
# the synthetic clusters suit IVF unusually well, so keep a 4x margin for real text (~1.3 ms).
IVF_NPROBE_FRACTION = 1 / 64
IVF_MIN_NPROBE = 8

_MAGIC = b"GTVECIDX"
_VERSION = 1
_HEADER = struct.Struct("<8sIQ")  # magic, format version, length of the JSON metadata


def _threads_for(nq: int) -> int:
    """OpenMP threads for a search of `nq` queries: one for a few, all cores for a batch."""
    # Single-query latency was the same with 1 and 2 threads at every size; one thread leaves the
    # other core to the query encoder and to concurrent chats.
    return 1 if nq <= 4 else max(1, os.cpu_count() or 1)


def ivf_nlist(n: int) -> int:
    """Number of inverted lists for `n` vectors: ~4*sqrt(n), at least 1, at most n/39."""
    return max(1, min(int(4 * math.sqrt(n)), n // 39 or 1))


def ivf_nprobe(nlist: int) -> int:
    """Lists probed per query: a fixed fraction of nlist, enough for recall@10 >= 0.95."""
    return min(nlist, max(IVF_MIN_NPROBE, round(nlist * IVF_NPROBE_FRACTION)))


def choose_kind(n: int) -> str:
    """The index kind `auto` builds for `n` vectors."""
    return "flat" if n <= AUTO_FLAT_MAX else AUTO_LARGE_KIND


def _as_matrix(vectors: np.ndarray) -> np.ndarray:
    x = np.asarray(vectors, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2:
        raise ValueError(f"expected a 2-D array of vectors, got shape {x.shape}")
    return np.ascontiguousarray(x)


@dataclass(eq=False)
class VectorIndex:
    """A FAISS index plus its kind and search parameters (efSearch / nprobe)."""

    index: faiss.Index = field(repr=False)
    kind: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def ntotal(self) -> int:
        """Number of vectors in the index."""
        return int(self.index.ntotal)

    @property
    def dim(self) -> int:
        """Dimension of the vectors."""
        return int(self.index.d)

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str = "auto") -> VectorIndex:
        """Index `vectors` (n x d, L2-normalised); `kind` is flat, hnsw, ivf or auto."""
        x = _as_matrix(vectors)
        n, d = x.shape
        if kind == "auto":
            kind = choose_kind(n)
        if kind not in KINDS:
            raise ValueError(f"unknown index kind {kind!r}; expected auto or one of {KINDS}")
        faiss.omp_set_num_threads(max(1, os.cpu_count() or 1))  # building is batch work
        params: dict[str, Any] = {}
        if kind == "flat":
            index: faiss.Index = faiss.IndexFlatIP(d)
        elif kind == "hnsw":
            index = faiss.IndexHNSWFlat(d, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            params = {
                "M": HNSW_M,
                "efConstruction": HNSW_EF_CONSTRUCTION,
                "efSearch": HNSW_EF_SEARCH,
            }
        else:
            nlist = ivf_nlist(n)
            quantizer = faiss.IndexFlatIP(d)
            index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
            index.cp.niter = IVF_TRAIN_ITERATIONS
            index.cp.max_points_per_centroid = IVF_TRAIN_PER_LIST  # faiss subsamples to this
            index.train(x)
            params = {"nlist": nlist, "nprobe": ivf_nprobe(nlist)}
        if n:
            index.add(x)
        if kind == "ivf":
            # Callers re-score candidates with index.reconstruct_batch(ids); IVF needs an id ->
            # list map for that (8 bytes per vector), and faiss saves it with the index.
            faiss.extract_index_ivf(index).make_direct_map()
        built = cls(index, kind, params)
        built._apply_params()
        return built

    def _apply_params(self) -> None:
        if self.kind == "hnsw" and isinstance(self.index, faiss.IndexHNSW):
            self.index.hnsw.efSearch = int(self.params["efSearch"])
        elif self.kind == "ivf":
            faiss.extract_index_ivf(self.index).nprobe = int(self.params["nprobe"])

    def set_params(self, **params: int) -> None:
        """Change search parameters (efSearch for hnsw, nprobe for ivf); saved with the index."""
        self.params.update(params)
        self._apply_params()

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, ids) per query row, best first; missing hits have id -1, score -inf."""
        q = _as_matrix(queries)
        nq = q.shape[0]
        k = min(k, self.ntotal)
        if k <= 0:
            return np.empty((nq, 0), np.float32), np.empty((nq, 0), np.int64)
        faiss.omp_set_num_threads(_threads_for(nq))
        scores, ids = self.index.search(q, k)
        # Approximate kinds can find fewer than k; make the gaps impossible to mistake for hits.
        scores[ids < 0] = -np.inf
        return scores, ids

    def save(self, path: Path) -> None:
        """Write the index, its kind and parameters to one file, atomically, with a checksum."""
        path = Path(path)
        data = faiss.serialize_index(self.index)
        meta = json.dumps(
            {
                "kind": self.kind,
                "params": self.params,
                "ntotal": self.ntotal,
                "dim": self.dim,
                "nbytes": int(data.nbytes),
                "crc32": zlib.crc32(data.data),
            }
        ).encode()
        with new_file(path) as f:
            f.write(_HEADER.pack(_MAGIC, _VERSION, len(meta)))
            f.write(meta)
            f.write(data.data)  # the array's buffer, not a copy

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        """Read an index written by `save`; raises IndexCorrupt if the file is damaged."""
        path = Path(path)
        blob = path.read_bytes()
        where = f"vector index {path}"
        if len(blob) < _HEADER.size:
            raise IndexCorrupt(f"{where} is truncated ({len(blob)} bytes); rebuild the index")
        magic, version, meta_len = _HEADER.unpack_from(blob)
        if magic != _MAGIC:
            raise IndexCorrupt(f"{where} is not a vector index file; rebuild the index")
        if version != _VERSION:
            raise IndexCorrupt(f"{where} has format version {version}, expected {_VERSION}")
        start = _HEADER.size + meta_len
        try:
            meta = json.loads(blob[_HEADER.size : start])
            kind, params, nbytes, crc = meta["kind"], meta["params"], meta["nbytes"], meta["crc32"]
        except (ValueError, KeyError, TypeError) as e:
            raise IndexCorrupt(f"{where} has unreadable metadata ({e}); rebuild the index") from e
        body = memoryview(blob)[start:]
        if len(body) != nbytes:
            raise IndexCorrupt(
                f"{where} is truncated or padded: {len(body)} index bytes, expected {nbytes}; "
                "rebuild the index"
            )
        if zlib.crc32(body) != crc:
            raise IndexCorrupt(f"{where} fails its checksum; rebuild the index")
        if kind not in KINDS:
            raise IndexCorrupt(f"{where} has unknown kind {kind!r}")
        try:
            index = faiss.deserialize_index(np.frombuffer(body, dtype=np.uint8))
        except RuntimeError as e:  # faiss reports every read error as RuntimeError
            raise IndexCorrupt(f"{where} cannot be read by FAISS: {e}") from e
        if index.ntotal != meta.get("ntotal") or index.d != meta.get("dim"):
            raise IndexCorrupt(f"{where} disagrees with its metadata (size or dimension)")
        loaded = cls(index, kind, dict(params))
        loaded._apply_params()
        return loaded
