"""Small talk: greetings, thanks, goodbyes and "who are you?" are not searched: the retriever
refuses them (Refusal.SMALL_TALK) and the bot gives each kind its reply.

A message is small talk when nothing is left of it once the phrases of `data/small_talk.yaml`
(and its filler words) are taken away, reading from its start. "hi, who won?" is a question:
its greeting is dropped and "who won?" searched. The phrases are data: a new way of saying
thanks is a line in that file. Words are read as the spelling step reads texting shorthand
(`data/texting.txt`): "how r u" is "how are you", "thx" is "thanks".
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from retrieval.spelling import texting

DATA = Path(__file__).parent / "data" / "small_talk.yaml"
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_FILLER = ""  # the kind of a filler phrase
_LEADING = " \t\n,.;:!?-—–…"  # what may sit between a dropped greeting and the question


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of small talk: its name, its reply, how many example buttons go with it."""

    name: str
    reply: str
    examples: int
    opens: bool  # whether it may open a question, and is then dropped from it


@dataclass(frozen=True, slots=True)
class Reading:
    """What a message is: small talk of `kind`, or a question to search (`question`)."""

    kind: Kind | None
    question: str


class SmallTalk:
    """Reads messages against the phrases of each kind of small talk."""

    def __init__(self, kinds: list[Kind], phrases: dict[tuple[str, ...], str]) -> None:
        self.kinds = {kind.name: kind for kind in kinds}
        self._rank = {kind.name: i for i, kind in enumerate(kinds)}
        self._phrases = phrases
        self._longest = max((len(p) for p in phrases), default=0)

    @classmethod
    def load(cls, path: Path = DATA) -> SmallTalk:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        kinds, phrases = [], {}
        for name, spec in data["kinds"].items():
            kinds.append(
                Kind(name, " ".join(spec["reply"].split()), spec["examples"], spec["opens"])
            )
            phrases.update({_words(phrase): name for phrase in spec["phrases"]})
        phrases.update({_words(phrase): _FILLER for phrase in data["filler"]})
        return cls(kinds, phrases)

    def read(self, text: str) -> Reading:
        """Small talk when the whole message is made of phrases (one at least, not only filler);
        else the question, without a greeting or thanks that opened it."""
        words = _read_words(text)
        said: list[str] = []
        start = at = 0
        while at < len(words):
            found = self._phrase_at(words, at)
            if found is None:
                break
            kind, length = found
            at += length
            if kind:
                said.append(kind)
            if said and all(self.kinds[k].opens for k in said):
                start = words[at - 1][1]  # the question starts after these
        if said and at == len(words):
            return Reading(self.kinds[min(said, key=self._rank.__getitem__)], "")
        return Reading(None, text[start:].lstrip(_LEADING) if start else text)

    def _phrase_at(self, words: list[tuple[str, int]], at: int) -> tuple[str, int] | None:
        """The longest phrase starting at word `at`: its kind and its length in words."""
        for length in range(min(self._longest, len(words) - at), 0, -1):
            key = tuple(w for w, _ in words[at : at + length])
            if key in self._phrases:
                return self._phrases[key], length
        return None


def _read_words(text: str) -> list[tuple[str, int]]:
    """The message's words, folded, each with where it ends in `text`; texting shorthand as
    the words it stands for ("r" -> "are"), each ending where the shorthand does, and the
    asides the spelling step drops ("lol") left out."""
    short = texting()
    words: list[tuple[str, int]] = []
    for m in _WORD.finditer(text):
        word = _fold(m.group(0))
        meant = short.get(word, word)
        words.extend((_fold(w), m.end()) for w in meant.split())
    return words


def _fold(word: str) -> str:
    return word.lower().replace("’", "'")


def _words(phrase: str) -> tuple[str, ...]:
    return tuple(_fold(w) for w in _WORD.findall(phrase))


@functools.cache
def default() -> SmallTalk:
    """The phrases shipped with the bot, read once."""
    return SmallTalk.load()
