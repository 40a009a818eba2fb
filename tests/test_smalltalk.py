"""Small talk is read from data: whole messages of its phrases get a reply, questions a search."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import answer
from retrieval.smalltalk import DATA, SmallTalk, default


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("hi", "greeting"),
        ("Hello there, bot!", "greeting"),
        ("Good evening 👋", "greeting"),
        ("thanks!", "thanks"),
        ("Thank you so much for the help", "thanks"),
        ("ok, great", "thanks"),
        ("bye", "goodbye"),
        ("See you later!", "goodbye"),
        ("Who are you?", "about"),
        ("what can you do", "about"),
        ("Hi! Who are you?", "about"),  # the kind listed first in the file answers
        ("help", "about"),
        # Texting shorthand is read as the words it stands for (retrieval/data/texting.txt).
        ("hi how r u today", "greeting"),
        ("thx!!", "thanks"),
        ("thank u", "thanks"),
        ("Thanks, that's all for now!", "thanks"),
        ("whats up", "greeting"),
        ("hey how's your day going?", "greeting"),
        ("hey hows your day going", "greeting"),
        ("Hi, how have you been?", "greeting"),
        ("nice to meet you!", "greeting"),
        ("hey how's it going today?", "greeting"),
        ("Good evening, how are you doing tonight?", "greeting"),
        # Russian and Kazakh courtesies typed in Latin letters
        ("privet!", "greeting"),
        ("spasibo bolshoe", "thanks"),
        ("rakhmet", "thanks"),
        ("poka", "goodbye"),
        # what the articles hold, asked of them all, is told what the bot is
        ("what are the articles about?", "about"),
        ("summary pls", "about"),
        ("tell me everything", "about"),
    ],
)
def test_small_talk_gets_its_kind(message: str, kind: str) -> None:
    reading = default().read(message)
    assert reading.kind is not None and reading.kind.name == kind


@pytest.mark.parametrize(
    ("message", "question"),
    [
        ("hi, who won the election?", "who won the election?"),
        ("Hello there! What was the turnout?", "What was the turnout?"),
        ("Thanks, and who founded it?", "and who founded it?"),
        # Phrases of kinds that don't open questions never cut one short.
        ("Who are you voting for?", "Who are you voting for?"),
        ("Thanks! Who are you voting for?", "Who are you voting for?"),
        ("help me understand who won", "help me understand who won"),
        ("Were there protests?", "Were there protests?"),
        ("summary of the protests?", "summary of the protests?"),
        ("and in Almaty?", "and in Almaty?"),
        ("Hi Tokayev", "Tokayev"),
        # A greeting in shorthand is still cut where the shorthand ends.
        ("hey how r u, who won?", "who won?"),
        ("u there? who won", "u there? who won"),
        ("privet, who won?", "who won?"),
    ],
)
def test_questions_are_searched_without_a_greeting(message: str, question: str) -> None:
    reading = default().read(message)
    assert reading.kind is None and reading.question == question


def test_every_kind_has_a_reply_and_the_replies_are_valid_html() -> None:
    talk = default()
    assert set(talk.kinds) == {"about", "thanks", "goodbye", "greeting"}
    for kind in talk.kinds.values():
        reply = answer.small_talk_reply(kind.reply, kind.examples, "seed")
        assert reply.html and len(reply.buttons) == kind.examples
    about = talk.kinds["about"]
    assert "/help" in about.reply and about.examples == 2


def test_the_phrases_are_data(tmp_path: Path) -> None:
    """A new way of saying hello is a line in the file, not code."""
    path = tmp_path / "small_talk.yaml"
    path.write_text(DATA.read_text(encoding="utf-8").replace("      - hiya\n", "      - ahoy\n"))
    assert SmallTalk.load(path).read("Ahoy!").kind.name == "greeting"
    assert default().read("Ahoy!").kind is None
