"""Late interaction: for each passage, the mean over the question's tokens of the best cosine
with any of the passage's tokens (ColBERT's MaxSim on the model's own token outputs).

A passage's tokens are its sentences' (each sentence embedded alone, as for its sentence
vector), and each distinct sentence is stored once: overlapping passages share most of their
sentences, so today's 124 passages have 5,700 token rows instead of the 20,000 of each
passage embedded whole, and ranked as well (docs/retrieval.md).

It is the one signal whose cost grows with the corpus: every question token against every
token row. In float32 that product is bound by memory. So the table is also kept in int8,
each row with its own scale (row / scale rounded, scale = the row's largest magnitude / 127),
and multiplied by ONNX Runtime's `DynamicQuantizeMatMul`, whose MLAS kernels use the CPU's
int8 instructions: each cosine within 0.003 of float32's, and the same ranks and refusals on
every question set (docs/performance.md). The int8 copy is made for the first question that
scores the whole table. A short list of passages (a large corpus) is scored in float32,
sentence by sentence; where ONNX Runtime cannot build the int8 product, the whole table is
too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


def quantized_rows(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row of `table` as int8 and its scale: row ≈ int8 row * scale."""
    table = np.asarray(table, dtype=np.float32)
    if not len(table):
        return np.zeros(table.shape, dtype=np.int8), np.zeros(0, dtype=np.float32)
    scale = np.abs(table).max(axis=1) / np.float32(127)
    scale[scale == 0] = 1  # an all-zero row stays zero
    rows = np.empty(table.shape, dtype=np.int8)  # rounded straight into int8
    np.rint(table / scale[:, None], out=rows, casting="unsafe")
    return rows, scale


def int8_product(table: np.ndarray) -> Any:
    """An ONNX Runtime session computing `question_tokens @ table.T` with `table` in int8,
    or None when this ONNX Runtime (or the `onnx` package that writes the graph) can't."""
    try:
        import onnxruntime as ort
        from onnx import TensorProto, helper, numpy_helper
    except ImportError as e:  # pragma: no cover - both are dependencies
        log.warning("late interaction in float32: %s", e)
        return None
    rows, scale = quantized_rows(table)
    dim = table.shape[1]
    graph = helper.make_graph(
        [helper.make_node("DynamicQuantizeMatMul", ["A", "B", "scale"], ["Y"], domain=_MS)],
        "late_interaction",
        [helper.make_tensor_value_info("A", TensorProto.FLOAT, ["tokens", dim])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["tokens", len(table)])],
        initializer=[
            numpy_helper.from_array(np.ascontiguousarray(rows.T), "B"),
            numpy_helper.from_array(scale, "scale"),
        ],
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(_MS, 1)]
    )
    options = ort.SessionOptions()
    # One thread: searches run side by side in the bot, and one thread already takes 0.4 ms.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    try:
        # (A table over 2 GB can't be one protobuf: ValueError; float32 is still right.)
        data = model.SerializeToString()
        return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    except Exception as e:  # an ONNX Runtime without the contrib op, or the above
        log.warning("late interaction in float32: ONNX Runtime can't run it in int8 (%s)", e)
        return None


_MS = "com.microsoft"


def distinct_sentences(sentences_of: Sequence[Sequence[str]]) -> tuple[list[str], np.ndarray]:
    """The distinct sentences of passages (each passage's sentences in order), in order of
    first appearance, and for every passage's sentence in turn, its number among them.
    Overlapping passages share sentences: each is embedded, stored and scored once."""
    numbers: dict[str, int] = {}
    ids = [numbers.setdefault(s, len(numbers)) for sentences in sentences_of for s in sentences]
    return list(numbers), np.array(ids, dtype=np.int64)


