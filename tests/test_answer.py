"""The pure answer formatter: escaping, highlighting, sources and Telegram's limits."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import answer
from bot.answer import (
    MAX_MESSAGE_UNITS,
    NO_ANSWER,
    Button,
    answer_reply,
    no_answer_reply,
    passage_html,
    shorten,
    shorten_start,
    sources_reply,
    utf16_len,
)
from retrieval.records import Hit, Source
from tests.botapi_stub import parse_html

SOURCE = Source('Tokayev "wins" <big> & more', "Reuters", "https://r.test/a?x=1&y=2", "2019-06-10")


def hit(text: str, best: str = "", source: Source = SOURCE, pid: int = 1) -> Hit:
    return Hit(text, 0.9, source, passage_id=pid, best_sentence=best)


def accepted(message_html: str) -> str:
    """The text Telegram would show; fails the test where Telegram would refuse the message."""
    visible, _ = parse_html(message_html)
    assert 0 < utf16_len(visible) <= MAX_MESSAGE_UNITS
    return visible


def test_escapes_question_passage_and_source_and_bolds_the_best_sentence() -> None:
    passage = hit('He said <b>"yes"</b> & left. Tokayev won. <script>x</script>', "Tokayev won.")
    reply = answer_reply('Who <won> & "why"?', [passage])
    assert "Who &lt;won&gt; &amp; &quot;why&quot;?" in reply.html
    assert (
        "He said &lt;b&gt;&quot;yes&quot;&lt;/b&gt; &amp; left. <b>Tokayev won.</b>" in reply.html
    )
    assert '<a href="https://r.test/a?x=1&amp;y=2">Reuters — Tokayev &quot;wins&quot; &lt;big' in (
        reply.html
    )
    visible = accepted(reply.html)
    assert 'Reuters — Tokayev "wins" <big> & more, 10 June 2019' in visible
    _, entities = parse_html(reply.html)
    bold = next(e for e in entities if e.type == "bold")
    assert visible[bold.offset : bold.offset + bold.length] == "Tokayev won."


def test_source_without_headline_shows_the_outlet_only() -> None:
    bare = Source("", "Eurasianet", "https://e.test", "2019-06-11T08:00:00Z")
    assert "Eurasianet, 11 June 2019" in accepted(passage_html(hit("Text.", source=bare)))
    assert " — " not in accepted(passage_html(hit("Text.", source=bare)))


def test_plain_answer_for_the_cli_quotes_and_cites() -> None:
    text = answer.plain_answer("who?", [hit("A. Tokayev won. B.", "Tokayev won.")])
    assert "**Tokayev won.**" in text and "Reuters" in text and "https://r.test/a?x=1&y=2" in text
    assert answer.plain_answer("who?", []).startswith(NO_ANSWER)


def test_plain_passages_are_quoted_once_even_when_they_open_or_close_with_a_quote() -> None:
    plain = answer.passage_plain(hit("Tokayev won. He said it.", "Tokayev won."))
    assert plain.startswith("  “**Tokayev won.** He said it.”\n")
    own = answer.passage_plain(hit("“We will win,” he said. “Vote!”"))
    assert own.startswith("  “We will win,” he said. “Vote!”\n")
    assert "““" not in own and "””" not in own


def test_an_excerpt_that_starts_or_stops_inside_a_quotation_gets_its_missing_mark() -> None:
    # The passage starts after the opening of a quotation, so the article's own closing mark
    # seemed to close ours: "“… within a month).” On May 6, …”".
    text = "The authorities are panicking (within a month).” On May 6, Aslan held a banner."
    visible = accepted(answer_reply("q", [hit(text, "On May 6, Aslan held a banner.")]).html)
    assert "“The authorities are panicking (within a month).” On May 6, Aslan" in visible
    plain = answer.passage_plain(hit(text, "On May 6, Aslan held a banner."))
    assert plain.startswith("  “‘The authorities are panicking (within a month).’ **On May 6,")
    assert answer.balanced(("He said: “We will", "", "")) == ("He said: “We will”", "", "")
    assert answer.balanced(("", "“Yes,” he said.", "")) == ("", "“Yes,” he said.", "")
    # The key sentence opening the excerpt with its own quotation, closed later: made whole,
    # and not quoted twice.
    opened = hit("“So far, he is interim. Tight.” It is. More words.", "“So far, he is interim.")
    assert answer_reply("q", [opened]).plain.startswith(
        "From the articles, on q:\n\n  **“So far, he is interim.** Tight.”\n"
    )
    assert answer.passage_plain(opened).startswith(
        "  “**‘So far, he is interim.** Tight.’ It is. More words.”\n"
    )
    # A quotation that opens the passage but does not close it is nested inside ours.
    nested = answer.passage_plain(hit("“We will win,” he said."))
    assert nested.startswith("  “‘We will win,’ he said.”\n")


def test_no_best_sentence_bolds_nothing() -> None:
    assert "<b>" not in answer_reply("q", [hit("Some passage.")]).html


def test_long_passages_are_shortened_at_word_boundaries_keeping_the_best_sentence() -> None:
    text = "lead " * 900 + "Tokayev won the vote. " + "tail " * 900
    hits = [hit(text, "Tokayev won the vote.", pid=i) for i in range(3)]
    reply = answer_reply("who won", hits, more_data="m:abcdefgh:3")
    visible = accepted(reply.html)
    assert utf16_len(visible) > MAX_MESSAGE_UNITS - 200  # the space is used, not wasted
    # Three glances, and the three passages behind a tap, each keeping its key sentence.
    assert reply.html.count("<b>Tokayev won the vote.</b>") == 6
    assert reply.html.count("<blockquote expandable>") == 3
    assert "…lead" in visible and "tail…" in visible
    assert "lea…" not in visible and "tai…" not in visible


LONG = (
    "The commission met on Monday. It counted the ballots from every region overnight. "
    "Tokayev won with 70.76 per cent. Observers said the count was not transparent. "
    "Protests followed in Almaty and Nur-Sultan."
)


def test_a_glance_is_the_key_sentence_and_one_neighbour_the_rest_behind_a_tap() -> None:
    reply = answer_reply("Who won?", [hit(LONG, "Tokayev won with 70.76 per cent.")])
    shown = (
        "<blockquote>It counted the ballots from every region overnight. "
        "<b>Tokayev won with 70.76 per cent.</b></blockquote>"
    )
    assert shown in reply.html
    whole = re.search(r"<blockquote expandable>(.*?)</blockquote>", reply.html)[1]
    assert parse_html(whole)[0] == LONG and "<b>Tokayev won with 70.76 per cent.</b>" in whole
    visible = accepted(reply.html)
    assert visible.count("Protests followed") == 1  # only behind the tap
    _, entities = parse_html(reply.html)
    assert [e.type for e in entities if "blockquote" in e.type] == [
        "blockquote",
        "expandable_blockquote",
    ]


def test_a_glance_takes_the_sentence_after_when_the_key_one_opens_the_passage() -> None:
    (glance,) = answer.glances([hit(LONG, "The commission met on Monday.")])
    assert glance == ("", "The commission met on Monday.", " It counted the ballots from every "
                      "region overnight.")  # fmt: skip


def test_context_stops_at_the_word_budget_and_key_sentences_are_never_cut() -> None:
    hits = [hit(LONG, "Tokayev won with 70.76 per cent.", pid=i) for i in range(3)]
    # Key sentences of 6 words each; the sentence before is 8 words, the one after 7.
    for budget, with_context in ((24, 0), (25, 1), (26, 1), (34, 2), (42, 3)):
        shown = answer.glances(hits, budget)
        assert [best for _, best, _ in shown] == ["Tokayev won with 70.76 per cent."] * 3
        assert [bool(before or after) for before, _, after in shown] == [
            i < with_context for i in range(3)
        ]  # the best hit first
        assert sum(answer.word_count("".join(g)) for g in shown) <= budget
    assert answer.glances(hits, 26)[0][0] and not answer.glances(hits, 25)[0][0]
    assert answer.glances(hits, 0) == [("", "Tokayev won with 70.76 per cent.", "")] * 3


def test_a_passage_no_longer_than_its_glance_has_nothing_behind_a_tap() -> None:
    reply = answer_reply("q", [hit("Tokayev won. He said so.", "Tokayev won.")])
    assert "expandable" not in reply.html and not answer.glanced(
        [hit("Tokayev won.", "Tokayev won.")]
    )
    keyless = answer_reply("q", [hit("First sentence here. Second one there.")])
    assert "<blockquote>First sentence here.</blockquote>" in keyless.html
    assert "<b>" not in keyless.html


def test_visible_words_leave_out_expandable_quotes_and_lone_dashes() -> None:
    message = (
        "A — b c\n<blockquote expandable>d e f</blockquote>\n<blockquote>g <b>h</b></blockquote>"
    )
    assert answer.visible_words(message) == 5
    reply = answer_reply("Who won?", [hit(LONG, "Tokayev won with 70.76 per cent.")])
    everything = answer.word_count(accepted(reply.html))
    assert answer.visible_words(reply.html) == everything - answer.word_count(LONG)


def test_the_header_repeats_the_question_only_when_something_else_was_searched() -> None:
    one = [hit(LONG, "Tokayev won with 70.76 per cent.")]
    assert answer_reply("Who won?", one, asked=" Who  won? ").html.startswith("From the articles:")
    carried = answer_reply("Where does Mukhtar Ablyazov live?", one, asked="Where does he live?")
    assert carried.html.startswith("From the articles, on <i>Where does Mukhtar Ablyazov live?</i>")
    assert answer_reply("Who won?", one, continued=True, asked="Who won?").html.startswith(
        "More on <i>Who won?</i>"
    )
    fixed = answer_reply("how many people were detained??!", one, asked="how many ppl detained??!")
    assert fixed.html.startswith("From the articles, on <i>how many people were detained?</i>:")


def test_the_source_line_under_a_quote_is_short_and_dated_by_month_when_that_is_all() -> None:
    long = Source(
        "The Biggest Loser In The Kazakh Presidential Election Could Be The Government's "
        "Reputation", 'RFE/RL, blog "Qishloq Ovozi"', "https://rferl.test/a", "2019-06",
    )  # fmt: skip
    assert answer.source_line(long)[1] == "RFE/RL — The Biggest Loser In The Kazakh…, June 2019"
    assert answer.source_html(long)[1].startswith('RFE/RL, blog "Qishloq Ovozi" — The Biggest')
    untitled = Source("", "CABAR.asia, Opinion section", "https://c.test", "2019-06")
    assert answer.source_line(untitled)[1] == "CABAR.asia, Opinion section, June 2019"


def test_emoji_count_twice_toward_the_limit() -> None:
    accepted(answer_reply("q", [hit("😀" * 5000, pid=i) for i in range(3)]).html)


def test_shorten_never_breaks_words_or_emoji_sequences() -> None:
    assert shorten("one two three four", 12) == "one two…"
    assert shorten_start("one two three four", 12) == "…three four"
    family = "👨‍👩‍👧" * 10
    cut = shorten(family, 9)
    assert utf16_len(cut) <= 9 and not cut.removesuffix("…").endswith("\u200d")


def test_callback_data_is_at_most_64_bytes() -> None:
    with pytest.raises(ValueError):
        Button("More", "m:" + "é" * 32)
    reply = answer_reply("q", [hit("t")], more_data=answer.more_callback("x" * 24, 9999))
    assert all(len(b.callback_data.encode()) <= 64 for b in reply.buttons)
    assert answer.parse_more(reply.buttons[0].callback_data) == ("x" * 24, 9999)
    assert answer.parse_more("m:../etc:1; drop") is None
    assert answer.parse_example("ex:99") is None


def test_an_answer_carries_more_and_the_votes_in_one_row() -> None:
    key = "x" * 24  # the longest key the data allows
    reply = answer_reply("q", [hit("t")], more_data=answer.more_callback(key, 3), vote_key=key)
    assert reply.one_row and [b.text for b in reply.buttons] == ["More ›", "👍", "👎"]
    assert [answer.parse_vote(b.callback_data) for b in reply.buttons[1:]] == [(key, 1), (key, -1)]
    assert all(len(b.callback_data.encode()) <= 64 for b in reply.buttons)
    assert answer_reply("q", [hit("t")]).buttons == ()  # the terminal chat: no votes
    assert "👍" not in reply.plain
    assert answer_reply("q", [], vote_key=key).buttons == no_answer_reply("q").buttons


def test_vote_data_is_checked() -> None:
    for forged in (
        "v:abc:2",
        "v::+",
        "v:a/b:+",
        "v:abc:+ ",
        "v:abc:+\n",
        "m:abc:1",
        "v:" + "a" * 25 + ":-",
        None,
    ):
        assert answer.parse_vote(forged) is None, forged


def test_the_keyboard_shows_the_vote_and_keeps_the_votes_when_more_is_pressed() -> None:
    key = "k1"
    rows = [[Button("More ›", answer.more_callback(key, 3)), *answer.vote_buttons(key)]]
    voted = answer.with_vote(rows, key, 1)
    assert [b.text for b in voted[0]] == ["More ›", "👍 ✓", "👎"]
    changed = answer.with_vote(voted, key, -1)
    assert [b.text for b in changed[0]] == ["More ›", "👍", "👎 ✓"]
    assert answer.with_vote(rows, "other", 1) == rows  # another answer's votes
    assert [[b.text for b in row] for row in answer.without_more(changed)] == [["👍", "👎 ✓"]]
    assert answer.without_more([[Button("More ›", answer.more_callback(key, 3))]]) == []


def test_no_answer_is_one_honest_line_and_two_examples() -> None:
    reply = no_answer_reply("What about <Paris>?")
    assert accepted(reply.html).splitlines()[0] == NO_ANSWER
    assert len(reply.buttons) == 2 and "<blockquote>" not in reply.html
    assert answer_reply("What about <Paris>?", []).html == reply.html
    assert answer_reply("x", []).plain.startswith(NO_ANSWER)


def test_start_help_and_sources_are_valid_html() -> None:
    sources = [SOURCE, Source("", "RFE/RL", "javascript:alert(1)", "")]
    for reply in (answer.start_reply(sources), answer.help_reply("bot"), sources_reply(sources)):
        accepted(reply.html)
    assert len(answer.start_reply(sources).buttons) == 3
    assert 'href="javascript' not in sources_reply(sources).html
    assert len(answer.EXAMPLE_QUESTIONS) in (5, 6)


@pytest.mark.parametrize(
    ("question", "now"),
    [
        ("what is kossanov doing these days?", True),
        ("Is Nazarbayev still alive?", True),
        ("where does ablyazov live now?", True),
        ("Is Oyan Qazaqstan currently active?", True),
        ("Who won the election?", False),
        ("Now that the vote is over, what did observers say?", False),  # chatter, not the ask
        ("I still follow the news. Who won?", False),
    ],
)
def test_a_question_on_how_things_stand_now_is_told_when_the_articles_were_written(
    question: str, now: bool
) -> None:
    assert (answer.since_note(question) == answer.SINCE) is now


def test_long_question_is_clipped_with_a_note() -> None:
    question, note = answer.clip_question("word " * 400, 500)
    assert len(question) <= 500 and "500" in note
    assert answer.clip_question("short?", 500) == ("short?", "")


# Any text Telegram users or articles could contain: markup, emoji, RTL, zero-width, huge.
TOKENS = [
    *"<>&\"'; /=#x",
    "&amp;",
    "<b>",
    "</b>",
    "&#",
    "\u200b",
    "\u200d",
    "\u202e",
    "\ufe0f",
    "مرحبا",
    "שלום",
    "😀",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\n",
    " ",
]
nasty = st.lists(
    st.one_of(st.sampled_from(TOKENS), st.characters(codec="utf-8")), max_size=300
).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question=nasty, texts=st.lists(nasty, min_size=1, max_size=4), data=st.data())
def test_any_text_gives_a_message_telegram_accepts(question, texts, data) -> None:
    hits = []
    for i, text in enumerate(texts):
        text = text * data.draw(st.sampled_from([1, 1, 25]))  # up to ~10,000 characters
        best = data.draw(st.sampled_from(["", text[: len(text) // 2], "not in it"]))
        source = Source(data.draw(nasty), data.draw(nasty), "https://x.test/?q=" + text[:20], "")
        hits.append(hit(text, best, source, pid=i))
    reply = answer_reply(question * 25, hits, more_data="m:k:3", note=question)
    accepted(reply.html)
    for one in hits:
        accepted(passage_html(one))
    accepted(no_answer_reply(question).html)


def test_sources_are_listed_newest_first_with_readable_dates() -> None:
    sources = [
        Source("Old", "A", "https://a.test/1", "2019-05"),
        Source("Undated", "B", "https://b.test/2", ""),
        Source("New", "C", "https://c.test/3", "2019-06-12"),
        Source("Month", "D", "https://d.test/4", "2019-06"),
    ]
    lines = accepted(sources_reply(sources).html).splitlines()
    assert lines[1:] == [
        "1. C — New, 12 June 2019",
        "2. D — Month, June 2019",
        "3. A — Old, May 2019",
        "4. B — Undated",
    ]
    assert sources_reply(sources).plain.splitlines()[1] == "1. C — New, 12 June 2019"


WHOM = (
    "Qosanov criticised the shutdown on May 1. After that, he was mainly quiet. "
    "He readily accepted the results. The protests went on."
)


def test_a_key_sentence_about_him_shows_who_he_is_whatever_the_budget() -> None:
    (glance,) = answer.glances([hit(WHOM, "He readily accepted the results.")], budget=0)
    assert glance == (
        "Qosanov criticised the shutdown on May 1. After that, he was mainly quiet. ",
        "He readily accepted the results.",
        "",
    )
    # Named further back than two sentences: the usual neighbour, within the budget.
    farther = "Qosanov spoke. It rained. Nothing else happened. He readily accepted the results."
    (glance,) = answer.glances([hit(farther, "He readily accepted the results.")], budget=0)
    assert glance == ("", "He readily accepted the results.", "")
    # Not a pronoun for a person: the usual neighbour.
    (glance,) = answer.glances([hit(WHOM, "The protests went on.")], budget=0)
    assert glance == ("", "The protests went on.", "")


def test_the_questions_the_articles_do_not_cover_are_named_in_the_note() -> None:
    assert answer.set_aside_note(()) == ""
    assert answer.set_aside_note(["Is it sunny?", "Where can I eat?"]) == (
        "The articles don't cover “Is it sunny?” “Where can I eat?”"
    )
    long = "What will the weather be like " + "and then " * 30 + "in Almaty?"
    note = answer.set_aside_note([long])
    assert len(note) < len(long) and note.endswith("…”")
