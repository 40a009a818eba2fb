"""The vector index: every kind finds true neighbours, survives save/load, rejects bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.ann import AUTO_FLAT_MAX, VectorIndex, choose_kind
from retrieval.errors import IndexCorrupt

DIM = 64


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def clustered(n: int, centres: int = 200, noise: float = 0.08, seed: int = 0) -> np.ndarray:
    """Unit vectors scattered around random centres, like embeddings of related passages."""
    rng = np.random.default_rng(seed)
    c = _unit(rng.standard_normal((centres, DIM)))
    return _unit(c[rng.integers(0, centres, n)] + noise * rng.standard_normal((n, DIM)))


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    x = clustered(20_200)
    return x[:20_000], x[20_000:]


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_each_kind_finds_the_vector_itself(kind: str) -> None:
    x = clustered(2_000, seed=1)
    index = VectorIndex.build(x, kind)
    scores, ids = index.search(x[:50], 3)
    assert index.kind == kind and index.ntotal == 2_000
    assert (ids[:, 0] == np.arange(50)).all()
    assert np.allclose(scores[:, 0], 1.0, atol=1e-4)


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_recall_at_10_against_exact(kind: str, data: tuple[np.ndarray, np.ndarray]) -> None:
    x, q = data
    _, truth = VectorIndex.build(x, "flat").search(q, 10)
    _, got = VectorIndex.build(x, kind).search(q, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got, truth, strict=True)])
    assert recall >= 0.95


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_reconstruct_returns_stored_vectors_after_load(kind: str, tmp_path: Path) -> None:
    x = clustered(2_000, seed=4)
    VectorIndex.build(x, kind).save(tmp_path / "vectors.idx")
    loaded = VectorIndex.load(tmp_path / "vectors.idx")
    assert np.allclose(loaded.index.reconstruct(1234), x[1234], atol=1e-6)


def test_single_query_vector_and_k_larger_than_n() -> None:
    x = clustered(5, seed=2)
    scores, ids = VectorIndex.build(x, "flat").search(x[0], 10)
    assert ids.shape == (1, 5) and ids[0, 0] == 0
    assert (np.diff(scores[0]) <= 1e-6).all()


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_save_load_round_trip_keeps_kind_and_params(kind: str, tmp_path: Path) -> None:
    x = clustered(3_000, seed=3)
    index = VectorIndex.build(x, kind)
    if kind == "hnsw":
        index.set_params(efSearch=99)
    elif kind == "ivf":
        index.set_params(nprobe=7)
    index.save(tmp_path / "vectors.idx")
    loaded = VectorIndex.load(tmp_path / "vectors.idx")
    assert (loaded.kind, loaded.params, loaded.ntotal) == (kind, index.params, 3_000)
    if kind == "hnsw":
        assert loaded.index.hnsw.efSearch == 99
    elif kind == "ivf":
        assert loaded.index.nprobe == 7
    assert (loaded.search(x[:20], 5)[1] == index.search(x[:20], 5)[1]).all()


@pytest.mark.parametrize("keep", [0, 10, 0.5, -1])
def test_truncated_file_raises_index_corrupt(keep: float, tmp_path: Path) -> None:
    path = tmp_path / "vectors.idx"
    VectorIndex.build(clustered(500), "hnsw").save(path)
    blob = path.read_bytes()
    cut = int(len(blob) * keep) if isinstance(keep, float) else keep % len(blob)
    path.write_bytes(blob[:cut])
    with pytest.raises(IndexCorrupt, match="vectors.idx"):
        VectorIndex.load(path)


def test_flipped_byte_raises_index_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "vectors.idx"
    VectorIndex.build(clustered(500), "flat").save(path)
    blob = bytearray(path.read_bytes())
    blob[-100] ^= 0xFF
    path.write_bytes(bytes(blob))
    with pytest.raises(IndexCorrupt, match="checksum"):
        VectorIndex.load(path)


def test_auto_picks_flat_for_small_corpora() -> None:
    assert VectorIndex.build(clustered(1_000), "auto").kind == "flat"
    assert choose_kind(AUTO_FLAT_MAX) == "flat"
    assert choose_kind(1_000_000) != "flat"


def test_unknown_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="kind"):
        VectorIndex.build(clustered(10), "lsh")