class TokenTable:
    """Every distinct sentence's token vectors, and which sentences each passage holds.

    Sentence s owns rows `offsets[s]:offsets[s+1]` of `table` (unit vectors, float32);
    passage p holds sentences `sentences[bounds[p]:bounds[p+1]]`. A passage's token vectors
    are its sentences': each sentence embedded alone, as its sentence vector is. Passages
    overlap (today each sentence is in about four), so this table is a quarter of one made of
    each passage's own tokens, and so is the product a question takes (docs/performance.md).
    """

    def __init__(
        self,
        table: np.ndarray,
        offsets: np.ndarray,
        sentences: np.ndarray,
        bounds: np.ndarray,
        *,
        int8: bool = True,
    ) -> None:
        self.table = table
        self.offsets = offsets
        self.passages = len(bounds) - 1
        owned = offsets[1:] > offsets[:-1]  # a sentence without tokens matches nothing
        # reduceat over the rows: each sentence with rows runs to the next one's start.
        self._starts = offsets[:-1][owned]
        # Each passage's sentences that have rows, numbered among those, grouped by passage.
        number = np.cumsum(owned) - 1
        keep = owned[sentences] if len(sentences) else np.zeros(0, dtype=bool)
        passage_of = np.repeat(np.arange(self.passages), np.diff(bounds))
        self._held = number[sentences[keep]]
        counts = np.bincount(passage_of[keep], minlength=self.passages)
        self._owned = counts > 0  # a passage without any matches nothing
        self._all_owned = bool(self._owned.all())
        self._held_starts = (np.cumsum(counts) - counts)[self._owned]
        self._sentences, self._bounds = sentences, bounds
        self._want_int8 = int8 and len(table) > 0
        self._made: Any = None  # the int8 product, made for the first question that needs it
        self._lock = threading.Lock()

    @property
    def quantized(self) -> bool:
        """Whether the whole-table product runs in int8."""
        return self._int8() is not None

    def _int8(self) -> Any:
        """The int8 product (None when unavailable). Made on first need, not at load: a large
        corpus scores a short list of passages in float32 and never needs it."""
        if self._want_int8 and self._made is None:
            with self._lock:
                if self._want_int8 and self._made is None:
                    self._made = int8_product(self.table)
                    self._want_int8 = self._made is not None
        return self._made

    def scores(self, tokens: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Late interaction of the question's token vectors (one row each) with passages
        `ids`, in that order: per passage, the mean over the question's tokens of the best
        cosine with any token of its sentences."""
        if 2 * len(ids) >= self.passages:
            return self.every(tokens)[ids]
        # A short list: sentence by sentence, each once, on views of the table (copying the
        # rows out first costs more than the products).
        question = np.ascontiguousarray(tokens.T, dtype=np.float32)
        best: dict[int, np.ndarray] = {}  # each sentence's best cosine per question token
        out = np.zeros(len(ids), dtype=np.float32)
        for j, i in enumerate(ids):
            found = []
            for s in map(int, self._sentences[self._bounds[i] : self._bounds[i + 1]]):
                rows = self.table[self.offsets[s] : self.offsets[s + 1]]
                if not len(rows):
                    continue  # no tokens, no match
                if s not in best:
                    best[s] = (rows @ question).max(axis=0)
                found.append(best[s])
            if found:
                out[j] = np.max(found, axis=0).mean()
        return out

    def every(self, tokens: np.ndarray) -> np.ndarray:
        """Late interaction with every passage, in order: one product with the whole table,
        each sentence's maximum, then each passage's (the maximum of its sentences')."""
        if not len(self.table) or not len(self._held_starts):
            return np.zeros(self.passages, dtype=np.float32)
        product = self._int8()
        if product is not None:
            question = np.ascontiguousarray(tokens, dtype=np.float32)
            sims = product.run(None, {"A": question})[0]  # question tokens x table rows
        else:
            sims = (self.table @ np.ascontiguousarray(tokens.T, dtype=np.float32)).T
        by_sentence = np.maximum.reduceat(sims, self._starts, axis=1)
        by_passage = np.maximum.reduceat(by_sentence[:, self._held], self._held_starts, axis=1)
        mean = np.add.reduce(by_passage, axis=0) / len(by_passage)
        if self._all_owned:
            return mean.astype(np.float32, copy=False)
        out = np.zeros(self.passages, dtype=np.float32)
        out[self._owned] = mean
        return out
