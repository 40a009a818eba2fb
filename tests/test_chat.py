"""The terminal chat: when it stops, bold on a terminal and plain in a pipe, and 'more' as the
bot's tap and button."""

from __future__ import annotations

import dataclasses
import io

import pytest

from bot import answer
from bot.chat import run_chat, styled
from bot.config import Settings
from retrieval.records import SearchResult
from tests.botapi_stub import PASSAGES, FakeRetriever

QUESTION = "How many protesters were detained?"
BEST = next(best for _, text, best in PASSAGES if best and "detained" in text)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def chat(typed: str, output: io.StringIO | None = None) -> str:
    output = output if output is not None else io.StringIO()
    run_chat(Settings.from_values(), FakeRetriever(), io.StringIO(typed), output)
    return output.getvalue()


def test_an_empty_line_does_not_end_the_chat_quit_exit_and_eof_do() -> None:
    answered = chat(f"\n   \n{QUESTION}\n")
    assert BEST in answered
    for leave in ("quit", "exit", "QUIT"):
        assert BEST not in chat(f"{leave}\n{QUESTION}\n"), leave


def test_piped_the_answer_is_plain_text_without_stars_or_escapes() -> None:
    out = chat(f"{QUESTION}\n")
    assert BEST in out and f"**{BEST}**" not in out
    assert "\x1b[" not in out


def test_on_a_terminal_the_best_sentence_is_bold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)
    out = chat(f"{QUESTION}\n", Terminal())
    assert f"\x1b[1m{BEST}\x1b[0m" in out
    assert "**" not in out


def test_styled_keeps_the_text_and_bolds_only_the_marked_spans() -> None:
    text = styled("before **one** middle **two** after [b]not markup[/b] :smile:")
    assert text.plain == "before one middle two after [b]not markup[/b] :smile:"
    bold = [text.plain[s.start : s.end] for s in text.spans if s.style == "bold"]
    assert bold == ["one", "two"]


def turns(*lines: str) -> list[str]:
    """What the chat printed after each line typed (the intro left out), on a terminal:
    bold spans start with ESC[1m."""
    out = Terminal()
    run_chat(
        Settings.from_values(), FakeRetriever(), io.StringIO("".join(f"{x}\n" for x in lines)), out
    )
    said = [turn.strip() for turn in out.getvalue().split("\n? ")[1:]]
    return said[:-1]  # the last prompt, answered by the end of the input


def test_more_shows_the_quotes_whole_then_further_passages(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TERM", "xterm-256color")
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)
    first, whole, further, _, last, nothing = turns(
        "Were there protests and detentions?", *["more"] * 5
    )
    bold = "\x1b[1m"

    def quotes(turn: str) -> int:  # each quote carries one source line, and something bold
        return sum(line.strip().startswith("— ") for line in turn.splitlines())

    assert first.startswith("From the articles:") and quotes(first) == 3 and bold in first
    assert first.endswith("(type 'more' for the whole passages)")
    assert "others jailed for up to 15 days." not in first
    assert whole.startswith("In full, on Were there protests and detentions?:")
    assert "others jailed for up to 15 days." in whole
    assert whole.endswith("(type 'more' for more passages)")
    assert further.startswith("More on Were there protests and detentions?:")
    assert quotes(further) == 3 and bold in further
    # The last passage is short enough to be shown whole: the next 'more' finds nothing left.
    assert last.startswith("More on") and "(type 'more'" not in last
    assert nothing == answer.NOTHING_MORE


def test_more_before_any_question_asks_for_one() -> None:
    assert "Ask a question first." in chat("more\n")


def test_more_after_a_question_the_articles_do_not_answer_says_there_is_nothing() -> None:
    """'more' right after an answer glanced, then a refusal: nothing to show whole."""
    _, refused, more = turns("Were there protests and detentions?", "Best pizza dough?", "more")
    assert "don't cover that" in refused
    assert more == answer.NOTHING_MORE


def test_a_question_on_how_things_stand_now_is_answered_with_a_note_on_when() -> None:
    out = chat("How many protesters are still detained now?\n")
    assert answer.SINCE in out and BEST in out
    assert answer.SINCE not in chat(f"{QUESTION}\n")


def test_a_question_of_the_message_the_articles_do_not_cover_is_named_above_the_answer() -> None:
    class SetsAside(FakeRetriever):
        def search_with_reason(self, question: str, k: int) -> SearchResult:
            aside = "What's the weather in Almaty?"
            found = super().search_with_reason(question.replace(aside, ""), k)
            return dataclasses.replace(found, set_aside=(aside,) if aside in question else ())

    out = io.StringIO()
    typed = f"What's the weather in Almaty? {QUESTION}\nmore\n{QUESTION}\n"
    run_chat(Settings.from_values(), SetsAside(), io.StringIO(typed), out)
    note = "The articles don't cover “What's the weather in Almaty?”"
    first, whole, alone = out.getvalue().split("? ")[1:4]
    assert first.splitlines()[:2] == ["From the articles:", note] and BEST in first
    assert note not in whole and note not in alone  # said of its own answer only
