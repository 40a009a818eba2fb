"""The committed corpus and its loader: content checks and named errors for bad files."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from retrieval.cleaning import Block, is_boilerplate, load_patterns
from retrieval.corpus import (
    META_FIELDS,
    corpus_fingerprint,
    format_article,
    load_corpus,
    load_name_variants,
    parse_article,
)
from retrieval.errors import CorpusError
from retrieval.records import Article, Source

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEEDS = ROOT.parent / "shared" / "seeds"

GOOD_FRONT = """---
title: A title
outlet: An outlet
author: ""
published: "2019-06"
url: https://example.org/a
language: en
---
"""


@pytest.fixture(scope="module")
def articles():
    return load_corpus(CORPUS)


def _sources_table() -> dict[str, dict[str, str]]:
    """Rows of the SOURCES.md table, keyed by URL."""
    rows = {}
    for line in (SEEDS / "SOURCES.md").read_text("utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[5].startswith("http"):
            _, outlet, headline, author, published, url = cells
            rows[url] = {"headline": headline, "author": author, "published": published}
    return rows


# --- the committed corpus -------------------------------------------------------------------


def test_corpus_has_the_five_articles(articles) -> None:
    assert sorted(a.source.url for a in articles) == sorted(
        [
            "https://www.rferl.org/a/hectic-times-in-kazakhstan-recently-and-for-the-foreseeable-future/30000862.html",
            "https://www.rferl.org/a/biggest-loser-in-kazakh-presidential-election-could-be-government-reputation/29991513.html",
            "https://thediplomat.com/2019/06/kazakhstan-turns-a-blind-eye-to-the-opposition-riddle/",
            "https://cabar.asia/en/detentions-and-blocks-in-kazakhstan-what-will-tokayev-do-next/",
            "https://cabar.asia/?p=13492",
        ]
    )
    for a in articles:
        assert a.language == "en"
        assert len(a.paragraphs) == len(a.subheads) >= 10
        assert a.id == Path(a.path).stem


def test_no_paragraph_appears_twice_across_the_corpus(articles) -> None:
    seen: dict[str, str] = {}
    for a in articles:
        for p in a.paragraphs:
            assert p not in seen, f"{a.id} repeats a paragraph of {seen.get(p)}: {p[:60]}"
            seen[p] = a.id


def test_no_boilerplate_caption_or_headline_left(articles) -> None:
    patterns = load_patterns()
    titles = {a.source.title for a in articles}
    for a in articles:
        for line in a.paragraphs + tuple(s for s in a.subheads if s):
            assert not is_boilerplate(line, patterns), f"{a.id}: {line}"
            assert line not in titles, f"{a.id}: headline in body"
            assert "Photo" not in line or "Photos showed" in line, f"{a.id}: caption? {line}"


def test_captions_kept_once_and_credits_dropped(articles) -> None:
    # Captions carry facts (the May 1 protest prompted the Internet shutdown): kept, but once.
    paragraphs = [p for a in articles for p in a.paragraphs]
    for caption in [
        "A Kazakh police officer (right) detains an opposition supporter",
        "A demonstration against the presidential election in Almaty on May 1, which prompted",
        "takes the oath of office during his presidential inauguration ceremony",
        "Kazakh police detain people in a square in the center of Almaty on June 9.",
        "Kazakh police detain a demonstrator in Almaty, Kazakhstan, Wednesday",
    ]:
        assert sum(caption in p for p in paragraphs) == 1, caption
    text = "\n".join(paragraphs)
    for credit in ["Жаслан Нурбаев", "Photo:", "Credit: AP Photo"]:
        assert credit not in text


def test_subheads_are_kept_in_order(articles) -> None:
    by_id = {a.id: a for a in articles}
    diplomat = by_id["diplomat-blind-eye"]
    assert list(dict.fromkeys(diplomat.subheads)) == [
        "",
        "A French Revolution?",
        "Flawed Elections, Again",
    ]
    first = diplomat.subheads.index("A French Revolution?")
    assert diplomat.paragraphs[first].startswith("Speaking from exile in France")
    cabar = by_id["cabar-detentions-blocks"]
    assert "A blow to the image" in cabar.subheads


def test_known_passages_are_verbatim(articles) -> None:
    text = "\n".join(p for a in articles for p in a.paragraphs)
    for quote in [
        '"You need to drink shubat, guys. Vodka is bad for your health."',
        "Qasym-Zhomart Toqaev won the election. Everyone knew he would.",
        "On June 6, the president in his Twitter account wrote that the growth of the civil "
        "society was a natural process",
        "“I don’t feel responsible or guilty for the arrests, because the government has to "
        "respond for this.”",
        "the winner is Kassym-Zhomart Tokayev with 70.76 per cent with 77.4 per cent turnout.",
        "Mainstream society wants changes, but due to the neutralised political space",
    ]:
        assert quote in text


def test_metadata_matches_sources_table(articles) -> None:
    if not (SEEDS / "SOURCES.md").is_file():
        pytest.skip("seeds not present")
    table = _sources_table()
    assert set(table) == {a.source.url for a in articles}
    for a in articles:
        row = table[a.source.url]
        if row["author"] == "not found":
            assert a.source.author == "", f"{a.id}: invented author"
        else:
            assert row["author"].startswith(a.source.author) and a.source.author
        assert row["published"].startswith(a.source.published)
        assert re.fullmatch(r"\d{4}-\d{2}", a.source.published)
        if row["headline"].startswith("not found"):
            assert a.source.title == "", f"{a.id}: invented headline"
        else:
            assert a.source.title == row["headline"]


def test_name_variants_load() -> None:
    groups = load_name_variants(CORPUS)
    canon = {g[0]: g for g in groups}
    assert {"Toqaev", "Tokaev"} <= set(canon["Tokayev"])
    assert "Astana" in canon["Nur-Sultan"]
    assert "Qosanov" in canon["Kossanov"]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="raw seeds (../shared/seeds) not present")
def test_import_regenerates_the_committed_corpus(tmp_path: Path) -> None:
    script = ROOT / "scripts" / "import_seeds.py"
    cmd = [sys.executable, str(script), "--seeds", str(SEEDS), "--out", str(tmp_path)]
    subprocess.run(cmd, check=True, capture_output=True)
    made = {p.name: p.read_bytes() for p in tmp_path.glob("*.md")}
    committed = {p.name: p.read_bytes() for p in CORPUS.glob("*.md")}
    assert made == committed


# --- the loader on bad input ------------------------------------------------------------------


def _error(tmp_path: Path, text: str | bytes) -> CorpusError:
    path = tmp_path / "bad.md"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, "utf-8")
    with pytest.raises(CorpusError) as info:
        load_corpus(tmp_path)
    assert info.value.file == "bad.md"
    return info.value


def test_good_file_loads_with_subheads(tmp_path: Path) -> None:
    body = "Intro.\n\n## Part one\n\nFirst\nline wrapped.\n\n## Part two\n\nSecond.\n"
    (tmp_path / "a.md").write_text(GOOD_FRONT + "\n" + body, "utf-8")
    (tmp_path / "notes.txt").write_text("ignored", "utf-8")
    [article] = load_corpus(tmp_path)
    assert article.id == "a"
    assert article.paragraphs == ("Intro.", "First line wrapped.", "Second.")
    assert article.subheads == ("", "Part one", "Part two")
    assert article.source.published == "2019-06"
    assert article.source.author == ""


def test_no_front_matter(tmp_path: Path) -> None:
    err = _error(tmp_path, "Just a paragraph.\n")
    assert "front matter" in err.why


def test_unclosed_front_matter(tmp_path: Path) -> None:
    assert "not closed" in _error(tmp_path, "---\ntitle: x\n\nBody.\n").why


def test_broken_yaml(tmp_path: Path) -> None:
    err = _error(tmp_path, "---\ntitle: [unclosed\nurl: x\n---\n\nBody.\n")
    assert "YAML" in err.why


def test_missing_title(tmp_path: Path) -> None:
    err = _error(tmp_path, GOOD_FRONT.replace("title: A title\n", "") + "\nBody.\n")
    assert (err.field, err.why) == ("title", "missing")


def test_empty_outlet(tmp_path: Path) -> None:
    err = _error(tmp_path, GOOD_FRONT.replace("An outlet", '""') + "\nBody.\n")
    assert err.field == "outlet"


def test_bad_url(tmp_path: Path) -> None:
    err = _error(tmp_path, GOOD_FRONT.replace("https://example.org/a", "example.org/a") + "\nB.\n")
    assert err.field == "url"
    assert "http" in err.why


def test_unknown_field(tmp_path: Path) -> None:
    err = _error(tmp_path, GOOD_FRONT.replace("language: en", "autor: Someone") + "\nBody.\n")
    assert (err.field, err.why) == ("autor", "unknown field")


def test_non_utf8_bytes(tmp_path: Path) -> None:
    raw = (GOOD_FRONT + "\nCaf\u00e9.\n").encode("cp1252")
    err = _error(tmp_path, raw)
    assert "UTF-8" in err.why


def test_empty_body(tmp_path: Path) -> None:
    err = _error(tmp_path, GOOD_FRONT + "\n\n## Only a subhead\n\n")
    assert err.field == "body"


def test_empty_or_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no \\*.md"):
        load_corpus(tmp_path)
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "absent")


def test_fingerprint_tracks_articles_and_variants_only(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(GOOD_FRONT + "\nBody.\n", "utf-8")
    first = corpus_fingerprint(tmp_path)
    (tmp_path / "notes.txt").write_text("ignored", "utf-8")
    assert corpus_fingerprint(tmp_path) == first
    (tmp_path / "name_variants.yaml").write_text("- [Tokayev, Toqaev]\n", "utf-8")
    second = corpus_fingerprint(tmp_path)
    assert second != first
    (tmp_path / "a.md").write_text(GOOD_FRONT + "\nBody!\n", "utf-8")
    assert corpus_fingerprint(tmp_path) != second


def test_name_variants_absent_or_malformed(tmp_path: Path) -> None:
    assert load_name_variants(tmp_path) == []
    path = tmp_path / "name_variants.yaml"
    path.write_text("- [Tokayev]\n", "utf-8")
    with pytest.raises(CorpusError) as info:
        load_name_variants(tmp_path)
    assert (info.value.file, info.value.field) == ("name_variants.yaml", "group 1")
    path.write_text("- [Tokayev, Toqaev]\n- [Toqaev, Tokaev]\n", "utf-8")
    with pytest.raises(CorpusError, match="already in group 1"):
        load_name_variants(tmp_path)
    path.write_text("- [unclosed\n", "utf-8")
    with pytest.raises(CorpusError, match="YAML"):
        load_name_variants(tmp_path)


def test_front_matter_is_a_source_plus_the_language() -> None:
    # One schema: every Source field is a front-matter field, and the only other one is the
    # language; a field added to Source without the front matter would fail here.
    from dataclasses import fields

    from retrieval.corpus import FrontMatter
    from retrieval.records import Source

    source_fields = {f.name for f in fields(Source)}
    assert set(FrontMatter.model_fields) == source_fields | {"language"}
    fm = FrontMatter(title="T", outlet="O", url="https://example.org/a", author="A",
                     published="2019-06-10")  # fmt: skip
    assert fm.source == Source("T", "O", "https://example.org/a", "2019-06-10", "A")
    # The writer writes every field, in the committed files' order.
    assert set(META_FIELDS) == set(FrontMatter.model_fields)


@pytest.mark.parametrize(
    "published", ["2019-6", "June 2019", "2019-02-30", "2019-13", "10.06.2019", "2019-06-10T08:00"]
)
def test_a_published_value_must_be_a_date(tmp_path: Path, published: str) -> None:
    err = _error(tmp_path, GOOD_FRONT.replace('"2019-06"', f'"{published}"') + "\nBody.\n")
    assert (err.field, err.why) == ("published", "must be a date: YYYY, YYYY-MM or YYYY-MM-DD")


@pytest.mark.parametrize("published", ["", "2019", "2019-06", "2019-06-10", "2020-02-29"])
def test_partial_and_full_dates_load(tmp_path: Path, published: str) -> None:
    (tmp_path / "a.md").write_text(
        GOOD_FRONT.replace('"2019-06"', f'"{published}"') + "\nBody.\n", "utf-8"
    )
    assert load_corpus(tmp_path)[0].source.published == published


# --- the writer -------------------------------------------------------------------------------


def _blocks(article: Article) -> list[Block]:
    """The article's body as the writer takes it: a subhead before the first paragraph under it."""
    blocks, current = [], ""
    for text, subhead in zip(article.paragraphs, article.subheads, strict=True):
        if subhead != current:
            blocks.append(Block(subhead, subhead=True))
            current = subhead
        blocks.append(Block(text))
    return blocks


