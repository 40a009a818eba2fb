"""What a question's form says about where its answer is.

"Who is Yevgeny Zhovtis?" asks for a definition, and news writing gives one where it first
names someone ("Human rights defender Yevgeny Zhovtis thinks ..."); later mentions take the
reader's knowledge for granted ("Zhovtis shares the same opinion"), yet can sit closer to the
bare question in every score.
"""

from __future__ import annotations

import re

# "Who is X?", "What was X?", "Who are the X?": the subject is everything after the verb.
_DEFINITIONAL = re.compile(
    r"^\s*(?:who|what)\s+(?:is|was|are|were)\s+(?:the\s+|an?\s+)?(?P<subject>[^?]+?)\s*\?*\s*$",
    re.IGNORECASE,
)
_QUOTES = "\"'“”‘’«»"
_MAX_SUBJECT_WORDS = 6


def definitional_subject(question: str) -> str | None:
    """The name a "Who/What is X?" question asks about, or None for any other question.

    Only a name counts: every word capitalised ("Oyan Qazaqstan", "ODIHR"), or a quoted
    phrase ("'Men oyandym'"). "Who is Nazarbayev's successor?" or "What was the turnout?"
    ask about something else than a definition.
    """
    m = _DEFINITIONAL.match(question)
    if not m:
        return None
    raw = m.group("subject").strip()
    quoted = len(raw) > 2 and raw[0] in _QUOTES and raw[-1] in _QUOTES
    subject = raw.strip(_QUOTES).strip()
    words = subject.split()
    if not words or len(words) > _MAX_SUBJECT_WORDS:
        return None
    if quoted or all(w[0].isupper() for w in words if w[0].isalpha()):
        return subject
    return None
