"""An article's text around a passage: what comes right before and after it.

Passages overlap, so an article's sentences are numbered once (`ArticleText.sentences`) and a
passage's context is told in those numbers, never repeating the passage nor skipping a sentence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

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


def extended(article: ArticleText, p: Passage) -> Passage | None:
    """`p` with the article's next sentence added to its end, written as the article writes it
    (a space, or a paragraph break, between the two), or None at the article's end."""
    after = article.sentences.get(p.end)
    if after is None or not p.sentences:
        return None
    last = p.sentences[-1]
    for q in article.passages:  # a window holding both gives the text between them
        if q.start < p.end < q.end:
            lead = q.text.find(last)
            at = q.text.find(after, lead + len(last)) if lead >= 0 else -1
            if at >= 0:
                joint = q.text[lead + len(last) : at]
                return replace(
                    p, text=p.text + joint + after, sentences=(*p.sentences, after), end=p.end + 1
                )
    return None
