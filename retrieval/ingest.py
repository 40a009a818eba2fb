"""Add a news article to the corpus from a saved page or a URL.

trafilatura finds the article's text and metadata in the page (navigation, banners, related
links and footers left behind); the article is written as one more corpus file, in the format
`retrieval.corpus` reads, unless the page has no article or the corpus already holds its text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import trafilatura
from lxml.etree import _Element
from trafilatura.settings import DEFAULT_CONFIG, Document, use_config
from trafilatura.utils import load_html

from retrieval.atomic import new_file
from retrieval.chunking import ChunkParams, Shingled, normalize_for_dedup, same_text
from retrieval.cleaning import Block
from retrieval.corpus import format_article, load_corpus, parse_article
from retrieval.errors import CorpusError, IngestError
from retrieval.records import Article, Source

# Less text than this is not an article: trafilatura's own bar for a page's main text.
MIN_ARTICLE_CHARS = DEFAULT_CONFIG.getint("DEFAULT", "MIN_EXTRACTED_SIZE")
MAX_SLUG_CHARS = 60
MAX_SAME_SLUG = 99  # articles of one headline: stem.md, stem-2.md, …
DEFAULT_LANGUAGE = "en"  # the corpus and the model are English
# Only dates the page states (meta tags, structured data, <time>, the URL): the extensive
# search would take any date in the text, such as a "today" line in the site's header.
DATE_PARAMS = {"extensive_search": False, "original_date": True}
OVERRIDABLE = ("title", "outlet", "author", "published", "url")


@dataclass(frozen=True, slots=True)
class Extracted:
    """An article found in a page; `notes` say what the page lacked or where a value came from."""

    source: Source
    language: str
    blocks: tuple[Block, ...]
    notes: tuple[str, ...] = ()

    @property
    def paragraphs(self) -> list[str]:
        return [b.text for b in self.blocks if not b.subhead]

    @property
    def words(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)

    def meta(self) -> dict[str, str]:
        """The front matter fields."""
        fields = {name: getattr(self.source, name) for name in OVERRIDABLE}
        return {**fields, "language": self.language}


@dataclass(frozen=True, slots=True)
class Added:
    """An article written to the corpus."""

    path: Path
    extracted: Extracted
    article: Article


def is_url(page: str) -> bool:
    return page.startswith(("http://", "https://"))


def fetch_page(url: str, *, allow_private: bool = False) -> bytes:
    """The page at `url`; IngestError when it cannot be fetched.

    trafilatura refuses loopback and private addresses; `allow_private` lifts that (tests
    serve pages from 127.0.0.1).
    """
    config = DEFAULT_CONFIG
    if allow_private:
        config = use_config()
        config.set("DEFAULT", "SSRF_PROTECTION", "off")
    response = trafilatura.fetch_response(url, config=config)
    if response is None or response.data is None:
        raise IngestError(
            f"cannot fetch {url}: no network or no answer (save the page and add the file)"
        )
    if response.status != 200:
        raise IngestError(f"cannot fetch {url}: HTTP {response.status}")
    return response.data


def read_page(page: str, *, allow_private: bool = False) -> tuple[bytes, str]:
    """The page's bytes and its URL ("" for a file): fetched when `page` is a URL."""
    if is_url(page):
        return fetch_page(page, allow_private=allow_private), page
    try:
        return Path(page).read_bytes(), ""
    except OSError as exc:
        raise IngestError(f"cannot read {page}: {exc.strerror}") from None


def _text(element: _Element) -> str:
    # lxml's types allow bytes; parsed HTML gives text only.
    return " ".join("".join(t for t in element.itertext() if isinstance(t, str)).split())


def _blocks(body: _Element, headlines: set[str]) -> Iterator[Block]:
    """trafilatura's body as paragraphs and subheads; list items as "- " paragraphs."""
    for element in body:
        if element.tag == "list":
            for item in element.findall("item"):
                if text := _text(item):
                    yield Block(f"- {text}")
            continue
        text = _text(element)
        if text and text not in headlines:  # the headline lives in the front matter only
            yield Block(text, subhead=element.tag == "head")


