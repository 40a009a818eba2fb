"""The terminal chat: when it stops, and bold that is bold on a terminal and plain in a pipe."""

from __future__ import annotations

import io

import pytest

from bot.chat import run_chat, styled
from bot.config import Settings
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
