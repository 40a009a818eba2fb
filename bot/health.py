"""Is the bot healthy? Its settings, its index readable, a token set, Telegram reached lately.

`election-bot health` runs the checks from outside the serving process, which records every
successful request to Telegram in a small heartbeat file for it (`Heartbeat`); in webhook mode
the bot also answers `GET /healthz` itself (bot/app.py). No telegram import: `health` stays fast.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.config import Settings, token_problem
from retrieval.atomic import new_file

log = logging.getLogger(__name__)

HEARTBEAT_FILE = "heartbeat.json"
# A webhook bot gets no request from Telegram when nobody writes, so it asks Telegram itself
# this often (getWebhookInfo); long polling asks at least every 10 s (the poll timeout).
PING_SECONDS = 60.0
# Three pings missed in a row is not a slow network any more.
MAX_SILENCE_SECONDS = 3 * PING_SECONDS
# A busy bot makes many requests a second: the file is rewritten at most this often.
WRITE_EVERY_SECONDS = 5.0


@dataclass(frozen=True)
class Check:
    """One line of the health report."""

    name: str
    ok: bool
    detail: str


def heartbeat_path(settings: Settings) -> Path:
    return Path(settings.data_dir) / HEARTBEAT_FILE


class Heartbeat:
    """When the bot last heard from Telegram: kept in memory, and in DATA_DIR for `health`."""

    def __init__(self, path: Path, mode: str) -> None:
        self.path, self.mode = path, mode
        self.last: float | None = None  # time.time() of the last successful request
        self._written = -math.inf  # time.monotonic() of the last write
        self._warned = False

    def beat(self) -> None:
        """A request to Telegram succeeded."""
        self.last = time.time()
        now = time.monotonic()
        if now - self._written < WRITE_EVERY_SECONDS:
            return
        self._written = now
        record = {"at": self.last, "pid": os.getpid(), "mode": self.mode}
        try:
            with new_file(self.path) as f:  # `health` reads the old record or the new, whole
                f.write(json.dumps(record).encode())
        except OSError as e:  # health will say the contact is old; the bot keeps serving
            if not self._warned:
                log.warning("cannot write the heartbeat %s: %s", self.path, e.strerror or e)
                self._warned = True


def contact_check(last: float | None, now: float, mode: str = "") -> Check:
    """Whether Telegram was reached lately, from the time of the last successful request."""
    if last is None:
        return Check("telegram", False, "no contact with Telegram recorded: is the bot serving?")
    age = max(0.0, now - last)
    how = f" ({mode})" if mode else ""
    if age > MAX_SILENCE_SECONDS:
        limit = f"over {MAX_SILENCE_SECONDS:.0f} s"
        return Check("telegram", False, f"last contact {age:.0f} s ago{how}, {limit}")
    return Check("telegram", True, f"last contact {age:.0f} s ago{how}")


def _read_heartbeat(path: Path) -> tuple[float | None, str]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        return float(record["at"]), str(record.get("mode", ""))
    except FileNotFoundError:
        return None, ""
    except (OSError, ValueError, TypeError, KeyError):  # unreadable: as good as none
        return None, ""


def check_settings(settings: Settings) -> Check:
    return Check("settings", True, settings.describe_source())


def check_index(settings: Settings) -> Check:
    """The current build's manifest loads and every file it lists is whole (no model loaded)."""
    from retrieval.build import staleness
    from retrieval.errors import RetrievalError
    from retrieval.store import current_build, read_manifest, verify_files

    try:
        build = current_build(Path(settings.index_dir))
        manifest = read_manifest(build)
        verify_files(build, manifest)
    except RetrievalError as e:
        return Check("index", False, str(e))
    detail = (
        f"{manifest.get('passages')} passages of {manifest.get('articles')} articles, "
        f"built {manifest.get('built_at')}, in {settings.index_dir}"
    )
    stale = staleness(settings, manifest)
    if stale:
        detail += f" (stale: {stale}; rebuilt when the bot starts)"
    return Check("index", True, detail)


def check_token(settings: Settings) -> Check:
    problem = token_problem(settings)
    return Check("token", problem is None, problem or "set")


def run_checks(settings: Settings, now: float | None = None) -> list[Check]:
    """Every check `election-bot health` reports, in order."""
    checks = [check_settings(settings), check_index(settings), check_token(settings)]
    if checks[-1].ok:
        last, mode = _read_heartbeat(heartbeat_path(settings))
        checks.append(contact_check(last, time.time() if now is None else now, mode))
    else:
        checks.append(Check("telegram", True, "not checked: no usable token"))
    return checks


def report(checks: list[Check]) -> dict:
    """The checks as JSON: `{"healthy": bool, "checks": [{"name", "ok", "detail"}]}`."""
    return {"healthy": all(c.ok for c in checks), "checks": [asdict(c) for c in checks]}


def format_checks(checks: list[Check]) -> str:
    """One line per check, `ok` or `FAIL` first, then the verdict."""
    lines = [f"{'ok' if c.ok else 'FAIL':<5} {c.name:<9} {c.detail}" for c in checks]
    lines.append("healthy" if all(c.ok for c in checks) else "unhealthy")
    return "\n".join(lines)
