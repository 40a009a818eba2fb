"""Text from outside — Telegram updates, the command line, a terminal — made safe once, here.

A lone UTF-16 surrogate ("\\ud800" in an update's JSON, or an invalid byte of a command-line
argument, which Python keeps as "\\udcff") is not Unicode text: the tokenizer refuses it and
Telegram can't be sent it. It becomes U+FFFD (the replacement character) before anything else
sees it, so nothing downstream has to care. No telegram import: `election-bot ask` uses it.
"""

from __future__ import annotations

import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD; a proper pair becomes its character."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def clean_json(value: Any) -> Any:
    """`value` (decoded JSON) with `clean_text` applied to every string, keys too.

    Returns `value` itself when nothing needed cleaning, so callers can tell by identity.
    """
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        items = [clean_json(item) for item in value]
        return value if all(new is old for new, old in zip(items, value, strict=True)) else items
    if isinstance(value, dict):
        pairs = [(clean_text(key), clean_json(item)) for key, item in value.items()]
        old = value.items()
        same = all(k is key and v is it for (k, v), (key, it) in zip(pairs, old, strict=True))
        return value if same else dict(pairs)
    return value
