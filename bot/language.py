"""Questions written in another language than English: the bot says it reads English for now.

Two checks, both cheap. A message mostly in another script (Cyrillic, Arabic, Chinese, ...) is
told so before any search, by Unicode script alone. A message in Latin letters is searched
first: only when the articles seem not to answer it is it asked whether it is English at all,
so a real English question is never turned away. That second check uses lingua's
statistical detector with the words that give English away (stop words, question words)
counted beside it, because a short question ("What slogan was on the marathon banner?") can
look German to trigrams.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from retrieval.lexical import stop_words
from retrieval.names import names_in

LATIN = "LATIN"
CYRILLIC = "CYRILLIC"
# Latin-script languages lingua weighs English against: Europe's most spoken, and Turkish and
# Azerbaijani, which stand in for Kazakh and Uzbek in Latin letters (lingua has neither).
# In low-accuracy mode (trigrams) they take 19 MB and 0.1 s to load, 0.1 ms a message; all
# its Latin-script languages would take 60 MB and 0.7 s, for no better an English-or-not.
CANDIDATES = (
    "ENGLISH", "FRENCH", "GERMAN", "SPANISH", "ITALIAN", "PORTUGUESE", "DUTCH", "POLISH",
    "ROMANIAN", "TURKISH", "AZERBAIJANI", "INDONESIAN",
)  # fmt: skip
# English function words (the, of, what, did, ...) are most of a short English question's
# words; a question in another language has few or none of them, whatever lingua says.
MIN_ENGLISH_SHARE = 0.5
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def script(text: str) -> str | None:
    """The script most of the letters of `text` are written in, when it is not Latin.

    "Кто победил на выборах?" is CYRILLIC; "What did Токаев promise?" (a name typed in
    Cyrillic) is mostly Latin, so None: the name is transliterated and the question searched.
    """
    counts: dict[str, int] = {}
    for char in text:
        if char.isalpha():
            # "CYRILLIC SMALL LETTER KA", "LATIN CAPITAL LETTER A WITH ACUTE", ...
            block = unicodedata.name(char, "?").split(" ", 1)[0]
            counts[block] = counts.get(block, 0) + 1
    letters = sum(counts.values())
    if not letters or counts.get(LATIN, 0) * 2 >= letters:
        return None
    return max(counts, key=counts.__getitem__)


def looks_foreign(text: str) -> bool:
    """Whether Latin-script `text` is written in another language than English.

    Names are left out first (Oyan Qazaqstan reads as Turkish); then the text is foreign when
    lingua's likeliest language is not English and fewer than half its words are English
    function words.
    """
    shown = " ".join(text.split())
    for name in names_in(shown):
        shown = shown.replace(name, " ")
    words = [w.lower().replace("’", "'") for w in _WORD.findall(shown)]
    if not words:
        return False
    english = stop_words()
    if sum(w in english for w in words) >= MIN_ENGLISH_SHARE * len(words):
        return False
    likeliest = _detector().detect_language_of(shown)
    return likeliest is not None and likeliest.name != "ENGLISH"


@functools.cache
def _detector() -> Any:
    """lingua's detector for `CANDIDATES`, loaded on first use (most messages never need it)."""
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in CANDIDATES]
    builder = LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode()
    return builder.with_preloaded_language_models().build()
