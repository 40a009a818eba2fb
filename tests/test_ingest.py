"""Adding a news page to the corpus: extraction with trafilatura, refusals, the written file."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from retrieval import atomic, ingest
from retrieval.corpus import load_article, load_corpus, split_front_matter
from retrieval.errors import IngestError
from retrieval.ingest import add_page, extract, write_new
from retrieval.records import Source

PAGES = Path(__file__).resolve().parent / "data" / "pages"
STEPPE = PAGES / "steppe-herald-observers.html"
NOMAD = PAGES / "nomad-wire-turnout.html"
BLOG = PAGES / "eurasia-notes-kossanov.html"  # no URL, no date, no author, no site name
BLOG_URL = "https://eurasia-notes.example/2019/06/quiet-campaign.html"

# Everything on the pages that is not the article. None of it may reach the written file.
CLUTTER = {
    STEPPE: [
        "We use cookies",
        "Accept all cookies",
        "Manage preferences",
        "Economy",
        "Multimedia",
        "Search the Herald",
        "Home",
        "Share on Facebook",
        "Share on Twitter",
        "Share on Telegram",
        "Email this story",
        "Get the Herald in your inbox",
        "daily newsletter",
        "Sign up",
        "Related articles",
        "Police detain hundreds in Almaty",
        "Polls close in early presidential vote",
        "Tenge steady",
        "About us",
        "Contact the newsroom",
        "Advertise with us",
        "Privacy policy",
        "All rights reserved",
        "By Aigerim Sadykova",
        "11 June 2019",
        "Observers Count the Cost of a Snap Vote",  # the headline: front matter only
    ],
    NOMAD: [
        "Friday, 14 June 2019",
        "Log in",
        "Register",
        "Русский",
        "Analysis",
        "Video",
        "By Daniyar Omarov",
        "Published",
        "Facebook",
        "Tweet",
        "WhatsApp",
        "Tags:",
        "Read more",
        "Hundreds detained at Almaty protests",
        "Seven candidates on the ballot",
        "Comments (2)",
        "Same thing happened at my station",
        "Please publish the full list",
        "Most read",
        "Tenge falls",
        "Subscribe to our newsletter",
        "Advertisement",
        "Materials may be reproduced",
        "Terms of use",
        "This website uses cookies",
        "Turnout figures questioned after",  # the headline
    ],
    BLOG: [
        "By using this blog you accept the use of cookies",
        "Notes on politics from Almaty to Ashgabat",
        "Sunday, June 30, 2019",
        "Archive",
        "About this blog",
        "Labels:",
        "Email This",
        "BlogThis!",
        "Share to Twitter",
        "Older Post",
        "Subscribe by email",
        "Popular posts",
        "Ten years of the Customs Union",
        "Powered by",
        "The quiet campaign of the",  # the headline
    ],
}


def _snapshot(directory: Path) -> dict[str, bytes]:
    """Every file of the directory, hidden ones too, with its bytes."""
    return {p.name: p.read_bytes() for p in directory.iterdir()}


def _body(path: Path) -> str:
    return split_front_matter(path.read_text("utf-8"), path.name)[1]


@pytest.mark.parametrize("page", list(CLUTTER), ids=lambda p: p.stem)
def test_the_clutter_never_reaches_the_corpus(corpus_copy: Path, page: Path) -> None:
    added = add_page(str(page), corpus_copy, {"url": BLOG_URL} if page == BLOG else None)
    body = _body(added.path)
    left = [text for text in CLUTTER[page] if text in body]
    assert not left, f"clutter in {added.path.name}: {left}"
    assert len(load_article(added.path).paragraphs) >= 5


def test_a_news_page_gives_its_metadata_and_body(corpus_copy: Path) -> None:
    added = add_page(str(STEPPE), corpus_copy)
    assert added.path == corpus_copy / "observers-count-the-cost-of-a-snap-vote.md"
    article = load_article(added.path)
    assert article.source == Source(
        title="Observers Count the Cost of a Snap Vote",
        outlet="The Steppe Herald",
        url="https://steppe-herald.example/politics/2019/06/11/observers-count-the-cost-of-a-snap-vote",
        published="2019-06-11",
        author="Aigerim Sadykova",
    )
    assert article.language == "en"  # from <html lang="en-GB">
    assert len(article.paragraphs) == 6
    assert article.paragraphs[0].startswith("International monitors said on Monday")
    assert article.paragraphs[2].startswith("“We saw considerable disrespect")
    assert article.paragraphs[-1].endswith("could not have changed the outcome of the vote.")
    assert article.subheads == ("",) * 3 + ("Carousel voting and missing protocols",) * 3
    assert added.extracted.notes == ()  # the page states everything


def test_quotes_lists_and_subheads_keep_their_place(corpus_copy: Path) -> None:
    article = load_article(add_page(str(NOMAD), corpus_copy).path)
    assert article.paragraphs[2].startswith("“At our station we counted about four hundred")
    assert article.paragraphs[4:7] == (
        "- ballot papers handed out without a passport check;",
        "- the same voters seen arriving at different stations by bus;",
        "- observers asked to leave before the count was finished.",
    )
    assert article.subheads[3:] == ("What the observers recorded",) * 5
    assert article.source.author == "Daniyar Omarov"
    assert article.source.published == "2019-06-12"  # from <time>, not the header's "today"


def test_outlet_falls_back_to_the_domain_and_says_so(corpus_copy: Path) -> None:
    added = add_page(str(NOMAD), corpus_copy)
    assert added.article.source.outlet == "nomadwire.example"
    assert any(n.startswith("outlet: the site's domain") for n in added.extracted.notes)
    assert any(n.startswith("language: not stated") for n in added.extracted.notes)


def test_missing_metadata_is_left_empty_and_named(corpus_copy: Path) -> None:
    added = add_page(str(BLOG), corpus_copy, {"url": BLOG_URL})
    source = added.article.source
    assert (source.published, source.author) == ("", "")  # the text's dates are not taken
    assert source.url == BLOG_URL
    notes = " | ".join(added.extracted.notes)
    assert "published: not on the page" in notes and "author: not on the page" in notes


def test_options_override_the_page(corpus_copy: Path) -> None:
    overrides = {
        "title": "Kossanov's  quiet campaign",
        "outlet": "Eurasia Notes (blog)",
        "published": "2019-06-14",
        "url": BLOG_URL,
        "author": "A. Blogger",
    }
    added = add_page(str(BLOG), corpus_copy, overrides)
    assert added.article.source == Source(
        "Kossanov's quiet campaign", "Eurasia Notes (blog)", BLOG_URL, "2019-06-14", "A. Blogger"
    )
    assert added.path.name == "kossanovs-quiet-campaign.md"
    assert added.extracted.notes == ()
    assert "The quiet campaign of the" not in _body(added.path)  # the page's own headline
    # A page's own values are overridden too, not only the missing ones.
    steppe = add_page(str(STEPPE), corpus_copy, {"outlet": "Herald", "published": "2019-06"})
    assert (steppe.article.source.outlet, steppe.article.source.published) == ("Herald", "2019-06")


@pytest.mark.parametrize(
    ("page", "overrides", "why"),
    [
        ("login.html", None, "no article text found in the page (62 characters"),
        ("section-index.html", None, "no article text found in the page"),
        (
            "digest-republished-hectic-times.html",
            None,
            "the page's text is already in the corpus: rferl-hectic-times.md",
        ),
        ("eurasia-notes-kossanov.html", None, "the page names no URL of its own"),
        ("steppe-herald-observers.html", {"published": "2019-6-1"}, "published: must be a date"),
        ("steppe-herald-observers.html", {"url": "steppe-herald.example/x"}, "url: must be an"),
        ("no-such-page.html", None, "cannot read"),
    ],
)
def test_refused_with_nothing_written(
    corpus_copy: Path, page: str, overrides: dict | None, why: str
) -> None:
    before = _snapshot(corpus_copy)
    with pytest.raises(IngestError) as info:
        add_page(str(PAGES / page), corpus_copy, overrides)
    assert why in str(info.value)
    assert "\n" not in str(info.value)
    assert _snapshot(corpus_copy) == before


def test_the_duplicate_check_is_the_index_s_own(corpus_copy: Path) -> None:
    """Case, punctuation and quote marks don't hide a copy; a new article is not a copy."""
    corpus = load_corpus(corpus_copy)
    page = (PAGES / "digest-republished-hectic-times.html").read_bytes()
    same = ingest.duplicate_of(extract(page), corpus, threshold=0.9)
    assert same is not None and same.id == "rferl-hectic-times"
    assert ingest.duplicate_of(extract(STEPPE.read_bytes()), corpus, threshold=0.9) is None


