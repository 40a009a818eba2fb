"""Questions in another language: told apart by script, or (Latin letters) by lingua and words."""

from __future__ import annotations

import pytest

from bot import answer, language


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("Кто победил на выборах?", "CYRILLIC"),
        ("Сайлауда кім жеңді?", "CYRILLIC"),  # Kazakh
        ("من فاز في الانتخابات؟", "ARABIC"),
        ("谁赢得了选举？", "CJK"),
        ("What did Токаев promise?", None),  # a name in Cyrillic: the question is English
        ("Who won?", None),
        ("2019?", None),
    ],
)
def test_script_of_most_letters(text: str, script: str | None) -> None:
    assert language.script(text) == script


@pytest.mark.parametrize(
    "text",
    [
        "Qui a gagné l'élection présidentielle?",
        "¿Quién ganó las elecciones en Kazajistán?",
        "Wer hat die Wahl gewonnen?",
        "Chi ha vinto le elezioni?",
        "Saylauda kim jeńdi?",
        "Kto pobedil na vyborakh?",
        "Wie viele Menschen wurden verhaftet?",
        "Cuántas personas fueron detenidas?",
    ],
)
def test_other_languages_in_latin_letters(text: str) -> None:
    assert language.looks_foreign(text)


@pytest.mark.parametrize(
    "text",
    [
        "What slogan was on the marathon banner?",  # German to lingua's trigrams alone
        "What is the best pizza recipe?",
        "Who won the football World Cup in 2018?",
        "Oyan Qazaqstan",  # a name, and nothing else to judge by
        "What does 'Men oyandym' mean?",
        # a link or an address is no language (the first read as Indonesian)
        "https://rferl.org",
        "www.rferl.org/a/hectic-times",
        "see thediplomat.com",
        "write to press@cabar.asia",
        # typed as into a search box: no function words, names in lower case (lingua read
        # all three as another language)
        "kosanov age?",
        "inauguration date",
        "odihr mission chief",
    ],
)
def test_english_is_english(text: str) -> None:
    assert not language.looks_foreign(text)


def test_cyrillic_is_answered_in_russian_and_english_with_examples() -> None:
    reply = answer.language_reply("CYRILLIC", "Кто победил?")
    assert reply.html.startswith(answer.OTHER_LANGUAGE_RU)
    assert answer.OTHER_LANGUAGE in reply.html and len(reply.buttons) == 2
    assert answer.NO_ANSWER not in reply.plain
    latin = answer.language_reply("LATIN", "Qui a gagné?")
    assert (
        latin.html.startswith(answer.OTHER_LANGUAGE) and answer.OTHER_LANGUAGE_RU not in latin.html
    )
