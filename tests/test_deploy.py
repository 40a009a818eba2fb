"""deploy/election-bot.service: a unit systemd accepts, with the hardening it promises."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "deploy" / "election-bot.service"
ANALYZE = shutil.which("systemd-analyze")


def directives(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key, value in re.findall(r"^([A-Za-z]+)=(.*)$", text, re.M):
        found.setdefault(key, []).append(value.strip())
    return found


def verify(text: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`systemd-analyze verify` of `text`, its ExecStart binary swapped for one that exists
    here (verify refuses a unit whose program is missing)."""
    (exec_start,) = directives(text)["ExecStart"]
    binary = exec_start.split()[0]
    copy = tmp_path / UNIT.name
    copy.write_text(text.replace(binary, sys.executable))
    assert ANALYZE is not None
    return subprocess.run([ANALYZE, "verify", str(copy)], capture_output=True, text=True,
                          timeout=60)  # fmt: skip


@pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed on this machine")
def test_systemd_verifies_the_unit_without_a_warning(tmp_path: Path) -> None:
    out = verify(UNIT.read_text(), tmp_path)
    assert out.returncode == 0 and out.stderr == "", out.stderr


@pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed on this machine")
@pytest.mark.parametrize(
    ("good", "bad"),
    [("RestartSec=5", "RestartSec=five"), ("ProtectSystem=strict", "ProtectSystm=strict")],
)
def test_the_verification_would_catch_a_mistake(tmp_path: Path, good: str, bad: str) -> None:
    out = verify(UNIT.read_text().replace(good, bad), tmp_path)
    assert out.stderr != ""


def test_the_unit_runs_serve_as_its_own_user_hardened_with_one_writable_directory() -> None:
    unit = directives(UNIT.read_text())
    (exec_start,) = unit["ExecStart"]
    assert exec_start.endswith("/election-bot serve")
    assert unit["User"] not in (["root"], []) and unit["Restart"] == ["on-failure"]
    (env_file,) = unit["EnvironmentFile"]
    assert f"ELECTION_BOT_ENV_FILE={env_file}" in unit["Environment"]
    for key, value in {
        "NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes",
        "ProtectHome": "yes", "PrivateDevices": "yes", "CapabilityBoundingSet": "",
    }.items():  # fmt: skip
        assert unit[key] == [value], key
    (data_dir,) = unit["ReadWritePaths"]
    assert f"DATA_DIR={data_dir}" in unit["Environment"]
    assert data_dir == f"/var/lib/{unit['StateDirectory'][0]}"
