"""Which encoder to use: the one place that knows every backend.

Indexing always embeds with torch (sentence-transformers, the reference); questions are
encoded with ONNX Runtime when the model's export is cached beside the index (fast start, no
torch per question), else with torch.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from pathlib import Path

from retrieval.config import RetrievalSettings
from retrieval.encoders.base import Encoder
from retrieval.encoders.hash_encoder import HASH_MODEL, HashEncoder
from retrieval.encoders.onnx_encoder import OnnxEncoder, onnx_available
from retrieval.encoders.torch_encoder import TorchEncoder
from retrieval.errors import ModelError

log = logging.getLogger(__name__)


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
    """The encoder for questions: ONNX when its export is cached (fast start), else torch."""
    cache = model_cache_dir(Path(settings.index_dir), model)
    return load_encoder(model, settings.encoder_backend, cache)


def ensure_query_encoder(settings: RetrievalSettings, progress: bool = True) -> None:
    """Export the model to ONNX once, for fast question encoding; torch stays the fallback."""
    if settings.encoder_backend == "torch" or settings.embedding_model == HASH_MODEL:
        return
    cache = model_cache_dir(Path(settings.index_dir), settings.embedding_model)
    if onnx_available(cache, settings.embedding_model):
        return
    if progress:
        print("Exporting the question encoder to ONNX (once) ...", file=sys.stderr)
    from retrieval.encoders.onnx_export import export_onnx  # needs torch: only when exporting

    try:
        export_onnx(settings.embedding_model, cache)
    except ModelError as e:
        log.warning("%s; questions will be encoded with torch", e)
