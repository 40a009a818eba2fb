"""The terminal chat: the bot's answers as plain text, 'more' as the bot's tap and button."""

from __future__ import annotations

import io

from bot import answer
from bot.chat import run_chat
from tests.botapi_stub import FakeRetriever, bot_settings


def chat(*lines: str, retriever: FakeRetriever | None = None) -> list[str]:
    """What the chat printed after each line typed (the intro left out)."""
    out = io.StringIO()
    run_chat(
        bot_settings("http://127.0.0.1:9"),
        retriever or FakeRetriever(),
        io.StringIO("".join(f"{line}\n" for line in lines)),
        out,
    )
    turns = [turn.strip() for turn in out.getvalue().split("\n? ")[1:]]
    return turns[:-1]  # the last prompt, answered by the end of the input


def test_more_shows_the_quotes_whole_then_further_passages() -> None:
    turns = chat("Were there protests and detentions?", *["more"] * 5)
    first, whole, further, _, last, nothing = turns
    assert first.startswith("From the articles:") and first.count("**") == 6
    assert first.endswith("(type 'more' for the whole passages)")
    assert "others jailed for up to 15 days." not in first
    assert whole.startswith("In full, on Were there protests and detentions?:")
    assert "others jailed for up to 15 days." in whole
    assert whole.endswith("(type 'more' for more passages)")
    assert further.startswith("More on Were there protests and detentions?:")
    assert further.count("**") == 6
    # The last passage is short enough to be shown whole: the next 'more' finds nothing left.
    assert last.startswith("More on") and "(type 'more'" not in last
    assert nothing == answer.NOTHING_MORE


def test_more_before_any_question_asks_for_one() -> None:
    assert chat("more")[0] == "Ask a question first."
