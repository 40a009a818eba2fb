"""Spelling: what a person typed, with misspelt words and texting shorthand put right.

Corrections come from the corpus's own vocabulary (symspellpy over the words the articles use),
so a misspelt word becomes one the lexical index and the name checks know. An English
frequency dictionary (symspellpy ships one) says which typed words are real words: those are
left alone unless the corpus's nearby word is far more common ("internat" for "internet"),
so "France" never becomes the corpus's "French". Transliterations too far apart for an edit
distance (Mirjakip / Mirzhakyp) meet through a phonetic skeleton of the corpus's names.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

_DATA = Path(__file__).parent / "data"
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_POSSESSIVE = re.compile(r"['’]s$", re.I)
# What `Speller.correct` reads as a word: digits too, for shorthand ("b4").
_TYPED_WORD = re.compile(r"[^\W_]+(?:['’][^\W\d_]+)*")
_OPENS_SENTENCE = re.compile(r"(?:^|[.!?:;]\s+|\n)[\"'“‘(]*$")
NAME_JOIN = re.compile(r"[ \t]+|-")  # what stands between the words of one name
# A typed word that is a rare English word (under RARE in symspellpy's counts), one letter
# from a corpus word this much more common, is a slip for it ("internat" 0.36M, "internet"
# 264M); a common word is meant as typed ("France" 103M beside "French", "unite" beside
# "united").
RARE = 1_000_000
COMMONER = 100
MIN_LENGTH = 3  # shorter words are left alone: too many real words lie one letter apart
# A typed word this short is never taken for a name a letter away: names of three letters
# are few, and a short word lies a letter from one by chance ("rly", texting's "really", from
# the corpus's "Uly").
NAME_MIN = 3
# A lower-case word of this many letters or more that neither the corpus nor the dictionary
# knows may be a slip for a common English word one letter away ("askin", "writng"); shorter
# ones ("lol") and capitals ("FIFA", "VPN") are not.
ENGLISH_MIN = 5
# A word of this many letters or more, two letters or more from every corpus word, is read
# by its sound (metaphone): "elecshun" is election. Shorter codes collide too often.
SOUND_MIN = 6
# A lower-case word of this many letters or more, a common English word with one letter left
# out, is that word ("evry", "planed") rather than a corpus word one letter off another way
# ("very", none): phones drop letters far more than they add or swap them.
DROPPED_MIN = 4
# Two words typed without the space between them ("howmany", "whowon"): a lower-case word
# neither the corpus nor the dictionary knows, no corpus word a letter from it, read as two
# English words of at least this many uses each ("elect" 5.7M and "on" do not make "electon",
# a letter from "election"; "how" 572M, "many" 319M), one of them a stop word: two content
# words are more often a compound newer than the dictionary ("lockdown", "livestream").
RUN_TOGETHER_MIN = 10_000_000


# The small words a name's initials may leave out ("Office for Democratic Institutions …").
_LINKING = frozenset({"of", "for", "the", "and", "in", "on", "at", "to"})


@cache
def english_counts() -> Mapping[str, int]:
    """symspellpy's English frequency dictionary: word -> count (82,765 words)."""
    import symspellpy

    path = Path(symspellpy.__file__).parent / "frequency_dictionary_en_82_765.txt"
    counts: dict[str, int] = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            word, _, count = line.partition(" ")
            counts[word] = int(count)
    return counts


@cache
def texting() -> Mapping[str, str]:
    """Texting shorthand -> what it stands for (retrieval/data/texting.txt), in lower case;
    Russian words typed in Latin letters -> their English (russian_words.txt); and words the
    model reads poorly alone -> the articles' word for them (plain_words.txt)."""
    return _texting()[0]


def texting_in_capitals() -> frozenset[str]:
    """The shorthand also typed in capitals ("FB"): written so in texting.txt."""
    return _texting()[1]


def abbreviated() -> frozenset[str]:
    """The shorthand typed with a full stop that ends no sentence ("a united opp. front"):
    written so in texting.txt."""
    return _texting()[2]


