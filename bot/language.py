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
from typing import Any

from retrieval.lexical import stop_words
from retrieval.spelling import english_counts
from retrieval.transliteration import LATIN, script

__all__ = ["CYRILLIC", "LATIN", "looks_foreign", "script"]

CYRILLIC = "CYRILLIC"
# Latin-script languages lingua weighs English against: Europe's most spoken, and Turkish and
# Azerbaijani, which stand in for Kazakh and Uzbek in Latin letters (lingua has neither).
# In low-accuracy mode (trigrams) they take 19 MB and 0.1 s to load, 0.1 ms a message; all
# its Latin-script languages would take 60 MB and 0.7 s, for no better an English-or-not.
CANDIDATES = (
    "ENGLISH", "FRENCH", "GERMAN", "SPANISH", "ITALIAN", "PORTUGUESE", "DUTCH", "POLISH",
    "ROMANIAN", "TURKISH", "AZERBAIJANI", "INDONESIAN",
)  # fmt: skip
# A question a third or more of whose words are English function words (the, of, what, did, ...)
# is English whatever lingua says: its trigrams take "What slogan was on the marathon banner?"
# for German. Below that lingua decides. Of the 48 questions in tests/data that the articles
# don't answer (the only ones ever checked), none is taken for another language.
MIN_ENGLISH_SHARE = 1 / 3
# A message typed as into a search box has no function words ("inauguration date", "odihr
# mission chief"), and lingua takes a few words for anything: half or more of its words of
# MIN_WORD letters or more in symspellpy's English dictionary make it English. Shorter words
# are left out: "ha", "le" and "die" are English words too.
MIN_WORD = 3
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# A link or an address is no language: "https://rferl.org" alone read as Indonesian.
_LINK = re.compile(
    r"(?:https?://|www\.)\S+|\S+@\S+\.\w+|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}\b(?:/\S*)?", re.I
)


def looks_foreign(text: str) -> bool:
    """Whether Latin-script `text` is written in another language than English.

    Links and addresses are left out first, and capitalised words: names (Oyan Qazaqstan
    reads as Turkish), and a first word tells little. Then the text is foreign when lingua's
    likeliest language is not English, fewer than a third of its words are English
    function words (`MIN_ENGLISH_SHARE`) and fewer than half its longer words English ones
    (`MIN_WORD`).
    """
    text = _LINK.sub(" ", text)
    words = [w.lower().replace("’", "'") for w in _WORD.findall(text)]
    english = stop_words()
    if not words or sum(w in english for w in words) >= MIN_ENGLISH_SHARE * len(words):
        return False
    longer = [w for w in words if len(w) >= MIN_WORD]
    dictionary = english_counts()
    if longer and 2 * sum(w in dictionary for w in longer) >= len(longer):
        return False  # "kosanov age?", "odihr mission chief": English words, a name or not
    shown = " ".join(w for w in text.split() if not w[:1].isupper())
    likeliest = _detector().detect_language_of(shown)
    return likeliest is not None and likeliest.name != "ENGLISH"


@functools.cache
def _detector() -> Any:
    """lingua's detector for `CANDIDATES`, loaded on first use (most messages never need it)."""
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in CANDIDATES]
    builder = LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode()
    return builder.with_preloaded_language_models().build()