def _meta(article: Article) -> dict[str, str]:
    s = article.source
    return dict(
        title=s.title,
        outlet=s.outlet,
        author=s.author,
        published=s.published,
        url=s.url,
        language=article.language,
    )


def test_the_writer_writes_what_the_loader_reads(articles) -> None:
    for article in articles:
        text = format_article(_meta(article), _blocks(article))
        back = parse_article(text, f"{article.id}.md")
        assert back.source == article.source
        assert back.language == article.language
        assert (back.paragraphs, back.subheads) == (article.paragraphs, article.subheads)
        # The committed files were written by it: the same bytes come out.
        assert text == Path(article.path).read_text("utf-8")


def test_the_writer_quotes_what_yaml_would_misread() -> None:
    meta = {
        "title": 'Tokayev: "yes" — #1, [really]',
        "outlet": "- RFE/RL: blog",
        "author": "",
        "published": "2019-06-10",
        "url": "https://x.test/a?b=1&c=2#d",
        "language": "en",
    }
    back = parse_article(format_article(meta, [Block("#MeToo reached Almaty.")]), "a.md")
    assert back.source == Source(
        'Tokayev: "yes" — #1, [really]', "- RFE/RL: blog", meta["url"], "2019-06-10", ""
    )
    assert back.paragraphs == ("#MeToo reached Almaty.",)
    with pytest.raises(ValueError, match="heading"):
        format_article(meta, [Block("## Not a paragraph")])


def test_notice_names_each_article_s_file_outlet_and_url(articles) -> None:
    # The articles are quoted third-party works: NOTICE says whose each one is.
    notice = (ROOT / "NOTICE").read_text(encoding="utf-8")
    for article in articles:
        assert f"corpus/{Path(article.path).name}" in notice, article.path
        assert article.source.url in notice, article.path
        outlet = article.source.outlet.split(",")[0].split(" (")[0]  # "RFE/RL", "CABAR.asia"
        assert outlet in notice, article.path
