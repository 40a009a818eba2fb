"""A running bot picks up a new index by itself: no restart, no /reload.

A build becomes visible only by INDEX_DIR/current being swapped to it, complete (a failed
build never is: retrieval/store.py). So the bot reads that link every INDEX_POLL_SECONDS
(one readlink, nothing else on disk), and when it points at another build, loads that build
in a worker thread and swaps it in between questions. A build that fails to load is logged
once, and the index already serving keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

from bot.batching import Searcher
from bot.handlers import Deps

logger = logging.getLogger(__name__)


class IndexWatcher:
    """Swaps `state`'s retriever for `load()`'s whenever the `current` link changes."""

    def __init__(
        self, state: Deps, link: Path, interval: float, load: Callable[[], Searcher]
    ) -> None:
        self.state, self.link, self.interval, self.load = state, Path(link), interval, load
        self.serving = self._target()  # the build the bot serves (as the link names it)
        self.failed: str | None = None  # a build that would not load: not tried again
        self.swaps = 0
        self._task: asyncio.Task[None] | None = None

    def _target(self) -> str | None:
        try:
            return os.readlink(self.link)
        except OSError:  # no index yet, or not a link: nothing to pick up
            return None

    async def check(self) -> bool:
        """Load and swap in the build `current` points at, if it is new; whether it did."""
        target = self._target()
        if target is None or target in (self.serving, self.failed):
            return False
        if Path(target).name == self.state.retriever.build_id:
            self.serving = target  # swapped in already (/reload): not loaded a second time
            return False
        try:
            fresh = await asyncio.to_thread(self.load)
        except Exception as exc:  # noqa: BLE001 - any failure means: keep the index we have
            self.failed = target
            logger.warning("The new index %s failed to load; still serving the previous one: %s",
                           target, exc)  # fmt: skip
            return False
        self.state.use(fresh)
        self.serving, self.swaps = target, self.swaps + 1
        logger.info("Picked up the new index %s", target)
        return True

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check()
            except Exception:  # a bug here must not stop the watching, nor the bot
                logger.exception("Checking for a new index failed")

    def start(self) -> None:
        """Check every `interval` seconds from now on (in the running event loop)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
