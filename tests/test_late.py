"""Late interaction's token table: the int8 product against the float32 one it stands in for,
and passages scored through the sentences they hold."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from retrieval.late import TokenTable, distinct_sentences, quantized_rows


def unit_rows(rng: np.random.Generator, n: int, dim: int = 384) -> np.ndarray:
    rows = rng.standard_normal((n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def maxsim(corpus: Corpus, tokens: np.ndarray) -> np.ndarray:
    """The definition, passage by passage in float64: its sentences' rows together."""
    out = []
    for i in range(len(corpus.bounds) - 1):
        held = corpus.sentences[corpus.bounds[i] : corpus.bounds[i + 1]]
        parts = [corpus.table[corpus.offsets[s] : corpus.offsets[s + 1]] for s in held]
        rows = np.vstack(parts).astype(np.float64) if parts else np.zeros((0, 1))
        out.append((rows @ tokens.T.astype(np.float64)).max(axis=0).mean() if len(rows) else 0.0)
    return np.array(out)


@dataclass
class Corpus:
    table: np.ndarray
    offsets: np.ndarray  # sentence s owns rows offsets[s]:offsets[s+1]
    sentences: np.ndarray  # passage p holds sentences[bounds[p]:bounds[p+1]]
    bounds: np.ndarray

    def late(self, **kw: bool) -> TokenTable:
        return TokenTable(self.table, self.offsets, self.sentences, self.bounds, **kw)


@pytest.fixture
def corpus() -> Corpus:
    rng = np.random.default_rng(7)
    sizes = [5, 0, 17, 1, 40, 9, 3]  # sentence 1 has no tokens
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    # Token vectors of one text lean the same way: cosines spread as the model's do.
    base = unit_rows(rng, len(sizes))
    rows = [base[i] * 2 + unit_rows(rng, n) for i, n in enumerate(sizes) if n]
    table = np.vstack(rows)
    # Passages overlap, as the chunker's windows do; passage 1 holds only the sentence without
    # tokens, passage 5 none at all, and passage 6 is last.
    held = [[0, 2], [1], [2, 3, 4], [3, 4], [4, 5, 0], [], [6, 1]]
    bounds = np.concatenate([[0], np.cumsum([len(h) for h in held])]).astype(np.int64)
    sentences = np.array([s for h in held for s in h], dtype=np.int64)
    return Corpus(table / np.linalg.norm(table, axis=1, keepdims=True), offsets, sentences, bounds)


def test_distinct_sentences_are_numbered_in_order_of_first_appearance() -> None:
    texts, ids = distinct_sentences([["a", "b"], ["b", "c"], [], ["c", "a", "d"]])
    assert texts == ["a", "b", "c", "d"]
    assert ids.tolist() == [0, 1, 1, 2, 2, 0, 3]


def test_rows_come_back_within_half_a_step_of_their_scale() -> None:
    table = unit_rows(np.random.default_rng(1), 50)
    table[3] = 0.0  # a row of zeros stays zeros, with a usable scale
    rows, scale = quantized_rows(table)
    assert rows.dtype == np.int8 and np.all(scale > 0)
    assert np.all(np.abs(rows.astype(np.float32) * scale[:, None] - table) <= scale[:, None] / 2)
    assert not rows[3].any()


def test_the_int8_product_scores_every_passage_as_float32_does(corpus) -> None:
    tokens = unit_rows(np.random.default_rng(3), 12)
    exact = maxsim(corpus, tokens)
    int8 = corpus.late()
    assert int8.quantized
    every = np.arange(len(corpus.bounds) - 1)
    got = int8.scores(tokens, every)
    assert np.abs(got - exact).max() < 0.005
    assert got[1] == 0 and got[5] == 0  # no tokens, no match
    assert list(np.argsort(-got, kind="stable")) == list(np.argsort(-exact, kind="stable"))
    plain = corpus.late(int8=False)
    assert not plain.quantized
    assert np.allclose(plain.scores(tokens, every), exact, atol=1e-5)


def test_a_short_list_is_scored_in_float32_in_its_own_order(corpus) -> None:
    tokens = unit_rows(np.random.default_rng(4), 6)
    exact = maxsim(corpus, tokens)
    ids = np.array([4, 1, 0])  # fewer than half: sentence by sentence
    assert np.allclose(corpus.late().scores(tokens, ids), exact[ids], atol=1e-5)
    assert corpus.late().scores(tokens, np.array([5]))[0] == 0


def test_an_empty_table_matches_nothing() -> None:
    table = np.zeros((0, 384), dtype=np.float32)
    offsets = np.zeros(3, dtype=np.int64)  # two sentences, no tokens
    late = TokenTable(table, offsets, np.array([0, 1, 1]), np.array([0, 1, 3]))
    tokens = unit_rows(np.random.default_rng(5), 4)
    assert late.scores(tokens, np.arange(2)).tolist() == [0.0, 0.0]


def test_the_int8_copy_is_made_only_when_the_whole_table_is_scored(corpus) -> None:
    # A large corpus scores a short list in float32: no int8 copy of its table in memory.
    late = corpus.late()
    late.scores(unit_rows(np.random.default_rng(6), 3), np.array([2]))
    assert late._made is None
    late.scores(unit_rows(np.random.default_rng(6), 3), np.arange(len(corpus.bounds) - 1))
    assert late._made is not None


def test_without_the_int8_product_the_whole_table_is_scored_in_float32(corpus, monkeypatch) -> None:
    import retrieval.late

    monkeypatch.setattr(retrieval.late, "int8_product", lambda table: None)
    late = corpus.late()
    tokens = unit_rows(np.random.default_rng(8), 5)
    every = np.arange(len(corpus.bounds) - 1)
    assert np.allclose(late.scores(tokens, every), maxsim(corpus, tokens), atol=1e-5)
    assert not late.quantized
