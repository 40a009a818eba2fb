"""Which encoder to use: the one place that knows every backend.

Questions are encoded with ONNX Runtime when the model's export is cached beside the index and
sound (fast start, no torch per question), else with torch. A build embeds with the backend
that finishes its job first (`build_encoder`): ONNX Runtime for a few new passages, since it
starts without importing torch; torch for many, in bfloat16 where the CPU does it natively.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from pathlib import Path

from retrieval.config import RetrievalSettings
from retrieval.encoders.base import Encoder
from retrieval.encoders.hash_encoder import HASH_MODEL, HashEncoder
from retrieval.encoders.onnx_encoder import (
    CHECKED_FILES,
    OnnxEncoder,
    check_file,
    onnx_available,
)
from retrieval.encoders.torch_encoder import TorchEncoder, fast_bf16
from retrieval.errors import ModelError

log = logging.getLogger(__name__)

# What a build's embedding costs, by backend: seconds for a fresh process to import and load it
# and embed once, and characters of passages (with token vectors) and sentences embedded a
# second on both cores. `python -m benchmarks.build_speed` on the 2-core Xeon (Sapphire Rapids),
# load ~1.8, best of 3 at batch 32: torch 6.2 s to start, ONNX Runtime 0.8 s; 32k chars/s in
# float32, 85k in bfloat16 (122 passages/s), ONNX Runtime 26k. So a job of under ~200k new
# characters (~250 passages with their sentences) goes to ONNX Runtime, more to torch.
START_SECONDS = {"torch": 6.2, "onnx": 0.8}
CHARS_PER_SECOND = {"torch": 32_000, "torch bf16": 85_000, "onnx": 26_000}


def load_encoder(model: str, backend: str = "torch", cache_dir: Path | None = None) -> Encoder:
    """The encoder for EMBEDDING_MODEL; `backend` is 'torch', 'onnx' or 'auto'."""
    if model == HASH_MODEL:
        return HashEncoder()
    if cache_dir is not None and (
        backend == "onnx" or (backend == "auto" and onnx_available(cache_dir, model))
    ):
        return OnnxEncoder.from_cache(cache_dir, model)
    return TorchEncoder(model)


def model_cache_dir(index_dir: Path, model: str) -> Path:
    """Where the ONNX export of `model` is cached, shared by every build of the index."""
    slug = hashlib.sha256(model.encode()).hexdigest()[:12]
    return Path(index_dir) / "models" / slug


def load_query_encoder(settings: RetrievalSettings, model: str) -> Encoder:
    """The encoder for questions: ONNX when its export is cached (fast start), else torch.

    An export that fails its checks or cannot be loaded is a warning, not a failure: questions
    are encoded with torch until `election-bot index` exports the model again.
    """
    cache = model_cache_dir(Path(settings.index_dir), model)
    try:
        return load_encoder(model, settings.encoder_backend, cache)
    except ModelError as e:
        log.warning("%s; encoding questions with torch until `election-bot index` repairs it", e)
        return load_encoder(model, "torch")


def build_encoder(settings: RetrievalSettings, chars: int) -> Encoder:
    """The encoder that embeds `chars` characters of new text soonest, its start included.

    Torch pays seconds to start (importing sentence-transformers) and then, where the CPU does
    bfloat16 natively, embeds ~2.5x faster than ONNX Runtime: it wins big builds, and ONNX
    Runtime (when the model is exported, and ENCODER_BACKEND allows it) wins a few new
    passages. Elsewhere they embed alike and ONNX Runtime always wins.
    """
    model = settings.embedding_model
    if model == HASH_MODEL:
        return HashEncoder()
    bf16 = fast_bf16()
    torch_rate = CHARS_PER_SECOND["torch bf16" if bf16 else "torch"]
    torch_seconds = START_SECONDS["torch"] + chars / torch_rate
    onnx_seconds = START_SECONDS["onnx"] + chars / CHARS_PER_SECOND["onnx"]
    cache = model_cache_dir(Path(settings.index_dir), model)
    if (
        onnx_seconds < torch_seconds
        and settings.encoder_backend != "torch"
        and onnx_available(cache, model)
    ):
        try:
            return OnnxEncoder(cache, model, threads=os.cpu_count())
        except ModelError as e:
            log.warning("%s; embedding with torch", e)
    return TorchEncoder(model, bf16=bf16)


def export_is_sound(cache: Path, model: str) -> bool:
    """Whether `cache` holds a complete export of `model` whose files pass their checksums."""
    if not onnx_available(cache, model):
        return False
    try:
        for name in CHECKED_FILES:
            check_file(cache, name)
    except ModelError as e:
        log.warning("%s: exporting it again", e)
        return False
    return True


def ensure_query_encoder(settings: RetrievalSettings, progress: bool = True) -> None:
    """Export the model to ONNX for fast question encoding, when it is missing or damaged;
    torch stays the fallback."""
    if settings.encoder_backend == "torch" or settings.embedding_model == HASH_MODEL:
        return
    cache = model_cache_dir(Path(settings.index_dir), settings.embedding_model)
    if export_is_sound(cache, settings.embedding_model):
        return
    if progress:
        print("Exporting the question encoder to ONNX (once) ...", file=sys.stderr)
    from retrieval.encoders.onnx_export import export_onnx  # needs torch: only when exporting

    try:
        export_onnx(settings.embedding_model, cache)
    except ModelError as e:
        log.warning("%s; questions will be encoded with torch", e)
