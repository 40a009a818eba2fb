"""Split articles into passages that fit the embedding model, at paragraph and sentence bounds."""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace

from retrieval.records import Article, Passage

TokenCounter = Callable[[str], int]

# A sentence ends at . ! or ? (maybe followed by a closing quote or bracket), then space, then
# something that can start a sentence. Initials like "M.Ablyazov" have no space, so they hold.
_SENTENCE_END = re.compile(r"""(?:(?<=[.!?])|(?<=[.!?]["'”’)\]]))\s+(?=["'“‘(\[]?[A-Z0-9])""")
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "jr",
        "sr",
        "prof",
        "gen",
        "col",
        "lt",
        "sgt",
        "rev",
        "vs",
        "etc",
        "inc",
        "ltd",
        "co",
        "no",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "e.g",
        "i.e",
        "approx",
    ]
)


@dataclass(frozen=True)
class ChunkParams:
    """How passages are cut; part of the index manifest, so a change forces a rebuild."""

    max_tokens: int = 128  # word pieces of a piece: the unit de-duplication compares
    min_tokens: int = 24  # a paragraph shorter than this joins its neighbour under one subhead
    near_duplicate: float = 0.9  # word-shingle similarity at which two pieces count as one
    # Passages are overlapping windows of whole sentences, up to this many word pieces, one
    # starting at every sentence, so an answer is never cut off from the sentence that
    # introduces it ("X said:" in one paragraph, the quote in the next). 0: the pieces
    # themselves, without overlap. Measured in the README (How retrieval works).
    window_tokens: int = 176

    def as_dict(self) -> dict[str, float]:
        return asdict(self)  # every field: a new one changes the manifest, so forces a rebuild


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences, keeping abbreviations like "Mr." inside a sentence."""
    pieces = _SENTENCE_END.split(text.strip())
    sentences: list[str] = []
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        if sentences and _ends_with_abbreviation(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return sentences


def _ends_with_abbreviation(sentence: str) -> bool:
    last = sentence.rsplit(None, 1)[-1].rstrip(".").lower()
    return last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha())


def _split_long_sentence(sentence: str, count: TokenCounter, limit: int) -> list[str]:
    """A sentence over the limit is cut between words: split, never truncated."""
    words = sentence.split()
    parts: list[str] = []
    current: list[str] = []
    for word in words:
        if current and count(" ".join([*current, word])) > limit:
            parts.append(" ".join(current))
            current = []
        current.append(word)
    if current:
        parts.append(" ".join(current))
    return parts


def pack_sentences(sentences: Iterable[str], count: TokenCounter, limit: int) -> list[list[str]]:
    """Greedily group consecutive sentences into pieces of at most `limit` tokens."""
    groups: list[list[str]] = []
    current: list[str] = []
    for sentence in sentences:
        pieces = (
            _split_long_sentence(sentence, count, limit) if count(sentence) > limit else [sentence]
        )
        for piece in pieces:
            if current and count(" ".join([*current, piece])) > limit:
                groups.append(current)
                current = []
            current.append(piece)
    if current:
        groups.append(current)
    return groups


def _merge_short(
    paragraphs: list[tuple[str, str]], count: TokenCounter, params: ChunkParams
) -> list[tuple[str, str]]:
    """Join a very short paragraph to the next one under the same subhead, if both fit."""
    merged: list[tuple[str, str]] = []
    for text, subhead in paragraphs:
        if merged:
            prev_text, prev_sub = merged[-1]
            short = count(prev_text) < params.min_tokens or count(text) < params.min_tokens
            joined = f"{prev_text}\n{text}"
            if prev_sub == subhead and short and count(joined) <= params.max_tokens:
                merged[-1] = (joined, subhead)
                continue
        merged.append((text, subhead))
    return merged


def chunk_article(
    article: Article, count: TokenCounter, params: ChunkParams, first_id: int = 0
) -> list[Passage]:
    """Cut one article into passages; ids run on from `first_id`."""
    paragraphs = _merge_short(
        list(zip(article.paragraphs, article.subheads, strict=True)), count, params
    )
    passages: list[Passage] = []
    numbered = 0  # sentences of the article so far
    for text, subhead in paragraphs:
        sentences = [s for line in text.split("\n") for s in split_sentences(line)]
        for group in pack_sentences(sentences, count, params.max_tokens):
            passages.append(
                Passage(
                    id=first_id + len(passages),
                    article_id=article.id,
                    position=len(passages),
                    text=" ".join(group),
                    subhead=subhead,
                    sentences=tuple(group),
                    start=numbered,
                    end=numbered + len(group),
                )
            )
            numbered += len(group)
    return passages


def normalize_for_dedup(text: str) -> str:
    """Case, accents, punctuation and spacing folded away: what "the same passage" means."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.findall(r"[a-z0-9]+", text))


def _shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    words = text.split()
    if len(words) < n:
        return {tuple(words)}
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


@dataclass(frozen=True, slots=True)
class Shingled:
    """A text folded by `normalize_for_dedup`, and its word 3-grams: what is compared."""

    norm: str
    shingles: frozenset[tuple[str, ...]]

    @classmethod
    def of(cls, text: str) -> Shingled:
        norm = normalize_for_dedup(text)
        return cls(norm, frozenset(_shingles(norm)))


