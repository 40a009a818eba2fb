"""Names a question mentions that the articles never do: then the articles cannot answer it.

"Who won the 2020 US presidential election?" or "What did Putin say about the election?" sit
close to the articles in every score, because they are about an election; what gives them away
is a name (or a year) the articles never use. A name close in spelling to one the articles do
use (Nazarbaiev, Qassym) counts as a misspelling of it, not as a new name.

Names the articles do use can still give a question away when no passage mentions them
together: "Who won Uzbekistan's 2016 presidential election?" names a country and a year the
articles each mention, but never in one passage, so no passage can answer it
(`named_terms`, checked by the retriever).
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from retrieval.lexical import MONTHS, Tokenizer, word_family
from retrieval.spelling import english_counts

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+)[\"'“‘(]*([^\W_]+)")
_YEAR = re.compile(r"^(1[89]|20)\d\d$")
# A compound modifier: a name joined to a participle ("American-financed", "Washington-backed",
# "Kremlin-friendly"): it describes a thing by whom it is of, rather than naming anyone asked
# about.
_MODIFIER = re.compile(r"[^\W\d_]+(?:-[a-z]+)*-[a-z]+(?:ed|en|ly|ing)")
# A language or a people's adjective (English, Turkish, Chinese, Japanese): says in what
# tongue or of whom, not a name the articles must use.
_TONGUE = re.compile(r"[A-Z][a-z]+(?:ish|ese)")
# A father's name after a first name, as Russian and Kazakh speakers name someone formally
# ("Nursultan Abishevich", "Kassym-Jomart Kemelevich", "Nursultan Abishuly"): a part of the
# name the articles never write, not a name of its own they lack.
_PATRONYMIC = re.compile(r"[A-Z][a-z]+(?:ovich|evich|ovna|evna|uly|kyzy|qyzy)")
# Everyday devices and media named by their letters ("state TV", "a VPN", "by SMS"): a
# question asking what state TV showed names no one the articles must. Not the acronyms of
# economics and politics (GDP, CEO, MP): a question naming one the articles never use asks
# of what they don't cover ("What is Kazakhstan's GDP per capita?").
_COMMON_ACRONYMS = frozenset(
    {"TV", "PC", "SMS", "DVD", "CD", "VPN", "USB", "PDF", "GPS", "ID", "OK"}
)
_JOINER = re.compile(r"[\s-]+")  # what may stand between the words of one name
_MONTH = "|".join(month.capitalize() for month in MONTHS)
# A month and its day ("June 12", "12 June") name one day: the date is the name, not the month.
_DAY = re.compile(rf"\b(?:(?:{_MONTH})\s+\d{{1,2}}|\d{{1,2}}\s+(?:{_MONTH}))\b")
SPELLING_CUTOFF = 0.8  # difflib ratio at which an unknown name is taken for a misspelling
# Names the answer is not ("Apart from Tokayev, Kosanov and Tugel, which other parties …?",
# "were there Communist candidates too or just Tokayev and Kosanov?"): a list of names after
# one of these words, joined by commas, "and", "or", "&".
_ASIDE = re.compile(
    r"\b(?:besides|apart from|aside from|other than|except(?: for)?|excluding|not counting"
    r"|or\s+(?:just|jus|only))\b",
    re.IGNORECASE,
)
_EXCLUDING = re.compile(rf"{_ASIDE.pattern}\s+$", re.IGNORECASE)
# Where the asker saw or heard what they ask about is not asked about either: "I saw on
# Twitter that Kazakhstan blocked news sites around May 9 - was that the first time?"
_HEARD = re.compile(
    r"\b(?:saw|seen|see|read|heard|hear|noticed|watched|came\s+across)\s+(?:it\s+|this\s+"
    r"|that\s+|something\s+)?(?:on|in)\s+(?:the\s+|a\s+)?",
    re.IGNORECASE,
)
_HEARD_ON = re.compile(rf"{_HEARD.pattern}$", re.IGNORECASE)
_LIST_JOINER = re.compile(r"\s*(?:,|,?\s+(?:and|or|n|&))\s+|\s*,\s*", re.IGNORECASE)


def is_when(name: str) -> bool:
    """Whether a name says when, not who or what: a year, a month, a day ("June 9")."""
    return bool(_YEAR.match(name) or _DAY.fullmatch(name) or re.fullmatch(_MONTH, name))


def names_in(text: str) -> list[str]:
    """Capitalised words not opening a sentence, acronyms and years: what a text names."""
    return [m.group(0) for m in _name_words(text)]


@functools.lru_cache(maxsize=1024)  # a search reads a question's names in ranking and refusal
def _name_words(text: str) -> tuple[re.Match[str], ...]:
    openers = {m.start(1) for m in _SENTENCE_START.finditer(text)}
    found = []
    for m in _WORD.finditer(text):
        word = m.group(0)
        acronym_or_year = _YEAR.match(word) or (len(word) > 1 and word.isupper())
        if _MODIFIER.fullmatch(word):
            continue  # "American-financed", "Washington-backed": a description, no name
        if acronym_or_year or (word[0].isupper() and m.start() not in openers):
            found.append(m)
    return tuple(found)


_KEPT_MAX = 1024  # questions whose names, and names whose absence, are kept


class NameCheck:
    """Which names of a question the corpus never mentions, even misspelt."""

    def __init__(
        self,
        tokenizer: Tokenizer,
        known_terms: Iterable[str],
        names: Iterable[str],
        common_terms: Iterable[str] = (),
    ):
        self.tokenizer = tokenizer
        self.known_terms = frozenset(known_terms)
        self.names = sorted(set(names))
        # the terms of words the corpus also writes in lower case, as common words ("party",
        # "election"): a name's other words say which one it is
        self.common_terms = frozenset(common_terms)
        # A search reads the question's names in ranking and again in abstention.
        self._phrases: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self._missing: dict[str, bool] = {}  # name -> whether the corpus lacks it

    @classmethod
    def build(cls, texts: Sequence[str], tokenizer: Tokenizer) -> NameCheck:
        """From every text the index holds: passages, headlines, outlets, name variants."""
        terms = {t for text in texts for t in tokenizer(text)}
        words = [w for text in texts for w in _WORD.findall(text)]
        names = {w.lower() for w in words if w[0].isupper()}
        common = {t for w in {w for w in words if w.islower()} for t in tokenizer(w)}
        return cls(tokenizer, terms, names, common)

    def unknown(self, question: str) -> list[str]:
        """The names in `question` that the corpus does not contain in any spelling.

        A word of a spelling the name variants know as a whole is known ("Sultan" of "Nur
        Sultan", which the corpus writes Nur-Sultan; "Jomart" of "Kasym Jomart")."""
        found = []
        words = list(_name_words(question))
        for i, m in enumerate(words):
            if (
                self._lacks(m.group(0))
                and not self._first_name(question, words, i)
                and not self._government(question, m)
                and not self._patronymic(question, words, i)
            ):
                found.append(m)
        if found:  # rarely: only then are the known spellings looked for
            spans = [(a, b) for a, b, _ in self.tokenizer.variants.find(question)]
            found = [m for m in found if not any(a <= m.start() < b for a, b in spans)]
        # A place of several words is one name: "United States" is not the articles' though
        # they write "United Nations" and "states"; it is theirs when they write every one of
        # its words as a name.
        for place in _place_phrases().finditer(question):
            if not all(w.lower() in self.names for w in _WORD.findall(place.group(0))):
                found = [m for m in found if not place.start() <= m.start() < place.end()]
                found.append(place)
        return [m.group(0) for m in sorted(found, key=lambda m: m.start())]

    def _government(self, question: str, m: re.Match[str]) -> bool:
        """Whether the name `m` is a capital standing for its country's government, a country
        the articles name: "handed over to Moscow" is to Russia. Not a place something is in
        ("a restaurant in Paris", "protests at Moscow")."""
        country = capitals().get(m.group(0).lower())
        if country is None or PLACE_BEFORE.search(question, 0, m.start()):
            return False
        return not any(map(self._lacks, _WORD.findall(country)))

    def _lacks(self, name: str) -> bool:
        """`_is_missing`, kept: spellings are compared with every name the articles use, so a
        name is judged once, not each time it is asked about."""
        missing = self._missing.get(name)
        if missing is None:
            if len(self._missing) >= _KEPT_MAX:
                self._missing.clear()
            missing = self._missing[name] = self._is_missing(name)
        return missing

    def _is_missing(self, name: str) -> bool:
        """Whether the corpus lacks the name `name` (a word of a question) in every spelling."""
        if _TONGUE.fullmatch(name):
            return False  # "What is the party called in English?": a language, no one named
        if name in _COMMON_ACRONYMS:
            return False
        english = english_counts()
        terms = self.tokenizer(name)
        if not terms:
            # An acronym spelt like a stop word ("US", "IT") is still a name: known only
            # if the articles write it with capitals somewhere.
            return len(name) > 1 and name.isupper() and name.lower() not in self.names
        if all(t in self.known_terms for t in terms) or self._joined(name.lower()):
            return False
        # A real word ("France", "Germany") is what it says, never a misspelling of the
        # articles' "French" or "German": the dictionary is asked first. It may still be
        # a form of one of their names ("European" of "Europe").
        if name.lower() in english or _YEAR.match(name):
            return not self._derived(name.lower())
        # A spelling of a name the articles use is not missing, nor a short form of one
        # ("Bolat" of "Bolatbek").
        close = difflib.get_close_matches(name.lower(), self.names, n=1, cutoff=SPELLING_CUTOFF)
        return not close and not self._derived(name.lower())

    def _first_name(self, question: str, words: list[re.Match[str]], i: int) -> bool:
        """Whether the dictionary word `words[i]` is a spelling of the first name of someone
        the articles name, the next word being theirs: "Johanna Lilis" is Joanna Lillis, where
        "France" alone is not "French"."""
        if i + 1 >= len(words) or not question[words[i].end() : words[i + 1].start()].isspace():
            return False
        if not words[i + 1].group(0)[0].isalpha():  # "July 2019": a month and a year
            return False
        if self._lacks(words[i + 1].group(0)):
            return False
        close = difflib.get_close_matches(
            words[i].group(0).lower(), self.names, n=1, cutoff=SPELLING_CUTOFF
        )
        return bool(close)

    def _patronymic(self, question: str, words: list[re.Match[str]], i: int) -> bool:
        """Whether `words[i]` is a father's name (`_PATRONYMIC`) right after a first name
        the articles write."""
        if i == 0 or not _PATRONYMIC.fullmatch(words[i].group(0)):
            return False
        first = words[i - 1]
        return question[first.end() : words[i].start()].isspace() and not self._lacks(
            first.group(0)
        )

    def _joined(self, word: str) -> bool:
        """Whether `word` is two of the corpus's words typed as one ("Mayday" for May Day,
        "Nurotan" for Nur Otan), each of three letters or more and no stop word."""
        for cut in range(3, len(word) - 2):
            halves = (self.tokenizer(word[:cut]), self.tokenizer(word[cut:]))
            if all(h and all(t in self.known_terms for t in h) for h in halves):
                return True
        return False

    def _derived(self, word: str) -> bool:
        """Whether `word` is one of the corpus's names with an ending added or taken away
        (European, Europe): one begins with the other, the shorter of four letters or more."""
        return bool(word_family(word, self.names, 4))

    def named_terms(self, question: str, *, set_aside: bool = True) -> list[frozenset[str]]:
        """The BM25 terms of each name in `question` that the corpus uses, one set a name.

        A name is what `name_phrases` finds; a passage holds it when it holds any of its
        terms ("Ablyazov" alone names Mukhtar Ablyazov). A word spelt in a way the corpus
        lacks (a misspelling) is left out: it cannot be looked for. Without `set_aside`, the
        names the question sets aside ("apart from Tokayev and Kosanov") are left out too.
        """
        groups: list[frozenset[str]] = []
        phrases = self.name_phrases(question) if set_aside else self.asked_names(question)
        for phrase in phrases:
            terms = self.phrase_terms(phrase)
            if terms and terms not in groups:
                groups.append(terms)
        return groups

    def phrase_terms(self, phrase: str) -> frozenset[str]:
        """The BM25 terms of one name (`name_phrases`) that the corpus uses."""
        # a name of several words folded to one token ("Oyan Qazaqstan") is also there
        # where the corpus writes its words alone ("Oyan, a new civic movement")
        tokens = self.tokenizer.document(phrase)
        terms = frozenset(t for t in tokens if t in self.known_terms)
        if _DAY.fullmatch(phrase):  # its month and the day ("june", "june12"), not "12"
            terms = frozenset(t for t in terms if not t.isdigit())
        return terms

    def name_phrases(self, question: str) -> list[str]:
        """The names of `question`, a name of several words as one (see `_spans`)."""
        return list(self._names(question)[0])

    def asked_names(self, question: str) -> list[str]:
        """`name_phrases` but the names the question sets aside: a list of names after
        "besides", "apart from", "other than", … names whom the answer is not."""
        return list(self._names(question)[1])

    def _names(self, question: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The names of `question` and those it asks about (`asked_names`), read once."""
        found = self._phrases.get(question)
        if found is None:
            if len(self._phrases) >= _KEPT_MAX:
                self._phrases.clear()
            spans = self._spans(question)
            every = tuple(question[a:b] for a, b in spans)
            asked = every
            if _ASIDE.search(question) or _HEARD.search(question):
                kept, aside, last = [], False, 0
                for a, b in spans:
                    joined = aside and _LIST_JOINER.fullmatch(question[last:a])
                    heard = _HEARD_ON.search(question, 0, a)
                    aside = bool(joined or _EXCLUDING.search(question, 0, a) or heard)
                    if not aside:
                        kept.append(question[a:b])
                    last = b
                asked = tuple(kept)
            found = self._phrases[question] = (every, asked)
        return found

    def _spans(self, question: str) -> list[tuple[int, int]]:
        """Where the names of `question` stand, a name of several words as one span.

        A known spelling ("Democratic Choice of Kazakhstan", "Toqaev", even opening the
        question) is a name, as is every word `names_in` finds; names standing next to each
        other ("Mukhtar Ablyazov", "Qasym-Zhomart Toqaev", "May Day") are one name.
        """
        spans = [(a, b) for a, b, _ in self.tokenizer.variants.find(question)]
        spans += [m.span() for m in _DAY.finditer(question)]
        spans = [(a, b) for a, b in spans if question[a].isupper() or question[a].isdigit()]
        words = [m.span() for m in _name_words(question)]
        items = sorted(spans + [w for w in words if not any(a <= w[0] < b for a, b in spans)])
        phrases: list[tuple[int, int]] = []
        run_start = run_end = -1
        for a, b in items:
            if run_end >= 0 and self._joins(question, run_start, run_end, a, b):
                run_end = b
                continue
            if run_end >= 0:
                phrases.append((run_start, run_end))
            run_start, run_end = a, b
        if run_end >= 0:
            phrases.append((run_start, run_end))
        return phrases

    @staticmethod
    def _joins(text: str, run_start: int, run_end: int, start: int, end: int) -> bool:
        """Whether the name at start:end continues the one at run_start:run_end: nothing but
        a space or a hyphen between, and neither a year ("Uzbekistan's 2016") nor after a
        possessive ("Nazarbayev's Nur Otan")."""
        if not _JOINER.fullmatch(text[run_end:start]):
            return False
        if any(
            _YEAR.match(t) or _DAY.fullmatch(t) for t in (text[start:end], text[run_start:run_end])
        ):
            return False
        return not re.search(r"['’]s$", text[run_start:run_end])

    def save(self, path: Path) -> None:
        data = {
            "known_terms": sorted(self.known_terms),
            "names": self.names,
            "common_terms": sorted(self.common_terms),
        }
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path, tokenizer: Tokenizer) -> NameCheck:
        data = json.loads(path.read_text(encoding="utf-8"))
        # (An index built before common terms were kept has none: names are read whole.)
        return cls(tokenizer, data["known_terms"], data["names"], data.get("common_terms", ()))


# A full name shortened on the dense side: the articles introduce "Yevgeny Zhovtis" once and
# then write "Zhovtis"; read in full, a question's name draws the model to the sentences
# naming him in full (his introduction, "Yevgeny Zhovtis shares the same opinion.") rather
# than the one answering ("According to Zhovtis, the authorities did not expect …").
# Measured over sets 0–48: hit@1 0.861 → 0.864 (15 questions up to first, 5 down: those
# asking what the introduction says). A question asking who someone is keeps the full name
# (retriever.py): the sentence introducing them answers it.
SURNAME_ALONE = 2  # times the passages write the last name without the first
_NAME_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


class Surnames:
    """A question's full names as the passages write them after the first mention: "What
    did Yevgeny Zhovtis say …?" -> "What did Zhovtis say …?". Only a name of two or three
    capitalised words, its last two ones the corpus writes only with a capital (`proper`),
    whose last word the passages write without the one before it SURNAME_ALONE times or more
    (not "May Day", nor "Oyan Qazaqstan")."""

    def __init__(
        self,
        texts: Sequence[str],
        proper: Callable[[str], bool],
        phrases: Callable[[str], list[str]],
    ) -> None:
        self._texts = texts
        self._proper = proper
        self._phrases = phrases
        self._alone: dict[tuple[str, str], int] = {}  # (first, last) -> times, counted once

    def __call__(self, text: str) -> str:
        for phrase in self._phrases(text):
            words = phrase.split()
            if (
                not 2 <= len(words) <= 3
                or not all(_NAME_WORD.fullmatch(w) and w[0].isupper() for w in words)
                or not all(self._proper(w.lower()) for w in words[-2:])
            ):
                continue
            if self._times_alone(words[-2], words[-1]) >= SURNAME_ALONE:
                text = text.replace(phrase, words[-1])
        return text

    def _times_alone(self, first: str, last: str) -> int:
        key = (first, last)
        times = self._alone.get(key)
        if times is None:
            pattern = re.compile(rf"(?<![\w-]){re.escape(last)}(?![\w-])")
            times = sum(
                first not in text[max(0, m.start() - len(first) - 2) : m.start()]
                for text in self._texts
                for m in pattern.finditer(text)
            )
            if len(self._alone) >= _KEPT_MAX:
                self._alone.clear()
            self._alone[key] = times
        return times


_CAPITALS = Path(__file__).parent / "data" / "capitals.txt"
_DEMONYMS = Path(__file__).parent / "data" / "demonyms.txt"
# A preposition of place right before a name: the name is where something is.
PLACE_BEFORE = re.compile(r"\b(?:in|at|near|around|outside|inside)\s+$", re.I)


# Names of countries and capitals that are also everyday English, left as typed in lower case
# ("fine china", "a male voter", "the valley"): written with a capital, they are places.
_EVERYDAY_PLACES = frozenset(
    {
        "cayenne",
        "chad",
        "china",
        "guinea",
        "jersey",
        "male",
        "muscat",
        "reunion",
        "turkey",
        "valley",
    }
)


@functools.cache
def places() -> dict[str, str]:
    """Every capital and country of retrieval/data/capitals.txt as typed in lower case -> as
    written ("new zealand" -> "New Zealand"; "netherlands" without its "the"), but those that
    are everyday words too."""
    found = {}
    for name in (name for pair in _capital_rows() for name in pair):
        name = re.sub(r"^the\s+", "", name, flags=re.I)
        found[name.lower()] = name
    return {typed: name for typed, name in found.items() if typed not in _EVERYDAY_PLACES}


@functools.cache
def _place_phrases() -> re.Pattern[str]:
    """The places of several words (`places`), as written."""
    written = sorted((p for p in places().values() if _JOINER.search(p)), key=len, reverse=True)
    return re.compile(rf"(?<![\w-])(?:{'|'.join(map(re.escape, written))})(?![\w-])")


@functools.cache
def capitals() -> dict[str, str]:
    """Each country's capital, in lower case -> the country (retrieval/data/capitals.txt): a
    capital stands for its country's government ("handed over to Moscow")."""
    return {capital.lower(): country for capital, country in _capital_rows()}


def countries() -> frozenset[str]:
    """Every country with a capital in retrieval/data/capitals.txt, as written."""
    return frozenset(country for _, country in _capital_rows())


@functools.cache
def demonyms() -> dict[str, str]:
    """What each country's people and things are called, in lower case -> the country as
    written (retrieval/data/demonyms.txt): "the Ukrainian election" is Ukraine's."""
    return {people.lower(): country for people, country in _arrow_rows(_DEMONYMS)}


@functools.cache
def _capital_rows() -> tuple[tuple[str, str], ...]:
    """Each line of retrieval/data/capitals.txt: (capital, country), as written."""
    return _arrow_rows(_CAPITALS)


def _arrow_rows(path: Path) -> tuple[tuple[str, str], ...]:
    """Each "left -> right" line of a data file, comments and blank lines aside, as written."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            left, _, right = line.partition("->")
            rows.append((left.strip(), right.strip()))
    return tuple(rows)
