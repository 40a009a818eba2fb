"""ONNX Runtime encoder: the sentence-transformers model's vectors without torch per question.

It reads an export made by `retrieval.encoders.onnx_export` (which needs torch): `model.onnx`
(the transformer), the model's `tokenizer.json` and `encoder.json` (pooling, normalisation,
sequence length, and each file's size and CRC-32). Encoding then needs only onnxruntime,
tokenizers and numpy. Each file is checked against encoder.json as it is loaded: a damaged
export is a ModelError, never an encoder giving other vectors.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from retrieval.encoders.base import WordPieceCounter, normalized_rows
from retrieval.errors import ModelError

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "encoder.json"
FORMAT = 2  # bump when the cache layout changes, so old caches are re-exported; 2: checksums
CHECKED_FILES = (MODEL_FILE, TOKENIZER_FILE)


def file_entry(data: bytes) -> dict[str, int]:
    """What encoder.json records of a file: its size and CRC-32.

    CRC-32, not SHA-256 like the index: it is checked on every start, and costs half as much
    (~45 ms for the 90 MB model here); it catches truncation and damage, not tampering.
    """
    return {"size": len(data), "crc32": zlib.crc32(data)}


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def onnx_available(cache_dir: Path, model: str | None = None) -> bool:
    """True if `cache_dir` holds a complete export (of `model`, when given) in this format."""
    cache_dir = Path(cache_dir)
    if not all((cache_dir / f).is_file() for f in (MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE)):
        return False
    try:
        config = read_json(cache_dir / CONFIG_FILE)
    except (OSError, ValueError):
        return False
    if config.get("format") != FORMAT:
        return False
    return model is None or model in (config.get("model"), config.get("source"))


def _entry_of(path: Path) -> dict[str, int]:
    """`file_entry` of a file, read in pieces: the 90 MB model is never in memory twice."""
    crc, size = 0, 0
    with path.open("rb") as f:
        while piece := f.read(1 << 20):
            crc, size = zlib.crc32(piece, crc), size + len(piece)
    return {"size": size, "crc32": crc}


def check_file(cache_dir: Path, name: str) -> Path:
    """The path of an export's file, if it is what encoder.json recorded; else ModelError."""
    path = Path(cache_dir) / name
    try:
        expected = read_json(Path(cache_dir) / CONFIG_FILE)["files"][name]
        actual = _entry_of(path)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ModelError(f"the ONNX export in {cache_dir} is incomplete ({name}: {e})") from e
    if actual != expected:
        raise ModelError(f"the ONNX export in {cache_dir} is damaged ({name} fails its checksum)")
    return path


def _session_options(threads: int) -> Any:  # onnxruntime.SessionOptions, imported lazily
    import onnxruntime as ort

    opts = ort.SessionOptions()
    # Full graph fusion (attention, GELU, LayerNorm) is what makes ORT beat torch on CPU.
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1  # a BERT graph is one chain; parallel branches don't exist
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # Idle worker threads sleep instead of spinning: a spinning pool holds both cores for a while
    # after each question, which slows the bot's own event loop (and anything else on the box)
    # more than it speeds the next encode. Measured in benchmarks: concurrent chats, README.
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return opts


class OnnxEncoder:
    """Mean-pooled, L2-normalised sentence vectors from an ONNX export, via onnxruntime."""

    supports_tokens: ClassVar[bool] = True

    def __init__(self, cache_dir: Path, name: str, threads: int | None = None) -> None:
        cache_dir = Path(cache_dir)
        if not onnx_available(cache_dir):
            raise ModelError(
                f"no usable ONNX export in {cache_dir}; build it with export_onnx() "
                "or use the torch encoder backend"
            )
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as e:
            raise ModelError(f"the ONNX encoder needs onnxruntime and tokenizers: {e}") from e
        config = read_json(cache_dir / CONFIG_FILE)
        self.name = name
        self.dim = int(config["dim"])
        self.max_tokens = int(config["max_seq_length"])
        self._normalize = bool(config.get("normalize", True))
        self._lower = bool(config.get("do_lower_case", False))
        tokenizer = check_file(cache_dir, TOKENIZER_FILE).read_text("utf-8", "replace")
        # Checked, then loaded by ORT from the file: its bytes given to ORT stayed in memory
        # (+120 MB resident for the life of the process, measured).
        model = str(check_file(cache_dir, MODEL_FILE))
        try:
            self._tok = Tokenizer.from_str(tokenizer)
            self._counter = WordPieceCounter.from_str(tokenizer)
            self._tok.enable_truncation(max_length=self.max_tokens)
            pad_id = self._tok.token_to_id("[PAD]")
            self._tok.enable_padding(pad_id=pad_id or 0, pad_token="[PAD]")
            self._session = ort.InferenceSession(
                model,
                sess_options=_session_options(threads or _default_threads()),
                providers=["CPUExecutionProvider"],
            )
        except Exception as e:  # onnxruntime raises its own exception types
            raise ModelError(f"cannot load the ONNX encoder from {cache_dir}: {e}") from e
        self._inputs = [i.name for i in self._session.get_inputs()]

    def __repr__(self) -> str:
        return f"OnnxEncoder({self.name!r})"

    @classmethod
    def from_cache(cls, cache_dir: Path, model_name: str) -> OnnxEncoder:
        """The encoder for `model_name` from an export in `cache_dir`."""
        if not onnx_available(cache_dir, model_name) and onnx_available(cache_dir):
            raise ModelError(
                f"the ONNX export in {cache_dir} is of another model than {model_name!r}; "
                "export it again"
            )
        return cls(cache_dir, model_name)

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        return self.encode_with_tokens(texts, batch_size, tokens=False)[0]

    def encode_with_tokens(
        self, texts: Sequence[str], batch_size: int = 32, *, tokens: bool = True
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Sentence vectors and, from the same run of the model, each text's token vectors
        (L2-normalised; [CLS], [SEP] and padding left out)."""
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        rows: list[np.ndarray] = []
        for start in range(0, len(texts), batch_size):
            batch = [t.lower() if self._lower else t for t in texts[start : start + batch_size]]
            out[start : start + len(batch)], hidden, lengths = self._encode_batch(batch)
            if tokens:
                rows.extend(
                    normalized_rows(h[1 : n - 1]) for h, n in zip(hidden, lengths, strict=True)
                )
        return out, rows

    def _encode_batch(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pooled vectors, the model's token outputs and each text's length in tokens."""
        encodings = self._tok.encode_batch(texts)
        feeds = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        try:
            (tokens,) = self._session.run(None, {k: feeds[k] for k in self._inputs})
        except Exception as e:  # onnxruntime's own exception types
            raise ModelError(f"ONNX encoder failed: {e}") from e
        mask = feeds["attention_mask"][:, :, None].astype(np.float32)
        pooled = (tokens * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        if self._normalize:
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        lengths = feeds["attention_mask"].sum(axis=1)
        return pooled.astype(np.float32, copy=False), tokens, lengths

    def count_tokens(self, text: str) -> int:
        """Word pieces of `text` including [CLS] and [SEP], before truncation."""
        return self._counter(text)


def _default_threads() -> int:
    """Intra-op threads: all cores, up to 2; see benchmarks for single-query latency by count."""
    return max(1, min(2, os.cpu_count() or 1))
