"""Plain records passed between the corpus, the index and the callers."""

from __future__ import annotations

from dataclasses import dataclass, field


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

    def __repr__(self) -> str:
        text = self.text if len(self.text) <= 80 else self.text[:77] + "..."
        return f"Hit(score={self.score:.3f}, {self.source.outlet!r}, {text!r})"

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "score": round(float(self.score), 4),
            "source": self.source.to_dict(),
        }
