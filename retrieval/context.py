"""An article's text around a passage: what comes right before and after it.

Passages overlap, so an article's sentences are numbered once (`ArticleText.sentences`) and a
passage's context is told in those numbers, never repeating the passage nor skipping a sentence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from retrieval.records import Passage


@dataclass(frozen=True)
class ArticleText:
    """One article's passages, in index order, and its sentences by number."""

    passages: list[Passage]
    sentences: dict[int, str]


def article_texts(passages: Iterable[Passage]) -> dict[str, ArticleText]:
    """Each article's text, rebuilt from the passages that hold it."""
    articles: dict[str, ArticleText] = {}
    for p in passages:
        article = articles.setdefault(p.article_id, ArticleText([], {}))
        article.passages.append(p)
        for i, sentence in enumerate(p.sentences):
            article.sentences.setdefault(p.start + i, sentence)
    return articles


def surrounding(
    article: ArticleText, p: Passage, n: int
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Up to n passages' worth of the article's text just before and just after `p`.

    Each step takes the longest run of sentences one passage holds next to what is already
    shown, so the context neither repeats the hit nor skips a sentence.
    """
    same, text = article.passages, article.sentences
    before: list[str] = []
    start = p.start
    for _ in range(n):
        holding = [q.start for q in same if q.start < start <= q.end]
        if not holding:
            break
        first = min(holding)
        before.insert(0, " ".join(text[i] for i in range(first, start) if i in text))
        start = first
    after: list[str] = []
    end = p.end
    for _ in range(n):
        holding = [q.end for q in same if q.start <= end < q.end]
        if not holding:
            break
        last = max(holding)
        after.append(" ".join(text[i] for i in range(end, last) if i in text))
        end = last
    return tuple(before), tuple(after)
