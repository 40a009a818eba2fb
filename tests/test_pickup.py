"""A serving bot picks up a new index by itself, and never a build that failed."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.answer import NO_ANSWER
from bot.app import WATCHER, build_application
from bot.handlers import DEPS, Deps
from bot.pickup import IndexWatcher
from retrieval import Retriever
from retrieval.encoders import HashEncoder
from retrieval.errors import IndexCorrupt
from retrieval.ingest import add_page
from tests.botapi_stub import BotApiStub, FakeRetriever, bot_settings, polling, visible
from tests.conftest import ROOT

PAGES = ROOT / "tests" / "data" / "pages"


def _point(link: Path, build: str) -> None:
    (link.parent / "builds" / build).mkdir(parents=True, exist_ok=True)
    tmp = link.with_name("current.tmp")
    tmp.symlink_to(f"builds/{build}")
    os.replace(tmp, link)


@pytest.fixture
def watched(tmp_path: Path) -> tuple[IndexWatcher, list[FakeRetriever | Exception]]:
    """A watcher over a `current` link in tmp_path, loading what the list says next."""
    link = tmp_path / "current"
    _point(link, "one")
    state = Deps(bot_settings("http://127.0.0.1:9/bot"), FakeRetriever())
    queue: list[FakeRetriever | Exception] = []

    def load() -> FakeRetriever:
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return IndexWatcher(state, link, 0.05, load), queue


async def test_a_new_build_is_swapped_in_and_the_same_one_never_reloaded(watched) -> None:
    watcher, queue = watched
    old = watcher.state.retriever
    assert not await watcher.check()  # nothing new: nothing loaded
    fresh = FakeRetriever()
    queue.append(fresh)
    _point(watcher.link, "two")
    assert await watcher.check()
    assert watcher.state.retriever is fresh and watcher.state.batcher.retriever is fresh
    assert not await watcher.check() and not queue and old is not fresh


async def test_a_build_already_swapped_in_by_reload_is_not_loaded_again(watched) -> None:
    """/reload loads the new build itself; the watcher, seeing `current` moved, must not load
    the same build a second time (a second index and model in memory while it loads)."""
    watcher, queue = watched
    reloaded = FakeRetriever()
    reloaded.build_id = "two"
    watcher.state.use(reloaded)  # what /reload does
    _point(watcher.link, "two")
    queue.append(FakeRetriever())
    assert not await watcher.check()
    assert watcher.state.retriever is reloaded and len(queue) == 1  # nothing loaded
    assert watcher.serving == "builds/two"


async def test_the_retriever_names_the_build_it_serves(tmp_path: Path) -> None:
    from tests.conftest import hash_settings

    settings = hash_settings(tmp_path / "index")
    retriever = Retriever.load(settings, encoder=HashEncoder(), progress=False)
    assert os.readlink(tmp_path / "index" / "current") == f"builds/{retriever.build_id}"


async def test_a_build_that_fails_to_load_is_logged_once_and_the_old_one_serves(
    watched, caplog: pytest.LogCaptureFixture
) -> None:
    watcher, queue = watched
    old = watcher.state.retriever
    queue.append(IndexCorrupt("index file vectors.faiss is missing or truncated"))
    _point(watcher.link, "broken")
    with caplog.at_level(logging.WARNING, logger="bot.pickup"):
        for _ in range(5):
            assert not await watcher.check()
    assert watcher.state.retriever is old
    assert caplog.text.count("failed to load") == 1 and "vectors.faiss" in caplog.text
    fresh = FakeRetriever()
    queue.append(fresh)
    _point(watcher.link, "three")  # the next good build is picked up
    assert await watcher.check() and watcher.state.retriever is fresh


async def test_the_watcher_runs_in_the_background_until_stopped(watched) -> None:
    watcher, queue = watched
    fresh = FakeRetriever()
    queue.append(fresh)
    watcher.start()
    _point(watcher.link, "two")
    for _ in range(100):
        if watcher.swaps:
            break
        await asyncio.sleep(0.02)
    await watcher.stop()
    assert watcher.state.retriever is fresh and watcher._task is None


# --- end to end: the real bot, a real index, `election-bot index` run while it serves -------

QUESTION = "What is carousel voting?"


def _index(settings) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    env.update(PYTHONPATH=str(ROOT), EMBEDDING_MODEL="hash", INDEX_DIR=str(settings.index_dir),
               CORPUS_DIR=str(settings.corpus_dir), HF_HUB_OFFLINE="1")  # fmt: skip
    command = [sys.executable, "-m", "bot.cli", "index", "-q"]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120,
                          cwd=settings.index_dir.parent)  # fmt: skip


async def _ask(stub: BotApiStub, chat: dict, user: dict, question: str) -> str:
    mark = stub.mark()
    stub.send_text(chat, user, question)
    (reply,) = await stub.wait_for("sendMessage", since=mark, timeout=30)
    return visible(reply)


@pytest.mark.e2e
@pytest.mark.slow
async def test_a_serving_bot_answers_from_an_article_added_and_indexed_after_it_started(
    stub: BotApiStub, tmp_path: Path, corpus_copy: Path
) -> None:
    settings = bot_settings(stub.base_url, embedding_model="hash", index_dir=tmp_path / "index",
                            corpus_dir=corpus_copy, index_poll_seconds=0.2)  # fmt: skip
    assert _index(settings).returncode == 0
    retriever = Retriever.load(settings, encoder=HashEncoder(), progress=False)
    application = build_application(settings, retriever, watch_index=True)
    user = stub.user()
    chat = stub.private_chat(user)
    async with polling(application):
        before = await _ask(stub, chat, user, QUESTION)
        assert "Steppe Herald" not in before and "carousel" not in before.lower()

        # A build that fails (a broken corpus file) never becomes `current`: nothing changes.
        broken = corpus_copy / "zz-broken.md"
        broken.write_text("---\ntitle: [unclosed\n---\nBody.\n", encoding="utf-8")
        assert _index(settings).returncode != 0
        broken.unlink()
        await asyncio.sleep(0.6)
        assert application.bot_data[WATCHER].swaps == 0
        assert application.bot_data[DEPS].retriever is retriever

        added = add_page(str(PAGES / "steppe-herald-observers.html"), corpus_copy)
        indexed = _index(settings)
        assert indexed.returncode == 0, indexed.stderr
        assert "Embedded 2 passages" in indexed.stdout
        started = time.monotonic()
        while application.bot_data[WATCHER].swaps == 0 and time.monotonic() - started < 10:
            await asyncio.sleep(0.05)
        assert application.bot_data[WATCHER].swaps == 1
        after = await _ask(stub, chat, user, QUESTION)
    assert "carousel voting" in after.lower() and added.article.source.outlet in after
    assert not after.startswith(NO_ANSWER)