def same_text(a: Shingled, b: Shingled, threshold: float) -> bool:
    """Whether the shorter text lies inside the longer or shares `threshold` of its shingles."""
    short, long = (a, b) if len(a.norm) <= len(b.norm) else (b, a)
    overlap = len(a.shingles & b.shingles) / max(1, min(len(a.shingles), len(b.shingles)))
    return short.norm in long.norm or overlap >= threshold


def deduplicate(passages: list[Passage], threshold: float) -> list[Passage]:
    """Drop passages identical or nearly identical to another, or contained in another.

    Of two such passages the longer one is kept (the earlier on a tie), whichever comes first.
    Only pairs that can be the same are compared (`_candidate_pairs`), so this stays near
    linear even when every passage shares a common phrase with thousands of others.
    """
    texts = [Shingled.of(p.text) for p in passages]

    def outranks(j: int, i: int) -> bool:
        # j is the one to keep of the pair (i, j): the longer, or the earlier if as long.
        return (len(texts[j].norm), -j) > (len(texts[i].norm), -i)

    dropped: set[int] = set()
    for i, j in _candidate_pairs(texts, threshold):
        if same_text(texts[i], texts[j], threshold):
            dropped.add(j if outranks(i, j) else i)
    return [p for i, p in enumerate(passages) if i not in dropped]


def _candidate_pairs(texts: list[Shingled], threshold: float) -> set[tuple[int, int]]:
    """Every pair (i < j) sharing a shingle that `same_text` may find the same, and few
    others: prefix filtering.

    Order all shingles rarest first. Two texts sharing at least k shingles share one of the
    first (size - k + 1) of either's shingles in that order. `same_text` needs k of at least
    `threshold` of the text with fewer shingles, or, for a text inside another (which may
    start and end inside words), all of its shingles but its first and last: so each text's
    rare prefix is looked up among every text's shingles, and the common phrases, whose
    lists are long, are never walked.
    """
    postings: dict[tuple[str, ...], list[int]] = {}
    for i, t in enumerate(texts):
        for s in t.shingles:
            postings.setdefault(s, []).append(i)
    pairs: set[tuple[int, int]] = set()
    for i, t in enumerate(texts):
        size = len(t.shingles)
        needed = min(math.ceil(threshold * size), size - 2)
        rare_first = sorted(t.shingles, key=lambda s: (len(postings[s]), s))
        for s in rare_first[: max(1, size - needed + 1)]:
            pairs.update((min(i, j), max(i, j)) for j in postings[s] if j != i)
    return pairs


def windows(pieces: list[Passage], count: TokenCounter, limit: int) -> list[Passage]:
    """Overlapping passages: from every sentence, as many following ones as fit in `limit`.

    `pieces` are one article's pieces in order. A window never crosses a subhead; one that
    lies wholly inside the window before it is left out. Sentences of different pieces are
    joined by a line break (they were different paragraphs). `start` and `end` number the
    article's sentences, so overlapping passages can be told apart.
    """
    # (sentence, tokens without [CLS]/[SEP], piece number, subhead, number in the article)
    flat = [
        (s, max(1, count(s) - 2), n, piece.subhead, piece.start + k)
        for n, piece in enumerate(pieces)
        for k, s in enumerate(piece.sentences)
    ]
    out: list[Passage] = []
    for i in range(len(flat)):
        size, j = flat[i][1] + 2, i + 1
        while j < len(flat) and flat[j][3] == flat[i][3] and size + flat[j][1] <= limit:
            size += flat[j][1]
            j += 1
        if out and out[-1].end >= flat[j - 1][4] + 1:
            continue  # contained in the previous window
        text = flat[i][0]
        for k in range(i + 1, j):
            text += ("\n" if flat[k][2] != flat[k - 1][2] else " ") + flat[k][0]
        out.append(
            Passage(
                id=-1,
                article_id=pieces[0].article_id,
                position=len(out),
                text=text,
                subhead=flat[i][3],
                sentences=tuple(f[0] for f in flat[i:j]),
                start=flat[i][4],
                end=flat[j - 1][4] + 1,
            )
        )
    return out


def chunk_corpus(
    articles: list[Article], count: TokenCounter, params: ChunkParams
) -> list[Passage]:
    """All passages of the corpus, with ids equal to their row position.

    Articles are cut into pieces, duplicate pieces dropped, then the pieces of each article
    become overlapping windows (unless `window_tokens` is 0).
    """
    # Sentences are counted when cut into pieces and again when windows are made: once is enough.
    count = functools.cache(count)
    pieces: list[Passage] = []
    for article in articles:
        pieces.extend(chunk_article(article, count, params))
    unique = deduplicate(pieces, params.near_duplicate)
    if params.window_tokens > 0:
        by_article: dict[str, list[Passage]] = {}
        for p in unique:
            by_article.setdefault(p.article_id, []).append(p)
        unique = [w for ps in by_article.values() for w in windows(ps, count, params.window_tokens)]
    return [replace(p, id=i) for i, p in enumerate(unique)]