def _site_domain(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def extract(
    html: bytes | str, url: str = "", overrides: Mapping[str, str] | None = None
) -> Extracted:
    """The article of a page with its metadata; `overrides` replace what the page says.

    Raises IngestError when the page holds no article text or no URL to cite it by.
    """
    overrides = {k: " ".join(v.split()) for k, v in (overrides or {}).items()}
    if set(overrides) - set(OVERRIDABLE):
        raise ValueError(f"only these can be overridden: {OVERRIDABLE}")
    doc = trafilatura.bare_extraction(
        html,
        url=url or overrides.get("url") or None,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,  # else a login form or a list of links passes for an article
        date_extraction_params=DATE_PARAMS,
    )
    found = {"title": "", "outlet": "", "author": "", "published": "", "url": ""}
    blocks: list[Block] = []
    if isinstance(doc, Document) and doc.body is not None:  # a dict only when as_dict=True
        raw = (doc.title, doc.sitename, doc.author, doc.date, doc.url)
        fields = zip(OVERRIDABLE, raw, strict=True)
        found = {name: " ".join((value or "").split()) for name, value in fields}
        headlines = {found["title"], overrides.get("title", "")}  # the page's, and the right one
        blocks = _trim_subheads(list(_blocks(doc.body, headlines)))
    chars = sum(len(b.text) for b in blocks if not b.subhead)
    if chars < MIN_ARTICLE_CHARS:
        raise IngestError(
            f"no article text found in the page ({chars} characters of text, "
            f"an article has at least {MIN_ARTICLE_CHARS})"
        )
    values = {**found, **overrides}
    if not values["url"]:
        raise IngestError(
            "the page names no URL of its own (no canonical link): give it with --url"
        )
    notes = []
    if "outlet" not in overrides and values["outlet"].lower() == _site_domain(values["url"]):
        notes.append("outlet: the site's domain, the page names no site (--outlet to set it)")
    notes += [
        f"{name}: not on the page, left empty (--{name} to set it)"
        for name in ("title", "published", "author")
        if not values[name]
    ]
    language = _language(html)
    if not language:
        notes.append(f"language: not stated by the page, taken as {DEFAULT_LANGUAGE}")
    source = Source(**values)
    return Extracted(source, language or DEFAULT_LANGUAGE, tuple(blocks), tuple(notes))


def _trim_subheads(blocks: list[Block]) -> list[Block]:
    """Drop subheads with no paragraph under them (a trailing "Read more" heading)."""
    last = len(blocks) - 1
    return [
        b for i, b in enumerate(blocks) if not b.subhead or (i < last and not blocks[i + 1].subhead)
    ]


def _language(html: bytes | str) -> str:
    """The primary language subtag of `<html lang>` ("en-GB" → "en"), or ""."""
    tree = load_html(html)
    lang = tree.get("lang", "") if tree is not None else ""
    return lang.split("-")[0].strip().lower()


def duplicate_of(
    extracted: Extracted, corpus: Sequence[Article], threshold: float
) -> Article | None:
    """The corpus article holding the same text (as the index's de-duplication judges), or None."""
    new = Shingled.of("\n".join(extracted.paragraphs))
    for article in corpus:
        if same_text(new, Shingled.of("\n".join(article.paragraphs)), threshold):
            return article
    return None


def slug_for(source: Source) -> str:
    """A file name from the headline (else the URL's last path segment), in ASCII words."""
    path_tail = urlsplit(source.url).path.rstrip("/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    # "Kazakhstan's" gives "kazakhstans", not "kazakhstan-s".
    words = normalize_for_dedup(re.sub("['’]", "", source.title or path_tail)).split()
    words = words or ["article"]
    slug = words[0][:MAX_SLUG_CHARS]
    for word in words[1:]:
        if len(slug) + 1 + len(word) > MAX_SLUG_CHARS:
            break
        slug += f"-{word}"
    return slug


def write_new(corpus_dir: Path, stem: str, text: str) -> Path:
    """Write `stem.md` whole or not at all, never over a file: `stem-2.md`, … on a clash."""
    for n in range(1, MAX_SAME_SLUG + 1):
        path = corpus_dir / (f"{stem}.md" if n == 1 else f"{stem}-{n}.md")
        try:
            with new_file(path, replace=False) as f:
                f.write(text.encode("utf-8"))
            return path
        except FileExistsError:
            continue
        except OSError as exc:
            raise IngestError(f"cannot write to {corpus_dir}: {exc.strerror}") from None
    raise IngestError(f"{corpus_dir}: {stem}.md and {stem}-2 to -{MAX_SAME_SLUG}.md exist")


def add_page(
    page: str,
    corpus_dir: Path,
    overrides: Mapping[str, str] | None = None,
    *,
    allow_private: bool = False,
) -> Added:
    """Extract the article of `page` (a file or a URL) and write it as a new corpus file.

    IngestError, with nothing written, when the page holds no article, when its text is
    already in the corpus, or when a value is unusable (a bad --published date, say).
    """
    corpus_dir = Path(corpus_dir)
    corpus = load_corpus(corpus_dir, allow_empty=True)  # a broken corpus is refused first
    html, url = read_page(page, allow_private=allow_private)
    extracted = extract(html, url, overrides)
    same = duplicate_of(extracted, corpus, ChunkParams().near_duplicate)
    if same is not None:
        raise IngestError(f"the page's text is already in the corpus: {Path(same.path).name}")
    text = format_article(extracted.meta(), extracted.blocks)
    try:
        parse_article(text, page)  # what the index will read: checked before anything is written
    except CorpusError as exc:
        raise IngestError(str(exc)) from None
    path = write_new(corpus_dir, slug_for(extracted.source), text)
    return Added(path, extracted, parse_article(text, path.name, str(path)))
