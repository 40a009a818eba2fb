"""Cyrillic in a question, in Latin letters: "What did Токаев promise?" → "What did Tokayev
promise?", so the name-variant folding and the index (all in Latin letters) know it.

Russian letters follow iuliia's Wikipedia schema, the English-language press's usual spelling
(Tokayev, Nazarbayev, Yevgeny Zhovtis). Kazakh's own letters, which no Russian schema knows,
become the Latin letters the articles use for them (Toqaev, Qazaqstan) before it runs.
"""

from __future__ import annotations

import re
import unicodedata

import iuliia

# Kazakh letters beyond Russian's, as the articles spell them: Тоқаев → Toqaev.
KAZAKH = str.maketrans({
    "қ": "q", "Қ": "Q", "ғ": "gh", "Ғ": "Gh", "ә": "a", "Ә": "A", "і": "i", "І": "I",
    "ү": "u", "Ү": "U", "ұ": "u", "Ұ": "U", "ө": "o", "Ө": "O", "ң": "ng", "Ң": "Ng",
    "һ": "h", "Һ": "H",
})  # fmt: skip
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN = "LATIN"  # the name Unicode gives the Latin script's letters ("LATIN SMALL LETTER A")


def latinize(text: str) -> str:
    """`text` with its Cyrillic words in Latin letters; text without Cyrillic is returned as it
    is (the common case costs one regex search)."""
    if not _CYRILLIC.search(text):
        return text
    return iuliia.WIKIPEDIA.translate(text.translate(KAZAKH))


def script(text: str) -> str | None:
    """The script most of the letters of `text` are written in, when it is not Latin.

    "Кто победил на выборах?" is CYRILLIC: a question in another language, which the index (in
    English) cannot answer; "What did Токаев promise?" (a name typed in Cyrillic) is mostly
    Latin, so None: the name is transliterated and the question searched.
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
