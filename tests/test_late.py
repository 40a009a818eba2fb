"""Late interaction's token table: the int8 product against the float32 one it stands in for."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.late import TokenTable, quantized_rows


def unit_rows(rng: np.random.Generator, n: int, dim: int = 384) -> np.ndarray:
    rows = rng.standard_normal((n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def maxsim(table: np.ndarray, offsets: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """The definition, passage by passage in float64."""
    out = []
    for i in range(len(offsets) - 1):
        rows = table[offsets[i] : offsets[i + 1]].astype(np.float64)
        out.append((rows @ tokens.T.astype(np.float64)).max(axis=0).mean() if len(rows) else 0.0)
    return np.array(out)


@pytest.fixture
def corpus() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    sizes = [5, 0, 17, 1, 40, 9, 0]  # passages without tokens, one of them last
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    # Token vectors of one text lean the same way: cosines spread as the model's do.
    base = unit_rows(rng, len(sizes))
    rows = [base[i] * 2 + unit_rows(rng, n) for i, n in enumerate(sizes) if n]
    table = np.vstack(rows)
    return table / np.linalg.norm(table, axis=1, keepdims=True), offsets


def test_rows_come_back_within_half_a_step_of_their_scale() -> None:
    table = unit_rows(np.random.default_rng(1), 50)
    table[3] = 0.0  # a row of zeros stays zeros, with a usable scale
    rows, scale = quantized_rows(table)
    assert rows.dtype == np.int8 and np.all(scale > 0)
    assert np.all(np.abs(rows.astype(np.float32) * scale[:, None] - table) <= scale[:, None] / 2)
    assert not rows[3].any()


def test_the_int8_product_scores_every_passage_as_float32_does(corpus) -> None:
    table, offsets = corpus
    tokens = unit_rows(np.random.default_rng(3), 12)
    exact = maxsim(table, offsets, tokens)
    int8 = TokenTable(table, offsets)
    assert int8.quantized
    every = np.arange(len(offsets) - 1)
    got = int8.scores(tokens, every)
    assert np.abs(got - exact).max() < 0.005
    assert got[1] == 0 and got[-1] == 0  # no tokens, no match
    assert list(np.argsort(-got)) == list(np.argsort(-exact))
    plain = TokenTable(table, offsets, int8=False)
    assert not plain.quantized
    assert np.allclose(plain.scores(tokens, every), exact, atol=1e-5)


def test_a_short_list_is_scored_in_float32_in_its_own_order(corpus) -> None:
    table, offsets = corpus
    tokens = unit_rows(np.random.default_rng(4), 6)
    exact = maxsim(table, offsets, tokens)
    ids = np.array([4, 0])  # fewer than half: passage by passage
    assert np.allclose(TokenTable(table, offsets).scores(tokens, ids), exact[ids], atol=1e-5)


def test_an_empty_table_matches_nothing() -> None:
    table = np.zeros((0, 384), dtype=np.float32)
    offsets = np.zeros(3, dtype=np.int64)
    tokens = unit_rows(np.random.default_rng(5), 4)
    assert TokenTable(table, offsets).scores(tokens, np.arange(2)).tolist() == [0.0, 0.0]


def test_the_int8_copy_is_made_only_when_the_whole_table_is_scored(corpus) -> None:
    # A large corpus scores a short list in float32: no int8 copy of its table in memory.
    table, offsets = corpus
    late = TokenTable(table, offsets)
    late.scores(unit_rows(np.random.default_rng(6), 3), np.array([2]))
    assert late._made is None
    late.scores(unit_rows(np.random.default_rng(6), 3), np.arange(len(offsets) - 1))
    assert late._made is not None


def test_without_the_int8_product_the_whole_table_is_scored_in_float32(corpus, monkeypatch) -> None:
    import retrieval.late

    table, offsets = corpus
    monkeypatch.setattr(retrieval.late, "int8_product", lambda table: None)
    late = TokenTable(table, offsets)
    tokens = unit_rows(np.random.default_rng(8), 5)
    every = np.arange(len(offsets) - 1)
    assert np.allclose(late.scores(tokens, every), maxsim(table, offsets, tokens), atol=1e-5)
    assert not late.quantized
