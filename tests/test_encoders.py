"""Which encoder a build uses, bfloat16 only where the CPU has it, and what it changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import retrieval.encoders.factory as factory
from retrieval.config import RetrievalSettings
from retrieval.encoders import HashEncoder, build_encoder, model_cache_dir
from retrieval.encoders.torch_encoder import TorchEncoder, fast_bf16

SAPPHIRE_RAPIDS = "flags\t\t: fpu sse2 avx2 avx512f avx512bw avx512_bf16 amx_bf16 amx_tile\n"
ICE_LAKE = "flags\t\t: fpu sse2 avx2 avx512f avx512bw avx512_vnni\n"
ZEN3 = "flags\t\t: fpu sse2 avx2 fma\n"
# Characters of new text to embed: a few passages' worth, and a newsroom archive's.
FEW, MANY = 5_000, 5_000_000


@pytest.mark.parametrize(
    ("cpuinfo", "native"), [(SAPPHIRE_RAPIDS, True), (ICE_LAKE, False), (ZEN3, False)]
)
def test_bf16_only_where_the_cpu_does_it_natively(tmp_path: Path, cpuinfo: str, native) -> None:
    path = tmp_path / "cpuinfo"
    path.write_text("processor\t: 0\nmodel name\t: some CPU\n" + cpuinfo)
    assert fast_bf16(path) is native
    assert fast_bf16(tmp_path / "no-such-file") is False  # not Linux: float32


class FakeOnnx:
    """Stands in for OnnxEncoder: the choice is under test, not the export."""

    def __init__(self, cache: Path, model: str, threads: int | None = None) -> None:
        self.cache = cache


@pytest.fixture
def exported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RetrievalSettings:
    """Settings whose ONNX export counts as present."""
    monkeypatch.setattr(factory, "OnnxEncoder", FakeOnnx)
    monkeypatch.setattr(factory, "onnx_available", lambda cache, model: True)
    return RetrievalSettings.from_values(index_dir=tmp_path / "index")


@pytest.mark.parametrize("bf16", [True, False])
def test_a_few_new_passages_go_to_onnx_and_many_to_torch(
    exported: RetrievalSettings, monkeypatch: pytest.MonkeyPatch, bf16: bool
) -> None:
    monkeypatch.setattr(factory, "fast_bf16", lambda: bf16)
    small = build_encoder(exported, FEW)
    assert isinstance(small, FakeOnnx)
    assert small.cache == model_cache_dir(exported.index_dir, "bundled")
    big = build_encoder(exported, MANY)
    assert isinstance(big, TorchEncoder) and big.bf16 is bf16


def test_without_an_export_or_with_encoder_backend_torch_builds_use_torch(
    tmp_path: Path, exported: RetrievalSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    forced = RetrievalSettings.from_values(index_dir=exported.index_dir, encoder_backend="torch")
    assert isinstance(build_encoder(forced, FEW), TorchEncoder)
    monkeypatch.setattr(factory, "onnx_available", lambda cache, model: False)
    assert isinstance(build_encoder(exported, FEW), TorchEncoder)
    fake = RetrievalSettings.from_values(index_dir=tmp_path, embedding_model="hash")
    assert isinstance(build_encoder(fake, FEW), HashEncoder)


def test_a_broken_export_means_torch_with_a_warning(
    exported: RetrievalSettings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from retrieval.errors import ModelError

    def broken(*args, **kwargs):
        raise ModelError("the ONNX export in x is damaged (model.onnx fails its checksum)")

    monkeypatch.setattr(factory, "OnnxEncoder", broken)
    with caplog.at_level("WARNING"):
        assert isinstance(build_encoder(exported, FEW), TorchEncoder)
    assert "model.onnx fails its checksum" in caplog.text


@pytest.mark.model
def test_bf16_vectors_are_float32_vectors_within_rounding() -> None:
    # What lets a bfloat16 build and a float32 one share an index and its reused vectors: the
    # retrieval reports of every question set were identical (the closing note of issue 14/16).
    texts = [
        "Kassym-Jomart Tokayev won the early presidential election with about 70 percent.",
        "Police detained hundreds of protesters in Nur-Sultan and Almaty on election day, "
        "and the internet was cut in several cities while the votes were counted." * 3,
        "Who won?",
    ]
    float32, bf16 = TorchEncoder("bundled"), TorchEncoder("bundled", bf16=True)
    (a, a_tokens), (b, b_tokens) = float32.encode_with_tokens(texts), bf16.encode_with_tokens(texts)
    assert b.dtype == np.float32 and np.allclose(np.linalg.norm(b, axis=1), 1, atol=1e-5)
    assert (a * b).sum(axis=1).min() >= 0.9999
    for x, y in zip(a_tokens, b_tokens, strict=True):
        assert x.shape == y.shape and (x * y).sum(axis=1).min() >= 0.999
    assert (float32.encode(texts) * bf16.encode(texts)).sum(axis=1).min() >= 0.9999