_APART = re.compile(r"[\s-]+")  # the words of a typed phrase: spaced or hyphenated


@cache
def texted_phrases() -> tuple[re.Pattern[str] | None, Mapping[str, str]]:
    """The typed phrases of several words in the lists (written joined by "_": "upper_chamber
    Senate"), as one pattern matching any of them in any case, and each phrase (lower case,
    words one space apart) -> what it stands for."""
    phrases = {k.replace("_", " "): v for k, v in _texting()[0].items() if "_" in k}
    if not phrases:
        return None, phrases
    typed = sorted(phrases, key=len, reverse=True)
    # its words apart or hyphenated ("one off", "one-off")
    alternatives = "|".join(_APART.pattern.join(map(re.escape, p.split())) for p in typed)
    return re.compile(rf"(?<![\w'’-])(?:{alternatives})(?![\w-])", re.I), phrases


@cache
def _texting() -> tuple[dict[str, str], frozenset[str], frozenset[str]]:
    pairs = {}
    capitals = set()
    stops = set()
    lines = [
        line
        for name in ("texting.txt", "russian_words.txt", "plain_words.txt")
        for line in (_DATA / name).read_text(encoding="utf-8").splitlines()
    ]
    for line in lines:
        if line.strip() and not line.startswith("#"):
            short, _, words = line.strip().partition(" ")
            if short.endswith("."):
                short = short[:-1]
                stops.add(short.lower())
            pairs[short.lower()] = words.strip()
            if len(short) > 1 and short.isupper():
                capitals.add(short.lower())
    return pairs, frozenset(capitals), frozenset(stops)


