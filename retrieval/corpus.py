"""Load the cleaned corpus: one Markdown file per article with YAML front matter."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from retrieval.cleaning import Block
from retrieval.errors import CorpusError
from retrieval.records import Article, Source, published_parts

NAME_VARIANTS_FILE = "name_variants.yaml"
SUBHEAD_PREFIX = "## "
META_FIELDS = ("title", "outlet", "author", "published", "url", "language")
# A Markdown heading: a paragraph starting like this would not read back as itself.
_HEADING = re.compile(r"#{1,6}(\s|$)")


# The front matter is a Source plus the article's language: one schema, not two kept in step.
SOURCE_FIELDS = frozenset(f.name for f in fields(Source))


class FrontMatter(BaseModel):
    """The metadata block at the top of an article file: its `Source` and its language."""

    # Unknown fields are rejected: a typo ("autor") would otherwise silently drop a value.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str
    outlet: str
    url: str
    author: str = ""
    published: str = ""
    language: str = "en"

    @field_validator("published", mode="before")
    @classmethod
    def _date_as_text(cls, value: Any) -> Any:
        # YAML turns an unquoted 2019-06-10 into a date; the corpus keeps dates as written.
        return value.isoformat() if isinstance(value, dt.date) else value

    @field_validator("title", "author", "published", mode="before")
    @classmethod
    def _none_as_empty(cls, value: Any) -> Any:
        return "" if value is None else value

    # A title may be empty (004's page has none; never invent one) but must be stated.
    @field_validator("outlet", "url", "language")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("published")
    @classmethod
    def _iso_date(cls, value: str) -> str:
        # Dates are sorted (newest first), so each must be one, however partial.
        if value and published_parts(value) is None:
            raise ValueError("must be a date: YYYY, YYYY-MM or YYYY-MM-DD")
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or " " in value:
            raise ValueError("must be an http(s) URL")
        return value

    @property
    def source(self) -> Source:
        return Source(**self.model_dump(include=set(SOURCE_FIELDS)))


def _read_text(path: Path) -> str:
    """The file's text, or CorpusError when it is unreadable or not UTF-8."""
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(path.name, "", f"not UTF-8 (byte {exc.start})") from None
    except OSError as exc:
        raise CorpusError(path.name, "", f"cannot read: {exc.strerror}") from None


def split_front_matter(text: str, file: str) -> tuple[dict[str, Any], str]:
    """Split `---` YAML front matter from the body; CorpusError when it is missing or broken."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        raise CorpusError(file, "", "no front matter (the file must start with a '---' line)")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise CorpusError(file, "", "front matter is not closed by a '---' line") from None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        raise CorpusError(file, "", f"front matter is not valid YAML{where}") from None
    if not isinstance(meta, dict):
        raise CorpusError(file, "", "front matter is not a mapping of fields")
    return meta, "\n".join(lines[end + 1 :])


def parse_body(body: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Paragraphs (split on blank lines) and the subhead in force for each one."""
    paragraphs: list[str] = []
    subheads: list[str] = []
    current = ""
    for chunk in body.split("\n\n"):
        # Markdown soft line breaks inside a paragraph read as spaces.
        text = " ".join(line.strip() for line in chunk.splitlines() if line.strip())
        if not text:
            continue
        if text.startswith(SUBHEAD_PREFIX):
            current = text[len(SUBHEAD_PREFIX) :].strip()
            continue
        paragraphs.append(text)
        subheads.append(current)
    return tuple(paragraphs), tuple(subheads)


def parse_article(text: str, file: str, path: str = "") -> Article:
    """Validate one article file's text; `file` names it in errors and gives the article id."""
    meta, body = split_front_matter(text, file)
    try:
        fm = FrontMatter.model_validate(meta)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        why = "missing" if err["type"] == "missing" else err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            why = "unknown field"
        raise CorpusError(file, field, why) from None
    paragraphs, subheads = parse_body(body)
    if not paragraphs:
        raise CorpusError(file, "body", "no paragraphs after the front matter")
    return Article(
        id=Path(file).stem,
        source=fm.source,
        language=fm.language,
        paragraphs=paragraphs,
        subheads=subheads,
        path=path,
    )


def load_article(path: Path) -> Article:
    """Read and validate one article file."""
    return parse_article(_read_text(path), path.name, str(path))


def format_article(meta: Mapping[str, object], blocks: Iterable[Block]) -> str:
    """An article file's text: the front matter of `meta`, then paragraphs and `## ` subheads.

    The one writer of the format `parse_article` reads.
    """
    front = {name: str(meta.get(name, "")) for name in META_FIELDS}
    header = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=10_000)
    body = []
    for block in blocks:
        if _HEADING.match(block.text):
            raise ValueError(f"paragraph would read as a Markdown heading: {block.text[:60]!r}")
        body.append(f"{SUBHEAD_PREFIX}{block.text}" if block.subhead else block.text)
    return f"---\n{header}---\n\n" + "\n\n".join(body) + "\n"


def _check_dir(corpus_dir: Path) -> None:
    if not corpus_dir.is_dir():
        raise CorpusError(str(corpus_dir), "", "corpus directory not found")


def load_corpus(corpus_dir: Path, *, allow_empty: bool = False) -> list[Article]:
    """Load every `*.md` article of the directory, sorted by file name."""
    corpus_dir = Path(corpus_dir)
    _check_dir(corpus_dir)
    files = sorted(p for p in corpus_dir.glob("*.md") if p.is_file())
    if not files and not allow_empty:
        raise CorpusError(str(corpus_dir), "", "no *.md articles in the corpus directory")
    return [load_article(p) for p in files]


def corpus_fingerprint(corpus_dir: Path) -> str:
    """sha256 over the names and bytes of the articles and the name variants file."""
    corpus_dir = Path(corpus_dir)
    _check_dir(corpus_dir)
    files = [p for p in corpus_dir.glob("*.md") if p.is_file()]
    variants = corpus_dir / NAME_VARIANTS_FILE
    if variants.is_file():
        files.append(variants)
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.name):
        data = path.read_bytes()
        # Lengths keep the (name, bytes) pairs unambiguous when concatenated.
        for part in (path.name.encode("utf-8"), data):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
    return digest.hexdigest()


def load_name_variants(corpus_dir: Path) -> list[list[str]]:
    """Groups of spellings of one name, canonical first; [] when the file is absent."""
    path = Path(corpus_dir) / NAME_VARIANTS_FILE
    if not path.is_file():
        return []
    try:
        data = yaml.safe_load(_read_text(path))
    except yaml.YAMLError:
        raise CorpusError(path.name, "", "not valid YAML") from None
    if data is None:
        return []
    if not isinstance(data, list):
        raise CorpusError(path.name, "", "must be a list of groups of spellings")
    groups = []
    seen: dict[str, int] = {}
    for i, group in enumerate(data, start=1):
        ok = isinstance(group, list) and len(group) >= 2
        if not ok or not all(isinstance(s, str) and s.strip() for s in group):
            raise CorpusError(path.name, f"group {i}", "must be a list of 2+ non-empty strings")
        for spelling in group:
            # A spelling in two groups would make its canonical form depend on file order.
            key = spelling.strip().casefold()
            if seen.setdefault(key, i) != i:
                why = f"{spelling!r} is already in group {seen[key]}"
                raise CorpusError(path.name, f"group {i}", why)
        groups.append([s.strip() for s in group])
    return groups