def test_an_added_article_is_then_a_duplicate(corpus_copy: Path) -> None:
    add_page(str(STEPPE), corpus_copy)
    with pytest.raises(IngestError, match="already in the corpus: observers-count-the-cost"):
        add_page(str(STEPPE), corpus_copy, {"title": "Another headline"})


def test_a_slug_clash_gets_a_suffix_never_an_overwrite(corpus_copy: Path) -> None:
    first = add_page(str(STEPPE), corpus_copy)
    original = first.path.read_bytes()
    second = add_page(str(NOMAD), corpus_copy, {"title": first.article.source.title})
    assert second.path.name == "observers-count-the-cost-of-a-snap-vote-2.md"
    assert first.path.read_bytes() == original
    assert write_new(corpus_copy, "observers-count-the-cost-of-a-snap-vote", "x").name.endswith(
        "-3.md"
    )


def test_a_failed_write_leaves_nothing(corpus_copy: Path, monkeypatch) -> None:
    before = _snapshot(corpus_copy)

    def no_link(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(atomic.os, "link", no_link)
    with pytest.raises(IngestError, match="cannot write to .*Permission denied"):
        add_page(str(STEPPE), corpus_copy)
    assert _snapshot(corpus_copy) == before  # the temporary file is gone too


def test_a_new_file_never_replaces_one_and_gets_the_usual_mode(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("first", "utf-8")
    with pytest.raises(FileExistsError), atomic.new_file(path, replace=False) as f:
        f.write(b"second")
    assert path.read_text("utf-8") == "first"
    with atomic.new_file(tmp_path / "b.md", replace=False) as f:
        f.write(b"new")
    # The mode any new file gets here, as the hand-written corpus files have (not 0600).
    assert (tmp_path / "b.md").stat().st_mode & 0o777 == path.stat().st_mode & 0o777
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md", "b.md"]


def test_an_empty_corpus_directory_takes_its_first_article(tmp_path: Path) -> None:
    added = add_page(str(STEPPE), tmp_path)
    assert [a.id for a in load_corpus(tmp_path)] == [added.path.stem]


@pytest.mark.parametrize(
    ("title", "url", "slug"),
    [
        (
            "Kazakhstan's “Snap” Vote: What Next?",
            "https://x.test/a",
            "kazakhstans-snap-vote-what-next",
        ),
        ("", "https://x.test/news/turnout-questioned.html", "turnout-questioned"),
        ("", "https://x.test/", "article"),
        ("word " * 30, "https://x.test/a", "-".join(["word"] * 12)),
    ],
)
def test_slugs(title: str, url: str, slug: str) -> None:
    assert ingest.slug_for(Source(title, "O", url)) == slug


# --- pages from a URL ------------------------------------------------------------------------


@pytest.fixture
def page_server() -> Iterator[str]:
    """tests/data/pages served over HTTP on 127.0.0.1; yields the base URL."""
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(PAGES))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_url_is_fetched_and_cited_when_the_page_names_none(
    corpus_copy: Path, page_server: str
) -> None:
    url = f"{page_server}/eurasia-notes-kossanov.html"
    added = add_page(url, corpus_copy, allow_private=True)
    assert added.article.source.url == url
    assert added.article.paragraphs[0].startswith("Amirzhan Kossanov entered the race")


def test_a_url_that_cannot_be_fetched_is_one_clear_error(
    corpus_copy: Path, page_server: str
) -> None:
    before = _snapshot(corpus_copy)
    with pytest.raises(IngestError, match=r"cannot fetch .*: HTTP 404"):
        add_page(f"{page_server}/gone.html", corpus_copy, allow_private=True)
    # trafilatura refuses private addresses unless told otherwise.
    with pytest.raises(IngestError, match="cannot fetch .*no network or no answer"):
        add_page(f"{page_server}/nomad-wire-turnout.html", corpus_copy)
    assert _snapshot(corpus_copy) == before
