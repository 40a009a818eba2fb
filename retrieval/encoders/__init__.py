"""Text encoders: base (the protocol and shared helpers) <- backends <- factory.

    base.py           Encoder, normalized_rows, WordPieceCounter, resolve_model, MAX_TOKENS
    torch_encoder.py  TorchEncoder: sentence-transformers on torch (bfloat16 where it pays)
    onnx_encoder.py   OnnxEncoder: the same vectors through onnxruntime (questions, small builds)
    onnx_export.py    export_onnx: writes what OnnxEncoder reads (needs torch)
    hash_encoder.py   HashEncoder: a deterministic fake, for tests
    factory.py        which backend: for questions, for a build; the ONNX export beside the index

Importing this package loads none of torch or onnxruntime: they load on first use.
"""

from retrieval.encoders.base import MAX_TOKENS, Encoder, normalized_rows
from retrieval.encoders.factory import (
    build_encoder,
    ensure_query_encoder,
    load_encoder,
    load_query_encoder,
    model_cache_dir,
)
from retrieval.encoders.hash_encoder import HASH_MODEL, HashEncoder

__all__ = [
    "HASH_MODEL",
    "MAX_TOKENS",
    "Encoder",
    "build_encoder",
    "HashEncoder",
    "ensure_query_encoder",
    "load_encoder",
    "load_query_encoder",
    "model_cache_dir",
    "normalized_rows",
]
