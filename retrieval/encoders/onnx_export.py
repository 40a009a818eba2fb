"""Export the sentence-transformers model to ONNX for `OnnxEncoder`: needs torch, once.

The export is written to a temporary directory and moved into place whole
(`retrieval.atomic.new_directory`), so a reader never sees half an export; encoder.json
records each file's size and checksum, so one damaged later is noticed on load.
"""

from __future__ import annotations

import json
import os
import shutil
import warnings
from pathlib import Path
from typing import Any

from retrieval.atomic import new_directory
from retrieval.encoders.base import MAX_TOKENS, resolve_model
from retrieval.encoders.onnx_encoder import (
    CHECKED_FILES,
    CONFIG_FILE,
    FORMAT,
    MODEL_FILE,
    TOKENIZER_FILE,
    file_entry,
    read_json,
)
from retrieval.errors import ModelError

INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17


def _pooling_config(src: Path) -> dict:
    """Pooling, normalisation and sequence length as sentence-transformers would apply them."""
    modules: list[dict[str, Any]] = read_json(src / "modules.json") or []
    types = [m.get("type", "") for m in modules]
    pooling_dir = next((m["path"] for m in modules if m.get("type", "").endswith("Pooling")), "")
    pooling = read_json(src / pooling_dir / "config.json") if pooling_dir else {}
    if pooling and not pooling.get("pooling_mode_mean_tokens", False):
        # Only mean pooling is implemented below; refuse rather than return different vectors.
        raise ModelError(f"model at {src} does not use mean pooling; ONNX export unsupported")
    st = read_json(src / "sentence_bert_config.json")
    return {
        "pooling": "mean",
        "normalize": any(t.endswith("Normalize") for t in types) or not modules,
        "max_seq_length": int(st.get("max_seq_length", MAX_TOKENS)),
        "do_lower_case": bool(st.get("do_lower_case", False)),
    }


def export_onnx(model: str, cache_dir: Path) -> Path:
    """Export `model`'s transformer to ONNX in `cache_dir` (replaced atomically); returns it."""
    cache_dir = Path(cache_dir)
    src = Path(resolve_model(model))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if not (src / TOKENIZER_FILE).is_file():
        raise ModelError(f"cannot export {model!r} to ONNX: no {TOKENIZER_FILE} in {src}")
    try:
        import torch
        from transformers import AutoConfig, AutoModel
    except ImportError as e:
        raise ModelError(f"exporting to ONNX needs torch and transformers: {e}") from e

    config = _pooling_config(src)
    try:
        with new_directory(cache_dir) as tmp:
            # Eager attention traces into plain MatMul/Softmax; SDPA's tracing is shape-fragile.
            hf = AutoModel.from_pretrained(str(src), attn_implementation="eager").eval()
            config["dim"] = int(AutoConfig.from_pretrained(str(src)).hidden_size)
            _trace(torch, hf, tmp / MODEL_FILE)
            shutil.copyfile(src / TOKENIZER_FILE, tmp / TOKENIZER_FILE)
            config.update({"format": FORMAT, "model": model, "source": str(src)})
            config["files"] = {n: file_entry((tmp / n).read_bytes()) for n in CHECKED_FILES}
            (tmp / CONFIG_FILE).write_text(json.dumps(config, indent=2), encoding="utf-8")
    except ModelError:
        raise
    except Exception as e:  # torch raises many types while tracing and exporting
        raise ModelError(f"cannot export {model!r} to ONNX: {e}") from e
    return cache_dir


def _trace(torch, hf, path: Path) -> None:  # noqa: ANN001 - torch and its module, imported lazily
    """Write the transformer, returning its last hidden state, as ONNX at `path`."""

    class TokenEmbeddings(torch.nn.Module):
        """The transformer returning its last hidden state: pooling is done in numpy."""

        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001
            out = self.inner(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
            )
            return out.last_hidden_state

    dummy = torch.ones(2, 8, dtype=torch.long)
    axes = {name: {0: "batch", 1: "sequence"} for name in (*INPUT_NAMES, "token_embeddings")}
    # The tracer warns about shape-dependent Python branches in transformers; they are
    # constant for this model (no KV cache), and the tests compare outputs at many shapes.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            TokenEmbeddings(hf),
            (dummy, torch.ones_like(dummy), torch.zeros_like(dummy)),
            str(path),
            input_names=list(INPUT_NAMES),
            output_names=["token_embeddings"],
            dynamic_axes=axes,
            opset_version=OPSET,
            # The TorchScript exporter works offline with torch and onnx; the dynamo one needs
            # onnxscript too, which is not a dependency of this project.
            dynamo=False,
        )
