"""Micro-batching: questions that arrive together are embedded together.

The query encoder costs far less per question in a batch than one at a time, and the CPU is the
bottleneck, so concurrent chats are served by a few `search_many` calls rather than by many
threads fighting over two cores. At most `MAX_IN_FLIGHT` batches run at once: one slow batch
cannot hold up the next, and while both slots are busy new questions gather into bigger batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from retrieval.followup import Followup, Vocabulary, resolve
from retrieval.records import Hit, Refusal, SearchResult, Source

logger = logging.getLogger(__name__)

MAX_IN_FLIGHT = 2  # batches searched at once: this machine's cores


class Searcher(Protocol):
    """What the bot and the terminal chat need of a retriever (retrieval.Retriever is one)."""

    warnings: list[str]  # problems found while loading, for /reload to report
    fingerprint: str  # which index answers: its corpus fingerprint, kept with each answer
    build_id: str  # which build of the index it serves ("" when not from one on disk)

    def search(self, question: str, k: int) -> list[Hit]: ...

    def search_many(self, questions: Sequence[str], k: int) -> list[list[Hit]]: ...

    # With why nothing was found: the bot keeps unanswered questions with their reason.
    def search_with_reason(self, question: str, k: int) -> SearchResult: ...

    def search_many_with_reason(self, questions: Sequence[str], k: int) -> list[SearchResult]: ...

    def sources(self) -> list[Source]: ...

    def followup(self, previous: str, question: str, answer: str = "", topic: str = "") -> Followup:
        """What to search for `question` asked after `previous`, which `answer` answered and
        which completed `topic`, if it did (retrieval.followup)."""
        ...


class OneAtATime:
    """The rest of `Searcher` for a searcher that only has `search` (a test double, say):
    batches are searched one question at a time, there are no sources or warnings,
    nothing found is put down to low relevance, and follow-ups are read without an index's
    names (capitals only)."""

    warnings: list[str] = []  # never mutated: a searcher with warnings sets its own
    fingerprint = ""
    build_id = ""

    def search(self, question: str, k: int) -> list[Hit]:
        raise NotImplementedError

    def search_many(self, questions: Sequence[str], k: int) -> list[list[Hit]]:
        return [self.search(q, k) for q in questions]

    def search_with_reason(self, question: str, k: int) -> SearchResult:
        return _with_reason(self.search(question, k))

    def search_many_with_reason(self, questions: Sequence[str], k: int) -> list[SearchResult]:
        return [_with_reason(hits) for hits in self.search_many(questions, k)]

    def sources(self) -> list[Source]:
        return []

    def followup(self, previous: str, question: str, answer: str = "", topic: str = "") -> Followup:
        return resolve(previous, question, _plain_vocabulary(), answer, topic)


@functools.cache
def _plain_vocabulary() -> Vocabulary:
    return Vocabulary.plain()


def _with_reason(hits: list[Hit]) -> SearchResult:
    best = max((hit.score for hit in hits), default=0.0)
    return SearchResult(hits, None if hits else Refusal.LOW_RELEVANCE, best)


@dataclass
class _Request:
    question: str
    k: int
    future: asyncio.Future[SearchResult]


class MicroBatcher:
    """`search(question, k)` for many coroutines at once, batched into `search_many_with_reason`
    calls (`search_with_reason` gives the reasons too).

    The first question of a batch waits up to `window_ms` for company (or until `max_batch`
    questions are waiting); questions that arrive while a batch is running form the next one.
    `window_ms=0` turns batching off: each question is searched alone in a worker thread.
    """

    def __init__(self, retriever: Searcher, window_ms: float = 5.0, max_batch: int = 32) -> None:
        self.retriever = retriever
        self.window = max(0.0, window_ms) / 1000.0
        self.max_batch = max(1, max_batch)
        self.batches = 0  # batched searches made, for benchmarks and tests
        self._pending: list[_Request] = []
        self._full = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None
        self._running: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        return f"MicroBatcher(window_ms={self.window * 1000:g}, max_batch={self.max_batch})"

    @property
    def enabled(self) -> bool:
        return self.window > 0

    async def search(self, question: str, k: int) -> list[Hit]:
        """The retriever's hits for `question`; its exception, if it raised for this question."""
        return (await self.search_with_reason(question, k)).hits

    async def search_with_reason(self, question: str, k: int) -> SearchResult:
        """`search`, with why nothing was found (the retriever's `search_with_reason`)."""
        if not self.enabled:
            return await asyncio.to_thread(self.retriever.search_with_reason, question, k)
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # first use, or a new event loop (tests): start afresh
            self._loop, self._pending, self._full, self._worker = loop, [], asyncio.Event(), None
            self._slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        request = _Request(question, k, loop.create_future())
        self._pending.append(request)
        if len(self._pending) >= self.max_batch:
            self._full.set()
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._run(), name="micro-batcher")
        return await request.future

    async def _run(self) -> None:
        """Form batches while questions wait; each runs in a worker thread once a slot is free."""
        assert self._slots is not None
        waited = False
        while self._pending:
            if not waited and len(self._pending) < self.max_batch:
                # Only an idle batcher waits: questions that queued up while the slots were busy
                # have already waited long enough.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._full.wait(), self.window)
            await self._slots.acquire()
            batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
            self._full.clear()
            if len(self._pending) >= self.max_batch:
                self._full.set()
            batch = [r for r in batch if not r.future.done()]  # a caller may have given up
            if not batch:
                self._slots.release()
                continue
            task = asyncio.get_running_loop().create_task(self._finish(batch))
            self._running.add(task)  # a reference, so the task is not collected mid-flight
            task.add_done_callback(self._running.discard)
            waited = True

    async def _finish(self, batch: list[_Request]) -> None:
        """Search one batch and hand each caller its own outcome."""
        assert self._slots is not None
        try:
            outcomes = await asyncio.to_thread(self._search_batch, batch)
        finally:
            self._slots.release()
        self.batches += 1
        for request, outcome in zip(batch, outcomes, strict=True):
            if request.future.done():
                continue
            if isinstance(outcome, BaseException):
                request.future.set_exception(outcome)
            else:
                request.future.set_result(outcome)

    def _search_batch(self, batch: Sequence[_Request]) -> list[SearchResult | BaseException]:
        """Results per request (hits sliced to its own k), or the exception its question raised."""
        top = max(r.k for r in batch)
        try:
            results = self.retriever.search_many_with_reason([r.question for r in batch], top)
            return [
                replace(result, hits=result.hits[: r.k])
                for r, result in zip(batch, results, strict=True)
            ]
        except Exception:
            if len(batch) == 1:
                return [self._one(batch[0])]
            # One bad question must not fail the others: find it by asking one at a time.
            logger.info("a batch of %d failed; retrying its questions one by one", len(batch))
        return [self._one(r) for r in batch]

    def _one(self, request: _Request) -> SearchResult | BaseException:
        try:
            return self.retriever.search_with_reason(request.question, request.k)
        except Exception as exc:
            return exc
