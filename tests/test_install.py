"""A non-editable install works on its own: corpus shipped inside, index in the user's data
directory, settings file in the user's config directory; nothing read from the checkout."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
# What a source distribution of the project holds (pyproject.toml lists the packages).
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "NOTICE", "retrieval", "bot", "corpus")
SEARCH = """
import json, retrieval
from retrieval import Retriever
hits = Retriever.load(progress=False).search("Who won the presidential election?")
print(json.dumps({"module": retrieval.__file__, "hits": [h.to_dict() for h in hits]}))
"""


def test_pyproject_lists_every_package() -> None:
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("retrieval", "bot")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert listed == found | {"retrieval.bundled_corpus"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`pip install --target` of a copy of the sources (the build writes beside them)."""
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(ROOT / name, src / name)
    target = tmp_path_factory.mktemp("target")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "--target", str(target), str(src)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return target


def run_installed(target: Path, tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """Python outside the virtual environment, in an empty directory with an empty HOME: the
    installed package first on the path, then this environment's dependencies (no network)."""
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir(exist_ok=True)
    cwd.mkdir(exist_ok=True)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "PYTHONPATH": f"{target}:{sysconfig.get_paths()['purelib']}",
    }
    return subprocess.run(
        [getattr(sys, "_base_executable", sys.executable), *argv],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


@pytest.mark.model
def test_an_installed_package_answers_from_an_empty_directory(
    installed: Path, tmp_path: Path
) -> None:
    out = run_installed(installed, tmp_path, "-c", SEARCH)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.splitlines()[-1])
    assert Path(result["module"]).is_relative_to(installed)  # not the checkout's copy
    assert result["hits"], "no answer"
    assert result["hits"][0]["source"]["url"].startswith("https://")
    index = tmp_path / "home" / ".local" / "share" / "election-bot" / "index"
    assert (index / "current").is_symlink()  # built where the user may write
    assert (installed / "retrieval" / "bundled_corpus" / "name_variants.yaml").is_file()
    for package in ("retrieval", "bot"):
        assert (installed / package / "py.typed").is_file(), package
    (dist_info,) = installed.glob("election_bot-*.dist-info")
    assert {p.name for p in (dist_info / "licenses").iterdir()} == {"LICENSE", "NOTICE"}

    health = run_installed(installed, tmp_path, "-m", "bot", "health", "--json")
    checks = {c["name"]: c for c in json.loads(health.stdout)["checks"]}
    config = tmp_path / "home" / ".config" / "election-bot" / ".env"
    assert checks["settings"]["detail"] == f"environment and defaults only (no file at {config})"
    assert checks["index"]["ok"] and str(index) in checks["index"]["detail"]
    assert health.returncode == 1 and not checks["token"]["ok"]  # no token: not a service

    (tmp_path / "home" / ".config" / "election-bot").mkdir(parents=True)
    config.write_text("TOP_K=2\n")
    ask = run_installed(installed, tmp_path, "-m", "bot", "ask", "Who won?", "--json")
    assert ask.returncode == 0, ask.stderr[-2000:]
    assert len(json.loads(ask.stdout)) == 2  # the user's settings file was read
