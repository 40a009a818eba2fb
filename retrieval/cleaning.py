"""Turn the raw text captured from a news page into clean paragraphs and subheads."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

BOILERPLATE_FILE = Path(__file__).resolve().parent / "data" / "boilerplate.txt"

# A paragraph is a copy of another when this share of its words appears there in runs of at
# least MIN_RUN words: high enough that only teasers and pull-quotes qualify, low enough to
# catch a teaser that was lightly re-edited ("is a natural process" / "was a natural process").
CONTAINED_SHARE = 0.8
MIN_RUN = 3
# Shorter paragraphs ("Wake up, Kazakhstan.") echo phrases of the article by design; keep them.
MIN_CONTAINED_WORDS = 4

_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Block:
    """One piece of a cleaned article body: a paragraph or a subhead."""

    text: str
    subhead: bool = False


def load_patterns(path: Path = BOILERPLATE_FILE) -> list[re.Pattern[str]]:
    """Read boilerplate regexes, one per line; blank lines and `#` comments are skipped."""
    patterns = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            patterns.append(re.compile(line))
    return patterns


def normalize_space(text: str) -> str:
    """NFC-normalise and collapse every run of whitespace (NBSP, tabs) to one space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def split_lines(raw: str) -> list[str]:
    """Split page text into normalised non-empty lines.

    Each line is its own paragraph: the captures glue captions and pull-quotes to the next
    paragraph without a blank line, and some pages have no blank lines at all.
    """
    lines = (normalize_space(line) for line in raw.splitlines())
    return [line for line in lines if line]


def is_boilerplate(line: str, patterns: Iterable[re.Pattern[str]]) -> bool:
    """True when a pattern matches the whole line."""
    return any(p.fullmatch(line) for p in patterns)


def drop_boilerplate(lines: Iterable[str], patterns: Sequence[re.Pattern[str]]) -> list[str]:
    """Drop lines wholly matched by a boilerplate pattern."""
    return [line for line in lines if not is_boilerplate(line, patterns)]


def drop_exact(lines: Iterable[str], unwanted: Iterable[str]) -> list[str]:
    """Drop lines equal (after whitespace normalisation) to one of `unwanted`."""
    drop = {normalize_space(u) for u in unwanted if normalize_space(u)}
    return [line for line in lines if line not in drop]


def collapse_repeats(lines: Iterable[str]) -> list[str]:
    """Keep one copy of a line repeated immediately (captions twice, headlines three times)."""
    out: list[str] = []
    for line in lines:
        if not out or out[-1] != line:
            out.append(line)
    return out


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def contained_share(part: str, whole: str) -> float:
    """Share of the words of `part` found, in order and in runs of MIN_RUN+ words, in `whole`."""
    a, b = _words(part), _words(whole)
    if not a:
        return 0.0
    blocks = SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    # Short runs are left out: common words scattered through a long paragraph are no copy.
    return sum(m.size for m in blocks if m.size >= MIN_RUN) / len(a)


def drop_contained(lines: Sequence[str], keep: Iterable[str] = ()) -> list[str]:
    """Drop a paragraph that is (nearly) contained in another, longer one.

    This removes teasers that repeat a later paragraph and pull-quotes that repeat an earlier
    one; of two equally long copies the first is kept. Lines in `keep` (subheads) stay.
    """
    protected = set(keep)
    sizes = [len(_words(line)) for line in lines]
    out = []
    for i, line in enumerate(lines):
        copy = (
            line not in protected
            and sizes[i] >= MIN_CONTAINED_WORDS
            and any(
                (sizes[j] > sizes[i] or (sizes[j] == sizes[i] and j < i))
                and lines[j] not in protected
                and contained_share(line, lines[j]) >= CONTAINED_SHARE
                for j in range(len(lines))
                if j != i
            )
        )
        if not copy:
            out.append(line)
    return out


def clean_page(
    raw: str,
    patterns: Sequence[re.Pattern[str]],
    *,
    title: str = "",
    drop: Iterable[str] = (),
    subheads: Iterable[str] = (),
) -> list[Block]:
    """Clean one captured page into body blocks.

    `title` is the headline (kept in metadata, so every copy leaves the body); `drop` lists
    page-specific lines no general rule catches (captions); `subheads` are kept as subheads.
    """
    heads = {normalize_space(s) for s in subheads}
    lines = drop_boilerplate(split_lines(raw), patterns)
    lines = drop_exact(lines, [title, *drop])
    lines = collapse_repeats(lines)
    lines = drop_contained(lines, keep=heads)
    return [Block(line, subhead=line in heads) for line in lines]
