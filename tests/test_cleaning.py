"""Cleaning of captured page text: boilerplate, repeats, copies, subheads."""

from __future__ import annotations

import re

import pytest

from retrieval.cleaning import (
    Block,
    clean_page,
    collapse_repeats,
    contained_share,
    drop_contained,
    is_boilerplate,
    load_patterns,
    normalize_space,
    split_lines,
)


@pytest.fixture(scope="module")
def patterns() -> list[re.Pattern[str]]:
    return load_patterns()


@pytest.mark.parametrize(
    "line",
    [
        "Accessibility links",
        "Breaking News",
        "Load more",
        "Follow us on LinkedIn",
        "На русском",
        "Recent Features",
        "Blog Archive",
        "About This Blog",
        "Credit: AP Photo/Vladimir Tretyakov",
        "Yevgeny Zhovtis. Photo: Yaroslav Radlovsky",
        "© CABAR - Central Asian Bureau for Analytical Reporting",
        "Please make active links to the source, when using materials from this website",
        "See also: Kazakhstan: From a Marathon Banner to Protest Consolidation",
        "If you have found a spelling error, please, notify us by selecting that text.",
        "Publications in the Opinion section do not reflect the opinions of the editorial staff.",
        "The views expressed in this blog post do not necessarily reflect those of RFE/RL",
        "Qishloq Ovozi is a blog by RFE/RL Central Asia specialist Bruce Pannier that aims.",
        "Majlis Podcast: Turkmenistan Singled Out Over Enforced Disappearances",
        "0:00 0:39:17 0:00",
    ],
)
def test_boilerplate_lines_match(patterns: list[re.Pattern[str]], line: str) -> None:
    assert is_boilerplate(line, patterns)


@pytest.mark.parametrize(
    "line",
    [
        "Wake up, Kazakhstan.",
        "A French Revolution?",
        "A blow to the image",
        # Mentions of the same words inside article sentences must survive: whole-line match.
        "Photos showed people of all ages in the demonstrations.",
        "Police continued to detain people on June 10, including this video. See also: the map.",
        "The prosecutor-general said that about 500 people were detained. Credit: police.",
    ],
)
def test_article_lines_are_not_boilerplate(patterns: list[re.Pattern[str]], line: str) -> None:
    assert not is_boilerplate(line, patterns)


def test_pattern_file_skips_comments_and_blanks(tmp_path) -> None:
    path = tmp_path / "bp.txt"
    path.write_text("# a comment\n\nLoad more\n  # indented comment\nSee also:.*\n", "utf-8")
    assert [p.pattern for p in load_patterns(path)] == ["Load more", "See also:.*"]


def test_whitespace_is_normalised() -> None:
    assert normalize_space("  a\u00a0 b\tc  ") == "a b c"
    assert split_lines("one  two\n\n \n\u00a0three\n") == ["one two", "three"]


def test_immediately_repeated_lines_collapse() -> None:
    caption = "Police detain a man in Almaty."
    assert collapse_repeats([caption, caption, "Text.", "Head", "Head", "Head", "End."]) == [
        caption,
        "Text.",
        "Head",
        "End.",
    ]
    # Only immediate repeats: a later echo is left to drop_contained.
    assert collapse_repeats(["A.", "B.", "A."]) == ["A.", "B.", "A."]


def test_teaser_contained_in_a_later_paragraph_is_dropped() -> None:
    later = (
        "The most interesting stage is after the vote. On June 6, the president in his Twitter "
        "account wrote that the growth of the civil society was a natural process, and that "
        "a multiparty parliament was a way for political modernisation."
    )
    teaser = (
        "On June 6, president Tokayev in his Twitter account wrote that the growth of the civil "
        "society is a natural process, and that a multiparty parliament is a way for political "
        "modernisation."
    )
    other = "The presidential election held on June 9 in Kazakhstan was ambiguous."
    assert contained_share(teaser, later) >= 0.8
    assert drop_contained([teaser, other, later]) == [other, later]


def test_pull_quote_of_an_earlier_paragraph_is_dropped() -> None:
    quote = "The feeling is that the strategic centre is not controlled by the former president."
    para = f"I think it is due to the sole command. {quote} I have a feeling,” Zhovtis said."
    assert drop_contained([para, quote, "Next paragraph."]) == [para, "Next paragraph."]


def test_short_echoes_and_unrelated_paragraphs_are_kept() -> None:
    lines = [
        "Wake up, Kazakhstan.",
        "Oyan Qazaqstan (Wake Up, Kazakhstan) appeared on June 5, but its activists had been busy.",
        "Or this one from Nur-Sultan.",
        "Images of police were all over social media, whether from the capital, Nur-Sultan, or "
        "from this one city or that one from elsewhere.",
    ]
    assert drop_contained(lines) == lines


def test_identical_non_adjacent_paragraphs_keep_the_first() -> None:
    para = "Several thousand people around Kazakhstan demonstrated against the election."
    assert drop_contained([para, "Other text here.", para]) == [para, "Other text here."]


def test_subheads_are_kept_even_when_echoed() -> None:
    lines = ["A blow to the image", "Obviously, it is a disorganisation: a blow to the image."]
    assert drop_contained(lines, keep={"A blow to the image"}) == lines


def test_clean_page_end_to_end(patterns: list[re.Pattern[str]]) -> None:
    raw = "\n".join(
        [
            "Accessibility links",
            "",
            "The Headline",
            "",
            "Recent Features",
            "",
            "The Headline",
            "",
            "Police detain a man in Almaty on June 9.",
            "Police detain a man in Almaty on June 9.",
            "",
            "Credit: AP Photo/Someone",
            "",
            "First paragraph of the article.",
            "",
            "A French Revolution?",
            "",
            "Second  paragraph,\u00a0with a quote: “I don’t feel responsible.”",
            "Follow us on LinkedIn ",
        ]
    )
    blocks = clean_page(
        raw,
        patterns,
        title="The Headline",
        drop=["Police detain a man in Almaty on June 9."],
        subheads=["A French Revolution?"],
    )
    assert blocks == [
        Block("First paragraph of the article."),
        Block("A French Revolution?", subhead=True),
        Block("Second paragraph, with a quote: “I don’t feel responsible.”"),
    ]
