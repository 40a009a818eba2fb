"""Cyrillic in a question, in Latin letters: "What did Токаев promise?" → "What did Tokayev
promise?", so the name-variant folding and the index (all in Latin letters) know it.

Russian letters follow iuliia's Wikipedia schema, the English-language press's usual spelling
(Tokayev, Nazarbayev, Yevgeny Zhovtis). Kazakh's own letters, which no Russian schema knows,
become the Latin letters the articles use for them (Toqaev, Qazaqstan) before it runs.
"""

from __future__ import annotations

import re

import iuliia

# Kazakh letters beyond Russian's, as the articles spell them: Тоқаев → Toqaev.
KAZAKH = str.maketrans({
    "қ": "q", "Қ": "Q", "ғ": "gh", "Ғ": "Gh", "ә": "a", "Ә": "A", "і": "i", "І": "I",
    "ү": "u", "Ү": "U", "ұ": "u", "Ұ": "U", "ө": "o", "Ө": "O", "ң": "ng", "Ң": "Ng",
    "һ": "h", "Һ": "H",
})  # fmt: skip
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def latinize(text: str) -> str:
    """`text` with its Cyrillic words in Latin letters; text without Cyrillic is returned as it
    is (the common case costs one regex search)."""
    if not _CYRILLIC.search(text):
        return text
    return iuliia.WIKIPEDIA.translate(text.translate(KAZAKH))
