"""The micro-batcher: concurrent questions share one search_many call; errors stay their own."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from bot.batching import MicroBatcher, OneAtATime
from retrieval.records import Hit, Refusal, SearchResult, Source

SOURCE = Source("Headline", "Outlet", "https://example.test/a", "2019-06-10")


def hits_for(question: str, k: int) -> list[Hit]:
    """k made-up hits that name their question, so each caller can check it got its own."""
    return [Hit(f"{question} #{i}", 1.0, SOURCE, passage_id=i) for i in range(k)]


class RecordingRetriever(OneAtATime):
    """Records every call; `search_many` fails for the whole batch if any question is 'boom'."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.many: list[tuple[list[str], int]] = []
        self.single: list[tuple[str, int]] = []
        self.threads: set[int] = set()

    def search(self, question: str, k: int) -> list[Hit]:
        self.single.append((question, k))
        self.threads.add(threading.get_ident())
        if question == "boom":
            raise RuntimeError("bad question")
        return hits_for(question, k)

    def search_many(self, questions: list[str], k: int) -> list[list[Hit]]:
        self.many.append((list(questions), k))
        self.threads.add(threading.get_ident())
        if self.delay:
            time.sleep(self.delay)
        if "boom" in questions:
            raise RuntimeError("bad question")
        return [hits_for(q, k) for q in questions]


async def test_concurrent_questions_share_one_batch() -> None:
    retriever = RecordingRetriever()
    batcher = MicroBatcher(retriever, window_ms=20, max_batch=32)
    questions = [f"question {i}" for i in range(10)]
    results = await asyncio.gather(*(batcher.search(q, 3) for q in questions))
    assert retriever.many == [(questions, 3)] and retriever.single == []
    assert batcher.batches == 1
    for question, hits in zip(questions, results, strict=True):
        assert [h.text for h in hits] == [f"{question} #{i}" for i in range(3)]
    assert threading.get_ident() not in retriever.threads  # the event loop never blocks


async def test_each_caller_gets_its_own_k() -> None:
    retriever = RecordingRetriever()
    batcher = MicroBatcher(retriever, window_ms=20)
    one, four, two = await asyncio.gather(
        batcher.search("a", 1), batcher.search("b", 4), batcher.search("c", 2)
    )
    assert retriever.many == [(["a", "b", "c"], 4)]
    assert [len(one), len(four), len(two)] == [1, 4, 2]
    assert one[0].text == "a #0" and four[3].text == "b #3"


async def test_max_batch_splits_and_later_arrivals_form_the_next_batch() -> None:
    retriever = RecordingRetriever(delay=0.05)
    batcher = MicroBatcher(retriever, window_ms=1000, max_batch=4)
    started = time.monotonic()
    results = await asyncio.gather(*(batcher.search(f"q{i}", 1) for i in range(10)))
    # A full batch does not wait for the window; one batch runs at a time.
    assert time.monotonic() - started < 0.9
    assert [len(qs) for qs, _ in retriever.many] == [4, 4, 2]
    assert [r[0].text for r in results] == [f"q{i} #0" for i in range(10)]


async def test_an_exception_reaches_only_its_caller() -> None:
    retriever = RecordingRetriever()
    batcher = MicroBatcher(retriever, window_ms=20)
    results = await asyncio.gather(
        batcher.search("fine", 2),
        batcher.search("boom", 2),
        batcher.search("also fine", 2),
        return_exceptions=True,
    )
    assert [h.text for h in results[0]] == ["fine #0", "fine #1"]
    assert isinstance(results[1], RuntimeError) and str(results[1]) == "bad question"
    assert [h.text for h in results[2]] == ["also fine #0", "also fine #1"]
    # And the batcher keeps working afterwards.
    assert len(await batcher.search("later", 1)) == 1


async def test_window_zero_searches_each_question_alone() -> None:
    retriever = RecordingRetriever()
    batcher = MicroBatcher(retriever, window_ms=0)
    assert not batcher.enabled
    results = await asyncio.gather(*(batcher.search(f"q{i}", 2) for i in range(5)))
    assert retriever.many == [] and sorted(retriever.single) == [(f"q{i}", 2) for i in range(5)]
    assert [r[0].text for r in results] == [f"q{i} #0" for i in range(5)]
    with pytest.raises(RuntimeError):
        await batcher.search("boom", 1)


async def test_a_retriever_without_search_many_still_works() -> None:
    class OnlySearch(OneAtATime):
        def __init__(self) -> None:
            self.calls: list[str] = []

        def search(self, question: str, k: int) -> list[Hit]:
            self.calls.append(question)
            return hits_for(question, k)

    retriever = OnlySearch()
    batcher = MicroBatcher(retriever, window_ms=10)
    a, b = await asyncio.gather(batcher.search("a", 1), batcher.search("b", 1))
    assert a[0].text == "a #0" and b[0].text == "b #0" and retriever.calls == ["a", "b"]


async def test_a_cancelled_caller_does_not_break_the_batch() -> None:
    retriever = RecordingRetriever(delay=0.05)
    batcher = MicroBatcher(retriever, window_ms=10)
    doomed = asyncio.ensure_future(batcher.search("doomed", 1))
    kept = asyncio.ensure_future(batcher.search("kept", 1))
    await asyncio.sleep(0.02)  # the batch is running
    doomed.cancel()
    assert (await kept)[0].text == "kept #0"
    assert doomed.cancelled()


class Explaining(OneAtATime):
    """Says why: every question naming Zelensky is refused as an unknown name."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def search_many_with_reason(self, questions: list[str], k: int) -> list[SearchResult]:
        self.batches.append(list(questions))
        return [self.search_with_reason(q, k) for q in questions]

    def search_with_reason(self, question: str, k: int) -> SearchResult:
        if "Zelensky" in question:
            return SearchResult([], Refusal.UNKNOWN_NAME, 0.12)
        return SearchResult(hits_for(question, k), None, 1.0)


@pytest.mark.parametrize("window_ms", [20, 0])
async def test_why_nothing_was_found_reaches_each_caller(window_ms: float) -> None:
    retriever = Explaining()
    batcher = MicroBatcher(retriever, window_ms=window_ms)
    refused, answered = await asyncio.gather(
        batcher.search_with_reason("Who is Zelensky?", 3), batcher.search_with_reason("Who won?", 2)
    )
    assert (refused.hits, refused.refusal, refused.relevance) == ([], Refusal.UNKNOWN_NAME, 0.12)
    assert [h.text for h in answered.hits] == ["Who won? #0", "Who won? #1"]  # its own k
    assert answered.refusal is None
    assert retriever.batches == ([["Who is Zelensky?", "Who won?"]] if window_ms else [])


async def test_a_searcher_without_reasons_puts_nothing_found_down_to_low_relevance() -> None:
    class Empty(OneAtATime):
        def search(self, question: str, k: int) -> list[Hit]:
            return []

    found = await MicroBatcher(Empty(), window_ms=10).search_with_reason("Pizza?", 3)
    assert (found.hits, found.refusal) == ([], Refusal.LOW_RELEVANCE)