@dataclass(frozen=True)
class Vocabulary:
    """The words the corpus uses: how often, and how often written in lower case; and its
    names of several words that it never writes in lower case."""

    # word (lower case, no possessive) -> (occurrences, in lower case, capitalised mid-sentence)
    counts: dict[str, tuple[int, int, int]]
    # a name of several words, in lower case -> as the corpus writes it ("central election
    # commission" -> "Central Election Commission"): each of its words alone may be a common
    # one ("central square"), the run of them is a name.
    phrases: dict[str, str] = field(default_factory=dict)
    # first word -> those names, as words, longest first (made on first need)
    _starts: dict[str, list[tuple[str, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def build(cls, texts: Iterable[str], names: Iterable[str] = ()) -> Vocabulary:
        """From the corpus's texts, and `names` (spellings known to be names, seen alone)."""
        seen: Counter[str] = Counter()
        lower: Counter[str] = Counter()
        named: Counter[str] = Counter()
        runs: dict[str, str] = {}  # names of several words, capitalised mid-sentence
        words_of: list[list[str]] = []  # each text's words, "" where capitalised as a name
        for text in [*texts, *(f"Of {name}" for name in names)]:
            found: list[list[str]] = []  # this text's runs of capitalised words
            run: list[str] = []
            words = []
            end = 0
            for m in _WORD.finditer(text):
                word = _POSSESSIVE.sub("", m.group(0)).replace("’", "'")
                key = word.lower()
                seen[key] += 1
                lower[key] += word == key
                opens = _OPENS_SENTENCE.search(text[: m.start()]) is not None
                capitalised = word[0].isupper() and not opens
                named[key] += capitalised
                words.append("" if capitalised else key)  # "Human rights defender …": words
                if capitalised and run and NAME_JOIN.fullmatch(text[end : m.start()]):
                    run.append(word)
                else:
                    found.append(run)
                    run = [word] if capitalised else []
                if _POSSESSIVE.search(m.group(0)):  # "Kazakhstan's Central …": two names
                    found.append(run)
                    run = []
                end = m.end()
            found.append(run)
            words_of.append(words)
            if sum(not w for w in words) <= len(words) / 2:  # not a Headline Of Capitals
                for name in (" ".join(r) for r in found if len(r) > 1):
                    runs.setdefault(name.lower(), name)
        return cls(
            {w: (n, lower[w], named[w]) for w, n in sorted(seen.items())},
            dict(sorted(_never_lower(runs, words_of).items())),
        )

    def frequencies(self) -> dict[str, int]:
        return {w: n for w, (n, _, _) in self.counts.items()}

    def is_proper(self, word: str) -> bool:
        """Whether the corpus writes `word` only with a capital, and so inside sentences: a
        name (Tokayev, Almaty), not a word that merely opens sentences ("Operators")."""
        _, lower, named = self.counts.get(word.lower(), (0, 0, 0))
        return named > 0 and lower == 0

    def phrases_from(self, word: str) -> list[tuple[str, ...]]:
        """The names of several words (`phrases`) whose first word is `word`, in lower case,
        each as its words, longest first."""
        if self.phrases and not self._starts:
            self._starts.update(_by_first_word(self.phrases))
        return self._starts.get(word, [])

    def initialisms(self) -> Mapping[str, str]:
        """The initials of each name of several English words (`phrases`), in lower case,
        and the name as the corpus writes it: "un" -> "United Nations", "cec" -> "Central
        Election Commission"; "of", "for", … counted or not. Not a person's ("Mukhtar
        Ablyazov"), whose initials nobody types, nor initials two names share."""
        return self._initialisms

    @cached_property
    def _initialisms(self) -> dict[str, str]:
        """`initialisms`, read once: a corpus with none is not read again per question."""
        english = english_counts()
        found: dict[str, set[str]] = {}
        for phrase, written in self.phrases.items():
            words = phrase.replace("-", " ").split()
            content = [w for w in words if w not in _LINKING]
            if not all(w in english for w in content):
                continue
            for initials in {"".join(w[0] for w in words), "".join(w[0] for w in content)}:
                if len(initials) >= 2:
                    found.setdefault(initials, set()).add(written)
        return {k: next(iter(v)) for k, v in found.items() if len(v) == 1}

    def save(self, path: Path) -> None:
        data = {"words": self.counts, "phrases": self.phrases}
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Vocabulary:
        raw = json.loads(path.read_text(encoding="utf-8"))
        # An index built before names of several words were kept holds the words alone.
        words, phrases = (raw["words"], raw["phrases"]) if "words" in raw else (raw, {})
        counts = {w: (int(n), int(lower), int(named)) for w, (n, lower, named) in words.items()}
        return cls(counts, {str(k): str(v) for k, v in phrases.items()})


def _by_first_word(phrases: Iterable[str]) -> dict[str, list[tuple[str, ...]]]:
    """Each phrase as its words, under its first word, longest first."""
    starts: dict[str, list[tuple[str, ...]]] = {}
    for phrase in sorted(phrases, key=lambda p: -len(p.split())):
        words = tuple(phrase.split())
        starts.setdefault(words[0], []).append(words)
    return starts


def _never_lower(runs: Mapping[str, str], words_of: Iterable[list[str]]) -> dict[str, str]:
    """The names of `runs` that no text writes as common words (`words_of`: each text's
    words, "" for a word capitalised as a name): "Human rights defender …" opens a sentence,
    so "human rights" is words, not the name of "Office for … Human Rights"."""
    first = _by_first_word(runs)
    written: set[tuple[str, ...]] = set()
    for text_words in words_of:
        for i, word in enumerate(text_words):
            for name in first.get(word, ()):
                if tuple(text_words[i : i + len(name)]) == name:
                    written.add(name)
    return {p: as_written for p, as_written in runs.items() if tuple(p.split()) not in written}


def skeleton(word: str) -> str:
    """How a name sounds, whatever the transliteration: Toqaev, Tokayev, Tokaiev -> tokaev.

    Accents go; q/k, j/zh/dzh, kh/h, w/v, x/ks, y/i meet; doubled letters and an i or y
    between vowels (the Russian -aye-, -aie-) drop; the Kazakh patronymic -uly is the
    Russian -ov (Dulatuly, Dulatov).
    """
    w = unicodedata.normalize("NFKD", word.lower()).encode("ascii", "ignore").decode()
    for a, b in (("dzh", "zh"), ("dj", "zh"), ("j", "zh"), ("kh", "h"), ("q", "k"), ("w", "v"),
                 ("x", "ks"), ("y", "i")):  # fmt: skip
        w = w.replace(a, b)
    w = re.sub(r"(?<=[aeiou])i(?=[aeiou])", "", w)
    w = re.sub(r"^i(?=[aeiou])", "", w)
    w = re.sub(r"uli$", "ov", w)
    return re.sub(r"(.)\1+", r"\1", w)


# How German and French write Russian and Kazakh names, read as English does: j is y
# (Abljasow, Tokajew), w is v, ch is kh (Muchtar), sch is sh or zh (Schomart), an s between
# vowels is z (Nasarbajew), ou is u (Noursoultan). Each reading is tried when the name as typed
# sounds like none the corpus holds.
_FOREIGN_READINGS = (
    (("tsch", "ch"), ("sch", "sh"), ("ch", "kh"), ("j", "y"), ("w", "v"), ("ou", "u")),
    (("tsch", "ch"), ("sch", "zh"), ("ch", "kh"), ("j", "y"), ("w", "v"), ("ou", "u")),
)
_VOICED_S = re.compile(r"(?<=[aeiouy])s(?=[aeiouy])")


def foreign_readings(word: str) -> list[str]:
    """`word` as English would spell it if German or French wrote it: "abljasow" ->
    "ablyazov"; none when no letter reads differently."""
    out = []
    for reading in _FOREIGN_READINGS:
        w = word.lower()
        for a, b in reading:
            w = w.replace(a, b)
        w = _VOICED_S.sub("z", w)
        if w != word.lower() and w not in out:
            out.append(w)
    return out


class Speller:
    """Corrects the words of a question against a corpus vocabulary (word -> count)."""

    def __init__(
        self,
        vocabulary: Mapping[str, int],
        names: Iterable[str] = (),
        stop_words: Iterable[str] = (),
    ) -> None:
        self.vocabulary = dict(vocabulary)
        # A real word is never "corrected" into one of these ("keen" is not "been").
        self.stop_words = frozenset(stop_words)
        names = sorted(set(names), key=lambda n: -self.vocabulary.get(n, 0))
        self.names = frozenset(names)
        self._skeletons: dict[str, str] = {}
        for name in names:
            # the commonest spelling wins; a "kh" is typed as a "k" too ("Kazakstan" is
            # Kazakhstan, not the Qazaqstan of "Oyan Qazaqstan"), as well as an "h"
            for spelt in (name, re.sub("kh", "k", name, flags=re.I)):
                self._skeletons.setdefault(skeleton(spelt), name)
        self._symspell = None
        self._sounds: dict[str, list[str]] | None = None  # metaphone code -> corpus words
        self._lock = threading.Lock()

    def _index(self):  # noqa: ANN202 - a symspellpy.SymSpell, built on first need
        with self._lock:
            if self._symspell is None:
                from symspellpy import SymSpell

                index = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
                for word, count in self.vocabulary.items():
                    if len(word) >= MIN_LENGTH:
                        index.create_dictionary_entry(word, count)
                self._symspell = index
            return self._symspell

    def _joined(self, w: str, english: Mapping[str, int]) -> str | None:
        """Two corpus words no English word list knows, typed as one ("rferl": "rfe rl", as
        the corpus's RFE/RL; "osceodihr"), the first split that makes them; None if none does."""
        for i in range(2, len(w) - 1):
            a, b = w[:i], w[i:]
            if all(p in self.vocabulary and p not in english for p in (a, b)):
                return f"{a} {b}"
        return None

    def _sounding(self, w: str) -> str | None:
        """The corpus word that sounds like `w` (same metaphone code), the fewest letters
        off, then the commonest; None when none does."""
        import jellyfish

        if len(w) < SOUND_MIN:
            return None
        if self._sounds is None:
            with self._lock:
                if self._sounds is None:
                    codes: dict[str, list[str]] = {}
                    for word in self.vocabulary:
                        if len(word) >= SOUND_MIN and word.isalpha() and word not in self.names:
                            codes.setdefault(jellyfish.metaphone(word), []).append(word)
                    self._sounds = codes
        alike = self._sounds.get(jellyfish.metaphone(w), [])
        if not alike:
            return None
        return min(alike, key=lambda c: (jellyfish.levenshtein_distance(w, c), -self.vocabulary[c]))

    def word(self, typed: str, *, shouted: bool = False, named: bool = False) -> str:
        """The word meant by `typed`, in lower case: itself when known or nothing is closer.

        How it was typed counts: shorthand and slips for English words are read only in
        lower case ("U.S.", "FIFA" are what they say), and a word in capitals only as a name
        the corpus knows ("CIS" is not "his"), unless the whole message is in capitals
        (`shouted`). A word `named` (capitalised inside a sentence: "Was Borat filmed
        there?") is a name: put right into a name the corpus knows, or a word one letter off,
        never into a word two letters off ("Borat" is not "sort")."""
        w = typed.lower()
        # A word in capitals among others that are not is an acronym ("CIS", "NATO"): it is
        # put right only into a name the corpus knows.
        acronym = len(typed) > 1 and typed.isupper() and not shouted
        # Shorthand is typed in lower case: "u" is "you", the "U" of "U.S." is not.
        if w in texting() and (
            typed.islower() or not typed.isupper() or w in texting_in_capitals()
        ):
            return texting()[w]
        if w in self.vocabulary or len(w) < MIN_LENGTH:
            return w
        english = english_counts()
        if w not in english and (joined := self._joined(w, english)) is not None:
            return joined
        if typed.islower() and w in english and english[w] < RARE:
            # A rare word a letter short of a far commoner one is a slip for it ("planed" 0.16M
            # for "planned" 22M); the corpus need not have either.
            meant = _dropped_letter(w, english)
            if meant is not None and english[meant] >= COMMONER * english[w]:
                return meant
        by_sound = self._skeletons.get(skeleton(w))
        if by_sound is None and w not in english:
            by_sound = next(
                (n for r in foreign_readings(w) if (n := self._skeletons.get(skeleton(r)))), None
            )
        if by_sound is not None and w not in english:
            return by_sound
        from symspellpy import Verbosity

        distance = 1 if len(w) <= 4 else 2
        found = self._index().lookup(w, Verbosity.CLOSEST, max_edit_distance=distance)
        nearest = min((s.distance for s in found), default=distance + 1)
        if nearest > 1 and typed.islower() and w not in english:
            apart = _run_together(w, english)
            if apart is not None and self.stop_words.intersection(apart.split()):
                return apart
        if nearest > 1 and len(w) >= ENGLISH_MIN and typed.islower() and w not in english:
            # A common English word one letter away is what was meant ("askin" is asking,
            # not the corpus's "again", two letters off; "writng" is writing).
            meant = _common_neighbour(w, english)
            # Unless that word needs a typed letter taken out or changed, and a corpus word
            # holds every typed letter in order: "minstr" is minister, not "instr".
            spelt_out = any(_dropped_from(w, s.term) for s in found)
            if meant is not None and (_dropped_from(w, meant) or not spelt_out):
                return meant
        if not found:
            # Nothing two letters off: a word spelt as it sounds ("elecshun", "opozishun")
            # is the corpus word that sounds alike, if one does; else a common English word
            # with its letters doubled otherwise ("dissapearing": disappearing).
            if w in english or typed.isupper() or named:
                return by_sound or w
            return by_sound or self._sounding(w) or _doubled_otherwise(w) or w
        # Typing on a phone drops letters more than it swaps them ("wher", "elction",
        # "votin"): of the closest words, one holding every typed letter in order first.
        best = max(found, key=lambda s: (-s.distance, _dropped_from(w, s.term), s.count)).term
        if len(w) <= NAME_MIN and best in self.names:
            return w  # "rly" is not the corpus's "Uly": a letter off a short name is chance
        if (acronym or named and nearest > 1) and best not in self.names:
            return w  # "CIS" is an acronym, not "his"; "ODHIR" may still be the corpus's ODIHR
        if (
            nearest == 1
            and len(w) >= DROPPED_MIN
            and typed.islower()
            and w not in english
            and not _dropped_from(w, best)
        ):
            # The corpus word needs a typed letter taken out or changed; a common English word
            # with a letter left out of it is likelier ("actualy" is actually, not the corpus's
            # "actual"; "evry" every, not "very").
            meant = _dropped_letter(w, english)
            if meant is not None:
                return meant
        if w in english:  # a real word: a slip only if rare, one letter off a far commoner one
            slip = (
                english[w] < RARE
                and english.get(best, 0) >= COMMONER * english[w]
                and not _inflected(w, english)
            )
            if not slip or nearest > 1 or best in self.stop_words:
                return w
        return best

    def correct(self, text: str) -> str:
        """`text` with each word put right, keeping everything between words as it was.

        A corrected word keeps the typed word's capitalisation (a capital first letter, or
        all capitals).
        """

        letters = [c for c in text if c.isalpha()]
        shouted = len(letters) > 1 and sum(c.isupper() for c in letters) > len(letters) / 2
        # In a message Capitalising Most Words, a capital says nothing of a name.
        words = _WORD.findall(text)
        titled = sum(w[0].isupper() for w in words[1:]) * 2 > len(words) - 1

        def fix(match: re.Match[str]) -> str:
            whole = match.group(0)
            if any(c.isdigit() for c in whole):  # "b4" is shorthand; "2019", "1st" are not
                return texting().get(whole, whole)
            typed = _POSSESSIVE.sub("", whole)
            named = (
                not titled
                and typed[0].isupper()
                and not _OPENS_SENTENCE.search(text[: match.start()])
            )
            meant = _question_word(match, text) or self.word(
                typed.replace("’", "'"), shouted=shouted, named=named
            )
            if meant == typed.lower().replace("’", "'"):
                return whole
            if typed.lower() in texting_in_capitals():
                pass  # "FB": "Facebook", as texting.txt writes it
            elif typed.isupper() and len(typed) > 1:
                meant = meant.upper()
            elif typed[0].isupper():
                meant = meant[:1].upper() + meant[1:]
            return meant + whole[len(typed) :]  # the possessive, as typed

        found, phrases = texted_phrases()
        if found is not None:  # "the upper chamber": the Senate
            text = found.sub(lambda m: phrases[" ".join(_APART.split(m.group(0).lower()))], text)
        return _TYPED_WORD.sub(fix, text)


_QUESTION_WORDS = ("who", "what", "where", "when", "why", "how", "which")
# The verbs a question word opens a question on: "wer did most of the rallies happen" asks
# where ("were did" asks nothing).
_ASKS_ON = re.compile(
    r"\s+(?:did|do|does|is|are|was|were|can|could|will|would|has|have|had|should)\b", re.I
)


def _question_word(match: re.Match[str], text: str) -> str | None:
    """The question word meant by a word typed with letters left out ("wer", "wen", "hw")
    where a question opens: first in its sentence, before a verb a question opens on. Edit
    distance alone reads "wer" as "were", the commoner word a letter away."""
    typed = match.group(0)
    w = typed.lower()
    if (
        not typed.isalpha()
        or w in _QUESTION_WORDS
        or not _ASKS_ON.match(text, match.end())  # first the cheap look ahead, then behind
        or english_counts().get(w, 0) >= RARE
        or not _OPENS_SENTENCE.search(text[: match.start()])
    ):
        return None
    found = [q for q in _QUESTION_WORDS if q[0] == w[0] and _dropped_from(w, q)]
    if len(found) != 1:
        return None
    return found[0].capitalize() if typed[0].isupper() else found[0]


# Regular endings of English words, and what stands before them in the word they end:
# "readying" is "ready" + "ing", "making" "make", "running" "run", "carried" "carry".
_ENDINGS = (
    ("ying", ("y",)), ("ing", ("", "e")), ("ied", ("y",)), ("ed", ("", "e")), ("ies", ("y",)),
    ("es", ("",)), ("s", ("",)), ("ly", ("",)), ("er", ("", "e")), ("est", ("", "e")),
)  # fmt: skip


# A word of this many letters or more that no corpus word lies within two letters of may be
# a common English word with a letter doubled that is not, or not one that is.
DOUBLED_MIN = 6
_DOUBLED = re.compile(r"(.)\1+")


@cache
def _undoubled() -> Mapping[str, str]:
    """Common English words (RARE uses or more) by their letters with doubles made single:
    "disapearing" -> "disappearing" (the commonest, where several meet)."""
    found: dict[str, tuple[int, str]] = {}
    for word, count in english_counts().items():
        if count >= RARE and len(word) >= DOUBLED_MIN:
            key = _DOUBLED.sub(r"\1", word)
            if key not in found or count > found[key][0]:
                found[key] = (count, word)
    return {key: word for key, (_, word) in found.items()}


def _doubled_otherwise(typed: str) -> str | None:
    """The common English word `typed` is but for its doubled letters, if any:
    "dissapearing" is disappearing, "ocurred" occurred."""
    if len(typed) < DOUBLED_MIN:
        return None
    return _undoubled().get(_DOUBLED.sub(r"\1", typed))


def _inflected(word: str, english: Mapping[str, int]) -> bool:
    """Whether `word` is a common English word (RARE uses or more) with a regular ending:
    a rare form of a common word is a word ("readying", 0.15M, of "ready"), not a slip for the
    commoner word a letter away ("reading")."""
    for ending, befores in _ENDINGS:
        if not word.endswith(ending) or len(word) - len(ending) < 3:
            continue
        stem = word[: -len(ending)]
        bases = [stem + b for b in befores]
        if len(stem) > 3 and stem[-1] == stem[-2]:  # "running": run
            bases.append(stem[:-1])
        if any(english.get(b, 0) >= RARE for b in bases):
            return True
    return False


def _dropped_from(typed: str, word: str) -> bool:
    """Whether `typed` is `word` with letters left out (its letters in order, nothing else)."""
    letters = iter(word)
    return all(c in letters for c in typed)


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _dropped_letter(typed: str, english: Mapping[str, int]) -> str | None:
    """The commonest English word (of at least RARE uses) that is `typed` with one letter put
    back, if any."""
    if len(typed) < DROPPED_MIN:
        return None
    # `_common_neighbour` puts such words first (a letter left out is the likeliest slip).
    meant = _common_neighbour(typed, english)
    dropped = meant is not None and len(meant) == len(typed) + 1 and _dropped_from(typed, meant)
    return meant if dropped else None


def _run_together(typed: str, english: Mapping[str, int]) -> str | None:
    """`typed` as two common English words typed as one ("howmany": "how many"), the split
    whose rarer word is commonest; None when no split makes two words of RUN_TOGETHER_MIN."""
    splits = [(typed[:i], typed[i:]) for i in range(2, len(typed) - 1)]
    common = [(min(english.get(a, 0), english.get(b, 0)), f"{a} {b}") for a, b in splits]
    best = max(common, default=(0, ""))
    return best[1] if best[0] >= RUN_TOGETHER_MIN else None


def _common_neighbour(typed: str, english: Mapping[str, int]) -> str | None:
    """The English word (of at least RARE uses) one edit from `typed`, if any: one it was
    typed from by leaving out a letter first, then one with two neighbouring letters swapped
    ("peice" is piece, not the commoner "price", a letter changed), then the commonest."""
    splits = [(typed[:i], typed[i:]) for i in range(len(typed) + 1)]
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    edits = {a + b[1:] for a, b in splits if b} | swaps
    edits |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    edits |= {a + c + b for a, b in splits for c in _LETTERS}
    common = [
        (_dropped_from(typed, e), e in swaps, english[e], e)
        for e in edits
        if english.get(e, 0) >= RARE
    ]
    return max(common)[3] if common else None
