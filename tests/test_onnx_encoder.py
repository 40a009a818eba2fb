"""The ONNX Runtime encoder gives the torch model's vectors without importing torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from retrieval.encoders.onnx_encoder import OnnxEncoder, onnx_available
from retrieval.encoders.onnx_export import export_onnx
from retrieval.errors import ModelError

pytestmark = pytest.mark.model

SENTENCES = [
    "Who won the 2019 presidential election in Kazakhstan?",
    "Kassym-Jomart Tokayev was inaugurated on June 12.",
    "How many people were detained in Almaty and Nur-Sultan?",
    "Amirzhan Kosanov received about 16 percent of the vote.",
    "Wake up, Kazakhstan!",
    "OSCE observers reported significant irregularities.",
    "Was ist mit der Opposition passiert?",
    "Выборы президента Казахстана 2019 года",
    "?",
    "nazarbayev NAZARBAYEV Nazarbayev",
    "a",
    # Far past 256 word pieces: both backends must truncate the same way.
    " ".join(f"The protest number {i} in Almaty was dispersed by police." for i in range(60)),
]


@pytest.fixture(scope="session")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_onnx("bundled", tmp_path_factory.mktemp("onnx") / "bundled")


@pytest.fixture(scope="session")
def encoder(cache: Path) -> OnnxEncoder:
    return OnnxEncoder.from_cache(cache, "bundled")


def test_export_writes_model_tokenizer_and_config(cache: Path) -> None:
    config = json.loads((cache / "encoder.json").read_text())
    assert onnx_available(cache) and onnx_available(cache, "bundled")
    assert not onnx_available(cache, "some/other-model")
    assert config["pooling"] == "mean" and config["normalize"] is True
    assert config["max_seq_length"] == 256
    assert not list(cache.parent.glob(".*tmp*"))  # the temporary export dir was renamed away


def test_vectors_agree_with_sentence_transformers(encoder: OnnxEncoder) -> None:
    from retrieval.encoders.torch_encoder import TorchEncoder

    assert encoder.count_tokens(SENTENCES[-1]) > 256
    ours = encoder.encode(SENTENCES, batch_size=5)  # batches mix lengths: padding must not leak
    theirs = TorchEncoder("bundled").encode(SENTENCES)
    assert ours.dtype == np.float32 and ours.shape == (len(SENTENCES), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert (ours * theirs).sum(axis=1).min() >= 0.999


def test_batching_does_not_change_vectors(encoder: OnnxEncoder) -> None:
    one_by_one = np.vstack([encoder.encode([s]) for s in SENTENCES[:4]])
    assert np.allclose(one_by_one, encoder.encode(SENTENCES[:4]), atol=1e-5)


def test_count_tokens_includes_cls_and_sep(encoder: OnnxEncoder) -> None:
    assert encoder.count_tokens("") == 2
    assert encoder.count_tokens("election") == 3
    assert (encoder.name, encoder.dim, encoder.max_tokens) == ("bundled", 384, 256)


def test_encoding_does_not_import_torch(cache: Path) -> None:
    code = (
        "import sys; from pathlib import Path\n"
        "from retrieval.encoders.onnx_encoder import OnnxEncoder\n"
        f"e = OnnxEncoder.from_cache(Path({str(cache)!r}), 'bundled')\n"
        "assert e.encode(['Who won?']).shape == (1, 384)\n"
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers')"
        " if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert out.stdout.strip() == "[]"


def test_missing_or_foreign_export_raises_model_error(tmp_path: Path, cache: Path) -> None:
    with pytest.raises(ModelError, match="no usable ONNX export"):
        OnnxEncoder.from_cache(tmp_path, "bundled")
    with pytest.raises(ModelError, match="another model"):
        OnnxEncoder.from_cache(cache, "some/other-model")


# --- a damaged export: noticed on load, torch meanwhile, exported again by `index` -----------


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00garbage\xff" * 100)


def _flip_a_weight(path: Path) -> None:
    # Same size and still a valid model, with other vectors: only a checksum can tell.
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


DAMAGES = [
    ("model.onnx", _truncate),
    ("model.onnx", _garbage),
    ("model.onnx", _flip_a_weight),
    ("tokenizer.json", _garbage),
    ("tokenizer.json", _truncate),
]


@pytest.fixture
def exported(tmp_path: Path, cache: Path):
    """Settings whose INDEX_DIR holds a sound export of the bundled model, to damage."""
    import shutil

    from retrieval.config import RetrievalSettings
    from retrieval.encoders import model_cache_dir

    settings = RetrievalSettings.from_values(index_dir=tmp_path / "index")
    shutil.copytree(cache, model_cache_dir(tmp_path / "index", "bundled"))
    return settings


@pytest.mark.parametrize(("name", "damage"), DAMAGES)
def test_a_damaged_export_falls_back_to_torch_with_a_warning(
    exported, name: str, damage, caplog: pytest.LogCaptureFixture
) -> None:
    from retrieval.encoders import load_query_encoder, model_cache_dir
    from retrieval.encoders.torch_encoder import TorchEncoder

    assert isinstance(load_query_encoder(exported, "bundled"), OnnxEncoder)
    damage(model_cache_dir(exported.index_dir, "bundled") / name)
    with caplog.at_level("WARNING"):
        encoder = load_query_encoder(exported, "bundled")
    assert isinstance(encoder, TorchEncoder)
    assert name in caplog.text and "election-bot index" in caplog.text
    assert encoder.encode(["Who won?"]).shape == (1, 384)


@pytest.mark.parametrize(("name", "damage"), DAMAGES[:1] + DAMAGES[3:4])
def test_ensure_query_encoder_exports_a_damaged_export_again(exported, name: str, damage) -> None:
    from retrieval.encoders import ensure_query_encoder, load_query_encoder, model_cache_dir

    damage(model_cache_dir(exported.index_dir, "bundled") / name)
    ensure_query_encoder(exported, progress=False)
    assert isinstance(load_query_encoder(exported, "bundled"), OnnxEncoder)


def test_the_export_records_its_files_checksums(cache: Path) -> None:
    import zlib

    files = json.loads((cache / "encoder.json").read_text())["files"]
    for name in ("model.onnx", "tokenizer.json"):
        data = (cache / name).read_bytes()
        assert files[name] == {"size": len(data), "crc32": zlib.crc32(data)}
