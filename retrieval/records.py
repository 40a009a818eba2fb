"""Plain records passed between the corpus, the index and the callers."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any, TypeVar

_R = TypeVar("_R")

# A corpus date, as precise as the source is: "2019", "2019-06" or "2019-06-10".
_PUBLISHED = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


@dataclass(frozen=True, slots=True)
class Source:
    """Where a passage comes from: enough to cite it."""

    title: str
    outlet: str
    url: str
    published: str = ""
    author: str = ""

    def __repr__(self) -> str:
        return f"Source({self.outlet!r}, {self.title!r}, {self.published!r})"

    def to_dict(self) -> dict[str, str]:
        return {
            "title": self.title,
            "outlet": self.outlet,
            "url": self.url,
            "published": self.published,
        }


def published_parts(published: str) -> tuple[int, ...] | None:
    """(year,), (year, month) or (year, month, day) of a corpus date; None if it is not one."""
    match = _PUBLISHED.fullmatch(published.strip())
    if match is None:
        return None
    parts = tuple(int(g) for g in match.groups() if g)
    try:
        dt.date(*parts, *(1,) * (3 - len(parts)))  # a real month and day
    except ValueError:
        return None
    return parts


def newest_first(sources: Iterable[Source]) -> list[Source]:
    """Sources by date, newest first; undated last, equal dates in the order given.

    A partial date sorts after the full dates it could be ("2019-06" after "2019-06-11"): of
    two June articles, the one known to be late in June is listed first.
    """
    return sorted(sources, key=lambda s: published_parts(s.published) or (), reverse=True)


@dataclass(frozen=True, slots=True)
class Article:
    """One cleaned article of the corpus: its metadata and body paragraphs.

    `subheads[i]` is the subhead in force for `paragraphs[i]` ("" before the first one).
    """

    id: str
    source: Source
    language: str
    paragraphs: tuple[str, ...]
    subheads: tuple[str, ...]
    path: str = ""


@dataclass(frozen=True, slots=True)
class Passage:
    """A piece of an article small enough for the embedding model.

    Passages may overlap: `start` and `end` number the article's sentences it spans
    (end exclusive); both 0 when unknown.
    """

    id: int
    article_id: str
    position: int
    text: str
    subhead: str = ""
    sentences: tuple[str, ...] = ()
    start: int = 0
    end: int = 0

    @property
    def lexical_text(self) -> str:
        """What BM25 sees: the text with its subhead, so a subhead's words can find it."""
        return f"{self.subhead}\n{self.text}" if self.subhead else self.text

    def overlaps(self, other: Passage) -> bool:
        """Whether the two share a sentence of the same article."""
        return (
            self.article_id == other.article_id
            and self.end > self.start
            and self.start < other.end
            and other.start < self.end
        )


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: a quoted passage, how well it matched and its source."""

    text: str
    score: float
    source: Source
    passage_id: int = -1
    best_sentence: str = ""
    subhead: str = ""
    context_before: tuple[str, ...] = field(default=())
    context_after: tuple[str, ...] = field(default=())
    article_id: str = ""  # the corpus file's name without .md; "" when not known

    def __repr__(self) -> str:
        text = self.text if len(self.text) <= 80 else self.text[:77] + "..."
        return f"Hit(score={self.score:.3f}, {self.source.outlet!r}, {text!r})"

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "score": round(float(self.score), 4),
            "best_sentence": self.best_sentence,
            "source": self.source.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Ranked:
    """A passage as ranking saw it: its relevance and the signals behind it."""

    passage: Passage
    relevance: float  # what Hit.score shows and MIN_SCORE is compared with
    dense: float  # the passage vector's cosine with the question
    sentence: float  # the best sentence's cosine
    lexical: float  # BM25 as a share of what the question's terms could score
    best_sentence: str
    # the window scored, where an overlapping one is shown (`Retriever._framed`), else None
    scored: Passage | None = None


class Refusal(StrEnum):
    """Why a search returned nothing."""

    EMPTY_QUESTION = "empty question"
    LOW_RELEVANCE = "low relevance"  # no passage comes close enough
    UNKNOWN_NAME = "unknown name"  # the question names someone or something the corpus never does
    NAMES_APART = "names never together"  # no passage mentions the question's names together
    NO_ANSWER_OF_KIND = "no answer of the kind asked"  # a figure, date or age nowhere near
    ADVICE = "asks for advice"  # "How do I …?", "What's a good …?", "write me a poem": not news
    SMALL_TALK = "small talk"  # "thanks!", "how are you?": nothing to look up (smalltalk.py)
    OTHER_LANGUAGE = "not in English"  # mostly in another script: "Кто победил на выборах?"


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Hits, or why there are none: what `Retriever.search_with_reason` returns."""

    hits: list[Hit]
    refusal: Refusal | None = None  # None when there are hits
    relevance: float = 0.0  # the best passage's relevance, even when refused
    detail: str = ""  # e.g. the unknown names
    # sentences of the message left unsearched: they ask what no passage holds ("What was the
    # weather like in Turkistan? And what did state TV avoid showing?"), the rest was searched
    set_aside: tuple[str, ...] = ()

    @property
    def answered(self) -> bool:
        return bool(self.hits)


def to_record(obj: Any) -> dict[str, Any]:
    """A record as JSON-ready fields: what the index writes, and `from_record` reads back."""
    return asdict(obj)


def from_record(cls: type[_R], row: dict[str, Any]) -> _R:
    """The record `to_record` wrote: JSON's lists become the tuples the record holds.

    Unknown or missing fields raise TypeError, so a file of another shape is never half-read.
    """
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = set(row) - names
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {sorted(unknown)[0]!r}")
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in row.items()})
