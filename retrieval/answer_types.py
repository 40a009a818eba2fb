"""Answer types: a question asking for a figure, a date or an age is answered only by a
passage with such a thing beside the question's subject.

"What percentage of the vote did Sadybek Tugel receive?" is close to a passage saying Tugel
"finished dead last", and to others giving Tokayev's 70.76 per cent; neither answers it. The
kinds and what their answers look like are data (retrieval/data/answer_types.yaml).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import yaml

from retrieval.lexical import DATE, MONTHS, TEENS, TENS, UNITS, LexicalIndex
from retrieval.names import NameCheck

_FILE = Path(__file__).parent / "data" / "answer_types.yaml"
_MONTHS = frozenset(MONTHS)
_DAY = re.compile(r"[a-z]+\d{1,2}")  # the tokenizer's term for a day ("june9")


def _when(term: str) -> bool:
    """Whether a term is a month ("june") or a day ("june9")."""
    return term in _MONTHS or (
        _DAY.fullmatch(term) is not None and term.rstrip("0123456789") in _MONTHS
    )


def _is_day(term: str) -> bool:
    """Whether a term is a day ("june9"), not a month."""
    return _when(term) and term not in _MONTHS


def _days(terms: Iterable[str]) -> bool:
    """Whether `terms` hold a day ("june9"), not only a month."""
    return any(map(_is_day, terms))


# A name in more than this share of passages is the corpus's subject, not a constraint.
SUBJECT_SHARE = 0.5


@dataclass(frozen=True)
class AnswerType:
    kind: str
    ask: re.Pattern[str]
    evidence: re.Pattern[str]
    ignore: re.Pattern[str] | None = None
    dated: bool = True  # whether a date the question names must stand beside the answer
    counts: bool = False  # whether the figure must count what the question counts (`Counted`)
    also: re.Pattern[str] | None = None  # what a sentence giving the answer holds besides
    # whether the answer is someone named other than the names asked about: "Who was the
    # Communist Party's candidate?" is not answered by the words "Communist Party"
    someone: bool = False
    # whether a date the question gives is no answer: "When is the next protest after May 9?"
    # is not answered by "On May 9, several mass protests …" (`Named`, all its terms)
    fresh: bool = False
    # whether every answer of this kind is written as `evidence` matches it (an age is a
    # figure), so that no relevance stands in for one (abstention.TYPED_OVERRIDE)
    written: bool = False
    # the words of the role asked about ("prime minister", "mayor"): when the question
    # names no one, its holder is named beside them, not beside any word of heading something
    role: re.Pattern[str] | None = None
    # role words that stand for one another, each family a tuple of words ("party",
    # "movement": a candidate's party is the movement that put him up)
    kin: tuple[tuple[str, ...], ...] = ()
    # whom the question describes, not names ("What punishment did the activists who held the
    # marathon banner receive?": group `described`): the answer's sentence holds their words
    about: re.Pattern[str] | None = None
    # whether the date asked for is of what the question says happened ("renamed"): a
    # sentence giving it holds that word (`_HAPPENED`)
    event: bool = False
    # whether the length asked for is of a thing the question names ("How long is a
    # presidential term?"): a sentence giving it holds the thing's words (`_MEASURED`)
    measured: bool = False
    # how many words from the names asked about an answer of a `someone` kind may stand
    # (abstention.SOMEONE_NEAR when not given)
    near: int | None = None
    # sentence -> whether it holds an answer of this kind (the corpus's sentences recur in
    # every question asking for this kind); kept out of equality and hashing.
    _held: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def anchors(self, names: list[frozenset[str]]) -> list[frozenset[str]]:
        """The question's names an answer of this kind must stand beside: all of them, or, for
        a kind that is not `dated`, all but its months ("Who won the June 9 election?" is
        answered by "Qasym-Zhomart Toqaev won the election.")."""
        if not self.dated:
            return [g for g in names if not all(map(_when, g))]
        if self.fresh:  # a date other than the day given: "the next protest after May 9"
            return names  # is on May 31, a day of the same month
        # A figure of a day asked of stands beside that day, not its month: "How many were
        # detained at the May 31 protest?" is not answered by "On May 6, 24-year-old Aslan …"
        return [frozenset(t for t in g if t not in _MONTHS) if _days(g) else g for g in names]

    def in_sentence(self, sentence: str) -> bool:
        """Whether `sentence` holds an answer of this kind."""
        held = self._held.get(sentence)
        if held is None:
            text = self.ignore.sub(" ", sentence) if self.ignore is not None else sentence
            held = bool(self.evidence.search(text)) and (
                self.also is None or bool(self.also.search(text))
            )
            if len(self._held) >= _HELD_MAX:
                self._held.clear()
            self._held[sentence] = held
        return held


_HELD_MAX = 65_536


def _alternatives(value: str | list[str]) -> str:
    """A pattern of answer_types.yaml, written whole or as a list of alternatives (which
    kinds may share through YAML anchors: an age's bound is also a group's)."""
    return value if isinstance(value, str) else "|".join(value)


def _pattern(value: str | list[str] | None) -> re.Pattern[str] | None:
    """An optional pattern of answer_types.yaml, compiled (`_alternatives`)."""
    return re.compile(_alternatives(value), re.I) if value else None


@cache
def answer_types() -> tuple[AnswerType, ...]:
    rows = yaml.safe_load(_FILE.read_text(encoding="utf-8"))
    return tuple(
        AnswerType(
            r["kind"],
            re.compile(r["ask"], re.I),
            re.compile(_alternatives(r["evidence"]), re.I),
            _pattern(r.get("ignore")),
            bool(r.get("dated", True)),
            bool(r.get("counts", False)),
            _pattern(r.get("also")),
            bool(r.get("someone", False)),
            bool(r.get("fresh", False)),
            written=bool(r.get("written", False)),
            role=_pattern(r.get("role")),
            kin=tuple(tuple(family.split()) for family in r.get("kin", ())),
            about=_pattern(r.get("about")),
            event=bool(r.get("event", False)),
            measured=bool(r.get("measured", False)),
            near=r.get("near"),
        )
        for r in rows
    )


# A question of two parts ("What did he do, and how long ...?") is judged on its first. Not
# "Who won, and by how much?": its second part asks for the figure it ranks by.
_SECOND_PART = re.compile(
    r",?\s+(?:and|or|but)\s+(?=(?:what|who|how|when|where|why|which)\b)", re.I
)
# An auxiliary a question asking yes or no opens on ("Did …", "Was …").
_AUXILIARY = r"(?:did|does|do|is|was|were|are|has|have|had|can|could|would|will)\b"
# A word a question opens on: a question word or an auxiliary ("What …", "Did …").
_ASKS = rf"(?:(?:what|who|whom|how|where|why|which|when)\b|{_AUXILIARY})"
# A question opening on a clause of when ("When asked whether he was to blame, how did he
# respond?", "When the police came, what did they do?") asks what its main clause does: a
# "when" followed, after a comma, by the question itself.
_WHEN_CLAUSE = re.compile(
    r"^\W*when\b[^?,]*,\s*(?=(?:what|who|whom|how|where|why|which|did|does|do|is|was|were|are"
    r"|has|have|had|can|could|would|will)\b)",
    re.I,
)
# Other clauses opening a question ("After Tokayev became interim president, who took over as
# speaker of the Senate?") hide where it begins; read without them first, and with them when
# the rest asks for no kind ("Before becoming president, what job did he hold?" asks for a
# former post by its "before").
_OPENING_CLAUSE = re.compile(
    r"^\W*(?:after|before|once|while|during|following|now\s+that|given\s+that|if|although"
    rf"|though)\b[^?,]*,\s*(?={_ASKS})",
    re.I,
)
# A question opening on whom it asks about, described by a relative clause, then a comma ("The
# candidate who came second, what did he say about his result?") asks what follows the comma:
# the clause says who, not what is asked (no placing here).
_TOPIC_CLAUSE = re.compile(
    r"^\W*(?:(?:as\s+for|about|and)\s+)?(?:the|a|an|this|that|those|these)\s+[^,?]*?"
    rf"\b(?:who|whom|that|which)\b[^,?]*,\s*(?={_ASKS})",
    re.I,
)
# A statement leading in to the question, set off by a dash, a colon, a semicolon or "but"
# ("The Communist Party also had candidates - what were their names?", "Tugel came last but
# what % did he get"): it gives what the question builds on, and asks nothing itself.
_ASKS_OR_WHOSE = rf"(?:whose\b|{_ASKS})"
_LEAD_IN = re.compile(
    rf"^(?!\W*{_ASKS_OR_WHOSE})[^?]*?(?:\s+[-–—]+\s*|\s*[:;]\s+|,?\s+but\s+)"
    rf"(?={_ASKS_OR_WHOSE})",
    re.I,
)
# A part asking yes or no, by the auxiliary it opens on ("Did the protest go ahead").
_YES_NO = re.compile(rf"\W*{_AUXILIARY}", re.I)
# A first part that is only a question word is no part of its own: "When and where was he
# born?" asks one thing, twice.
_BARE_QUESTION_WORD = re.compile(r"\W*(?:what|who|how|when|where|why|which)\W*", re.I)


# A question word contracted with "is" reads as both words ("What's the name of …?", "Who's
# the winner?"), as the kinds are written.
_CONTRACTED = re.compile(r"\b(what|who|where|when|how|why)['’]s\b", re.I)


# A word glossed in brackets reads as it would without them: "Who was the akim (mayor) of
# Almaty?" asks for a mayor of Almaty.
_BRACKETS = re.compile(r"\s*[()\[\]]\s*")


# A share said not to be wanted ("How many votes, not the percentage, did he get?"): no kind
# is asked by it, and the count itself is (`_ABSOLUTE`).
_UNWANTED_SHARE = (
    r"\b(?:not|rather\s+than|instead\s+of)\s+(?:as\s+)?(?:an?\s+|the\s+|in\s+|by\s+|just\s+"
    r"|only\s+)?(?:percent(?:age)?s?|per\s*cent|shares?|proportions?)\b"
)
_UNWANTED = re.compile(_UNWANTED_SHARE, re.I)


def asked_type(question: str) -> AnswerType | None:
    """The kind of answer `question` (its first part) asks for, or None for any other."""
    return _asking(question)[0]


# Whether someone of a description is among a group, or which of it is: "Was there a woman
# among the seven candidates?", "Were any of the candidates women?", "Is it true one of the
# candidates was a woman?", "Which of the candidates was a woman?" ask who that one is ("Who
# was the woman among the seven candidates?"), and are answered only where a sentence says
# most of the description (abstention's `describes`).
_SOMEONE_AMONG = (
    re.compile(
        r"^\W*(?:is\s+it\s+true\s+(?:that\s+)?)?(?:was|were|is|are)\s+there\s+(?:a|an|any|one)\s+"
        r"(?P<described>[\w-]+(?:\s+[\w-]+){0,2}?)\s+(?:among|amongst)\s+(?P<group>[^?.!;]+)",
        re.I,
    ),
    # a person of a sort on a ballot or in a race: "Was there a woman on the ballot?", "Were
    # there any female candidates in the race?" (not "Was there a protest in Almaty?")
    re.compile(
        r"^\W*(?:is\s+it\s+true\s+(?:that\s+)?)?(?:was|were|is|are)\s+there\s+(?:a|an|any|one)\s+"
        r"(?P<described>(?:[\w-]+\s+)?(?:wom[ae]n|female|females|lady|ladies)(?:\s+candidates?)?)"
        r"\s+(?:on|in|running\s+in)\s+(?P<group>the\s+(?:ballot|race|field|running|election)\b)",
        re.I,
    ),
    re.compile(
        r"^\W*(?:is\s+it\s+true\s+(?:that\s+)?)?(?:(?:was|were|is|are)\s+any|(?:was|is)\s+one)"
        r"\s+of\s+(?P<group>the(?:\s+[\w-]+){1,5}?)\s+(?:an?\s+)?(?P<described>[\w-]+)\W*$",
        re.I,
    ),
    re.compile(
        r"^\W*(?:is\s+it\s+true\s+(?:that\s+)?|i\s+(?:heard|read)\s+(?:that\s+)?)?(?:only\s+)?"
        r"one\s+of\s+(?P<group>the(?:\s+[\w-]+){1,5}?)\s+(?:was|is)\s+(?:an?\s+)?"
        r"(?P<described>[\w-]+)\b",
        re.I,
    ),
    re.compile(
        r"^\W*(?:which|who)\s+(?:one\s+)?(?:of|among|amongst)\s+"
        r"(?P<group>the(?:\s+[\w-]+){1,5}?)\s+(?:was|is)\s+(?:an?\s+)?(?P<described>[\w-]+)\W*$",
        re.I,
    ),
)


def as_asked(question: str) -> str:
    """`question`, a question of whether someone of a description is among a group (or
    which of it is) put as the question of who that one is (`_SOMEONE_AMONG`); any other
    as it is."""
    for among in _SOMEONE_AMONG:
        found = among.search(question)
        if found is not None:
            return f"Who was the {found['described']} among {found['group'].strip()}?"
    return question


@lru_cache(maxsize=1024)  # a search asks twice (ranking, abstention); the bot's pages again
def _asking(question: str) -> tuple[AnswerType | None, str]:
    """The kind of answer `question` asks for, and the part of it asking (`_first_part`,
    without a clause opening it when the rest asks for a kind)."""
    question = as_asked(_CONTRACTED.sub(r"\1 is", question))
    if _CLAIM.search(question) and not _WH.search(question):
        # "I heard X said the number of people at the May 1 protests scared the authorities.
        # True?": a claim put to be checked asks whether, not what ("the number of" in it
        # asks for no count). It asks what its question would: "Someone told me Tulseova was
        # jailed. Is that true?" asks "Was Tulseova jailed?", a kind its form asks for
        # (a penalty) where the claim's words alone ask none.
        claim = _FRAME_OPEN.sub("", _FRAME_CLOSE.sub("", question)).strip()
        said = _STATEMENT.match(claim)
        if said is not None:
            form = f"{said['aux']} {said['subject']} {said['rest'].rstrip(' ?.!')}?"
            kinds = answer_types()
            found = next((t for t in kinds if t.ask.search(form) and not t.ask.search(claim)), None)
            if found is not None:
                return found, form
        return None, _first_part(question)
    question = _UNWANTED.sub(" ", question)
    question = _WHEN_CLAUSE.sub("", _BRACKETS.sub(" ", question), count=1)
    question = _TOPIC_CLAUSE.sub("", question, count=1)
    kinds = answer_types()
    opened = _OPENING_CLAUSE.sub("", question, count=1)
    if opened != question:  # what the clause says is read only when the rest asks nothing
        first = _first_part(opened)
        found = next((t for t in kinds if t.ask.search(first)), None)
        if found is not None:
            return found, first
    first = _first_part(question)
    found = next((t for t in kinds if t.ask.search(first)), None)
    if found is None and (inverted := _UNINVERTED.sub(_invert, first, count=1)) != first:
        # "In which country Abliazov is living now?", as a Russian speaker writes it, asks
        # what "In which country is Abliazov living now?" does
        found = next((t for t in kinds if t.ask.search(inverted)), None)
    if found is None and (fronted := _WH_LAST.sub(_front, first, count=1)) != first:
        # "Ablyazov was chairman in which bank before he fled?" asks what "In which bank was
        # Ablyazov chairman before he fled?" does
        found = next((t for t in kinds if t.ask.search(fronted)), None)
    if found is None and _YES_NO.match(first):
        # "Did the protest planned for May 31 go ahead, and how many turned up?": a yes or no
        # asks no kind, the part after it does, of the first part's names
        parts = _SECOND_PART.split(_LEAD_IN.sub("", question, count=1), maxsplit=1)
        if len(parts) == 2:
            found = next((t for t in kinds if t.ask.search(parts[1])), None)
    return found, first


# A claim put to be checked: the words putting it, before it ("I heard", "Is it true that",
# "Someone told me") or after it (", right?", ". Is that so?"); CHECKED alone is a sentence
# asking only that (retrieval/query.py). A question word anywhere asks all the same (`_WH`:
# "I heard many were detained. How many?").
CHECKED = (
    r"(?:(?:is|was)\s+(?:that|this|it)\s+)?(?:really\s+)?(?:true|right|correct|accurate|so"
    r"|the\s+case)"
)
_CLAIM_OPENS = (
    r"^\W*(?:(?:so|but|and|ok|okay)\W+)?(?:is\s+it\s+(?:really\s+|actually\s+)?(?:true|right"
    r"|correct|accurate|a\s+fact)|i(?:\s+have|['’]ve)?\s+(?:heard|read|been\s+told)|i\s+was\s+told"
    r"|some(?:one|body)\s+(?:told\s+me|said|claimed|says|claims)|(?:people|they)\s+(?:say|said"
    r"|claim|claimed))\b"
)
_CLAIM_CLOSES = rf"(?:[.,;!-]|\s-)\s*{CHECKED}\s*\?+\s*$"
_CLAIM = re.compile(f"{_CLAIM_OPENS}|{_CLAIM_CLOSES}", re.I)
_FRAME_OPEN = re.compile(_CLAIM_OPENS + r"[\s,:]*(?:that\b\s*)?", re.I)
_FRAME_CLOSE = re.compile(_CLAIM_CLOSES, re.I)
# A statement of a few words' subject, its verb "be" or "have" and a participle, regular or
# one of the common irregular ones: "Asya Tulseova was jailed after the election", "Tokayev
# was born in Almaty".
_PARTICIPLE = (
    r"\w+(?:ed|en)|born|held|kept|sent|paid|led|told|made|put|shut|cut|hit|hurt|caught|brought"
    r"|bought|sold|left|lost|won|set|built|found|heard|met|run|shot"
)
_STATEMENT = re.compile(
    r"^(?P<subject>(?:[\w’'-]+\s+){0,4}?[\w’'-]+)\s+(?P<aux>was|were|is|are|has|have|had)\s+"
    rf"(?P<rest>(?:(?:\w+ly|also|not|never|even|all|later|then)\s+)?(?:{_PARTICIPLE})\b[^.!?]*)",
    re.I,
)
# A question word (retrieval/query.py reads fragments by it too).
QUESTION_WORD = r"\b(?:who|whom|whose|what|which|when|where|why|how)\b"
# A word that opens a relative clause: the words before it are not its clause (a subject
# of a few words, what an instruction asks for), so none of them is one (query.py too).
RELATIVE = r"(?:that|which|who|whom|whose|where|when)\b"
_WH = re.compile(QUESTION_WORD, re.I)


# A question word (and the noun it asks of) before a name and its verb, left uninverted:
# "In which country Abliazov is living now?", "Why Tokayev was chosen?"
_UNINVERTED = re.compile(
    r"^(?P<wh>\W*(?i:(?:(?:in|on|at|from|to|for|with|since)\s+)?(?:which|what|where|when|why|who"
    r"|how(?:\s+(?:many|much|long|old))?)(?:\s+[a-z]+)?))\s+"
    r"(?P<name>[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+){0,2})\s+"
    r"(?P<verb>(?i:is|was|are|were|has|have|had|will|would|can|could))\b"
)


def _invert(match: re.Match[str]) -> str:
    return f"{match['wh']} {match['verb']} {match['name']}"


# A statement asking by a "which" or "what" at its end, as an echo of a question: "Tokayev
# was born in which city?", "Ablyazov was chairman in which bank before he fled?"
_WH_LAST = re.compile(
    r"^\W*(?P<subject>(?:[\w’'.-]+\s+){0,3}?[\w’'.-]+)\s+(?P<verb>is|was|are|were|has|have|had)"
    r"\s+(?P<said>(?:[\w’'.-]+\s+){0,5}?)(?P<wh>(?:(?:in|on|at|from|to|for|of|with|by)\s+)?"
    r"(?:which|what)\s+[\w’'-]+)(?P<rest>[^?]*)",
    re.I,
)


def _front(match: re.Match[str]) -> str:
    said = f" {match['said'].strip()}" if match["said"].strip() else ""
    return f"{match['wh']} {match['verb']} {match['subject']}{said}{match['rest']}"


def _first_part(question: str) -> str:
    """A question's first part, where it asks two things ("Where is Ablyazov living, and
    what was he fighting in the French courts?"): the kind of answer is the first's, and so
    are the names it stands beside (`asked`). The whole, where the first is a bare question
    word. A statement leading in is no part ("Tokayev won with about 70% - how many votes
    was that?" asks a count, not the share it gives)."""
    question = _LEAD_IN.sub("", question, count=1)
    first = _SECOND_PART.split(question, maxsplit=1)[0]
    return question if _BARE_QUESTION_WORD.fullmatch(first) else first


@dataclass(frozen=True)
class Named:
    """What someone asked for is not: one of the question's own names (`terms`, every
    term of the names it mentions), nor a run of capitalised words holding a word the
    corpus also writes as a common one (`common`): "Communist Party", "Wake Up" and
    "President Nursultan" are a party, a slogan and a title, not a person."""

    terms: frozenset[str] = frozenset()
    common: frozenset[str] = frozenset()

    # a name whose last word (a family name) is one of `terms` is one of them, written in
    # full: "Kassym-Zhomart Tokayev" of "Tokayev" (for a role taken over from them)
    family: bool = False

    def excludes(self, words: set[str], last: str | None = None) -> bool:
        """Whether a name of terms `words` (its last word's term `last`) is one of these, or
        no person's."""
        if not self.common.isdisjoint(words):
            return True
        return bool(self.terms) and (words <= self.terms or self.family and last in self.terms)


NO_NAMES = Named()


def answering(
    kind: AnswerType,
    sentences: Sequence[str],
    anchors: list[frozenset[str]],
    terms,
    counted: Counted | None = None,
    *,
    named: Named = NO_NAMES,
    before: Sequence[str] | None = None,
    dates: Sequence[str] | None = None,
) -> list[int]:
    """The positions of the `sentences` holding an answer of `kind` and a term of every
    anchor group (and, given what a count question counts, a figure that may count it).

    `terms(sentence)` gives a sentence's lexical terms (the BM25 tokenizer: stems, name
    variants folded), so anchors match whatever spelling the sentence uses. `named`: what
    the answer of a kind answered by `someone` is not (`Named`). `before`, the sentence before
    each: a sentence naming no one speaks of whom that one names ("Ablyazov has resurrected
    the DVK …" then "Supporters of the former government official-turned-opposition-figure
    … after he fled the country (some allege with several billion dollars) …").
    `dates`, the sentence before each giving a day (`dated`): a sentence giving none speaks of
    that day ("Kazakh police detain people … on June 9." … "More than 500 were detained.").
    """
    found = []
    for i, sentence in enumerate(sentences):
        if not kind.in_sentence(sentence):
            continue
        words = set(terms(sentence))
        if before and before[i] and not all(g & words for g in anchors) and names_no_one(sentence):
            words |= set(terms(before[i]))
        if dates and dates[i] and _days_missing(anchors, words):
            # a day the sentence does not give is the one said last before it, if any
            words |= _days_said(dates[i], words, terms)
        if (
            all(g & words for g in anchors)
            and (counted is None or counted.in_sentence(kind, sentence, terms))
            and (
                not _picky(kind, named, words)
                or next(_answers(kind, sentence, terms, named), -1) >= 0
            )
        ):
            found.append(i)
    return found


def _picky(kind: AnswerType, named: Named, words: set[str] | None = None) -> bool:
    """Whether some of what `kind`'s evidence matches (in a sentence of terms `words`) may be
    no answer (`Named`): a person, or a date the question gives that the sentence holds."""
    return kind.someone or (
        kind.fresh and bool(named.terms) and (words is None or not named.terms.isdisjoint(words))
    )


def _last_term(name: str, terms) -> str | None:
    """The term of a name's last word ("Tokayev" of "Kassym-Zhomart Tokayev"), if it has one."""
    words = name.split()
    found = list(terms(words[-1])) if words else []
    return found[-1] if found else None


def _answers(kind: AnswerType, sentence: str, terms, named: Named) -> Iterator[int]:
    """Where each answer of `kind` in `sentence` starts, but, for a kind answered by
    `someone`, what `named` excludes ("President Nursultan Nazarbaev": from "Nursultan"),
    and for a `fresh` kind, what the question gives ("May 9" of "after May 9")."""
    text = sentence
    if kind.ignore is not None:  # blanked, not removed: positions stay those of `sentence`
        text = kind.ignore.sub(lambda m: " " * len(m.group(0)), sentence)
    picky = _picky(kind, named)
    at = 0
    while (match := kind.evidence.search(text, at)) is not None:
        if picky and named.excludes(set(terms(match.group(0))), _last_term(match.group(0), terms)):
            at = match.start() + 1  # the name may start at its next word
            continue
        yield match.start()
        at = match.end()


# A sentence opening on a pronoun for a person ("He readily accepted …"): whom it speaks of is
# named before it.
OPENS_ON_PRONOUN = re.compile(r"[“\"‘']?(?:He|She|They|His|Her|Their)\b")


def _days_missing(anchors: list[frozenset[str]], words: set[str]) -> bool:
    """Whether the anchor groups a sentence of terms `words` lacks are all days ("june9")."""
    missing = [g for g in anchors if not g & words]
    return bool(missing) and all(map(_days, missing))


def _days_said(sentence: str, words: set[str], terms) -> set[str]:
    """The days `sentence` gives (terms: "june9"), when a sentence of terms `words` gives none."""
    if _days(words):
        return set()
    return set(filter(_is_day, terms(sentence)))


def dated(sentences: Sequence[str]) -> list[str]:
    """For each of a passage's `sentences`, the nearest one before it giving a day ("" for
    none; "June 9", "9 June", as the tokenizer makes one term of it): the day a sentence
    giving none speaks of, as news writing carries it forward."""
    return _last_before(sentences, lambda sentence: DATE.search(sentence) is not None)


def names_no_one(sentence: str) -> bool:
    """Whether `sentence` has no capitalised word but its first: it names no one."""
    return not any(w[:1].isupper() for w in sentence.split()[1:])


def referents(sentences: Sequence[str]) -> list[str]:
    """For each of a passage's `sentences`, the nearest one before it naming someone ("" for
    none): whom a sentence naming no one speaks of, past others naming no one ("Qosanov did
    criticize …" then "After that, he was mainly quiet." then "… even though he officially
    received more than 16 percent of the vote")."""
    return _last_before(sentences, lambda sentence: not names_no_one(sentence))


def _last_before(sentences: Sequence[str], said: Callable[[str], bool]) -> list[str]:
    """For each of `sentences`, the nearest one before it of which `said` holds ("" for
    none)."""
    found, last = [], ""
    for sentence in sentences:
        found.append(last)
        if said(sentence):
            last = sentence
    return found


def holds_answer(
    kind: AnswerType,
    sentences: Sequence[str],
    anchors: list[frozenset[str]],
    terms,
    counted: Counted | None = None,
    *,
    named: Named = NO_NAMES,
    before: Sequence[str] | None = None,
    dates: Sequence[str] | None = None,
) -> bool:
    """Whether one of `sentences` holds an answer of `kind` beside every anchor group
    (`before`, `dates`: as for `answering`)."""
    found = answering(
        kind, sentences, anchors, terms, counted, named=named, before=before, dates=dates
    )
    return bool(found)


# What a count question counts: "How many polling stations …" (the words after "how many" up
# to the first stop word), "What is the population of Almaty?"; "how much X does …" names
# what it measures as "how many X" does ("How much alcohol does kumiss contain?"), where "how
# much foreign governments back him" asks how far, not how many.
_COUNTED = re.compile(
    r"\b(?:how\s+many|number\s+of|how\s+much(?=\s+[^\W\d_]+\s+(?:is|was|are|were|does|do|did"
    r"|has|have|had|can|could|will|would)\b))\s+(?:more\s+)?(?:of\s+(?:the\s+)?)?"
    r"(?:(?P<scale>hundreds?|thousands?|millions?|billions?)\s+(?:of\s+)?)?"
    r"(?P<words>[^\W\d_]+(?:[\s-]+[^\W\d_]+)?)|\b(?P<measure>population|area|gdp)\b",
    re.I,
)
# A word saying how, not what, after the thing counted ("exactly", "really", "roughly").
_ADVERB = re.compile(
    r"(?:exact|actual|real|rough|approximate|precise|total|official|final)ly", re.I
)
# "get" as "be" ends it too: "how many ppl got arrested" counts people, not "got".
_GOT = re.compile(r"get|gets|got|gotten|getting", re.I)
# Things counted that are people: a figure of "people" counts protesters, voters, officers.
# An agent noun ("protesters", "observers", "activists", "participants", "detainees") or one of
# the few other plural nouns for people.
_PEOPLE = re.compile(
    r"\w+(?:er|or|ist|ant|ent|ee)s|people|persons|ppl|candidates|youths?|citizens|men|women"
    r"|children|kids|police|kazakhs",
    re.I,
)
# People of a trade or standing, whom a figure of "people" does not count.
_PARTICULAR = re.compile(
    r"journalists|reporters|correspondents|bloggers|observers|monitors|officers|policemen"
    r"|police|cops|candidates|voters|officials|diplomats|lawyers|students|teachers|members"
    r"|women|men|children|kids",
    re.I,
)
# A count asked of one day, and a figure of several: "How many were arrested on election
# day?" is not answered by "1,000 people over the course of three days".
_ONE_DAY = re.compile(
    r"\b(?:on|during|in)\s+(?:the\s+)?(?:election|voting|polling|that|first|second|last|same)"
    r"\s+day\b",
    re.IGNORECASE,
)
_DAYS = r"(?:\d+|two|three|four|five|six|seven|several|a\s+few|few)\s+days\b"  # of several
_SEVERAL_DAYS = re.compile(rf"\b{_DAYS}", re.IGNORECASE)
_DAYS_SPAN = re.compile(  # a figure's span, after it: "… over the course of three days"
    r"(?:\w+\s+){0,3}?(?:over|during|across|in|within|for)\s+(?:the\s+)?(?:course\s+of\s+)?"
    rf"(?:the\s+)?{_DAYS}",
    re.IGNORECASE,
)
# What happens to people, counted as a noun: "how many detentions" counts people detained.
_ACTS_ON_PEOPLE = re.compile(
    r"(?:detention|arrest|injur(?:y|ie)|death|killing|casualt(?:y|ie)|victim)s?", re.I
)
# A past participle right after "how many" ("how many detained in Almaty"): "-ed", not "-eed".
_DONE_TO = re.compile(r"[^\W\d_]{2,}(?<![e])ed", re.I)
# What is done to people, after a bare figure ("More than 500 were detained"): the figure
# counts people, not polling stations.
_TO_PEOPLE = re.compile(
    r"(?:detain|arrest|jail|imprison|injur|wound|kill|beat|drag|fin|sentenc|hospitali[sz]|"
    r"question|interrogat|releas|evacuat)ed|beaten|taken",
    re.I,
)


# A person named by a compound of what they are ("policemen": police, "servicewomen").
_COMPOUND_PERSON = re.compile(r"(?P<what>[^\W\d_]{3,}?)(?:wo)?m[ae]n", re.I)


def _said_of(word: str, terms) -> set[str]:
    """The terms `word` says of what it counts: its own, and for a compound naming people by
    what they are, that thing's ("three policemen" are police)."""
    found = set(terms(word))
    m = _COMPOUND_PERSON.fullmatch(word)
    return found | set(terms(m["what"])) if m is not None else found


_ACT_SPAN = 4  # words either side of a figure of people where what was done to them is said


def _acted_on(tokens: list[str], i: int) -> bool:
    """Whether the figure of people at `tokens[i]` is said to be done to ("arrested
    approximately 1,000 people", "500 people … were detained")."""
    near = tokens[max(0, i - _ACT_SPAN) : i + _ACT_SPAN + 2]
    return any(_TO_PEOPLE.fullmatch(w) for w in near)


def _done_to_people(after: list[str]) -> bool:
    """Whether the words after a bare figure say it was done to people: "were detained"."""
    words = [w.lower() for w in after]
    return len(words) >= 2 and words[0] in ("were", "was") and bool(_TO_PEOPLE.fullmatch(words[1]))


# A bare figure after these is an age ("driven by young people, mostly under 30").
_AGE_BOUND = frozenset({"under", "aged"})
# The words of a count of people that say no more than who they are or what was done to them.
_OF_ANYONE = re.compile(rf"{_PEOPLE.pattern}|{_ACTS_ON_PEOPLE.pattern}|{_TO_PEOPLE.pattern}", re.I)
# People of one sort said after them ("How many citizens were registered to vote?"): a
# standing on a roll, which a figure of people protesting does not count.
_ON_ROLL = re.compile(
    r"\s+(?:were|are|was|is|got|get|have\s+been|had\s+been)\s+(?:\w+ly\s+)?(?:registered"
    r"|eligible|entitled|enrolled|listed)\b",
    re.I,
)
# What a figure of people is written as counting ("500 people were detained").
_OF_PEOPLE = frozenset({"people", "persons", "individuals", "citizens", "men", "women"})
_FIGURE = re.compile(
    rf"\d+(?:[.,]\d+)*|\b(?:{'|'.join((*UNITS, *TEENS, *TENS))}"
    r"|hundreds?|thousands?|millions?|billions?|dozens?|several|few)\b",
    re.I,
)
# An amount said in words counts as a figure: "only a scant number of demonstrators arrived"
# answers how many came (not "the number of people that took part …", which gives none).
_AMOUNT_IN_WORDS = re.compile(
    r"\b(?:(?:small|scant|tiny|modest|limited|large|great|huge|vast|significant|considerable"
    r"|record|unprecedented)\s+numbers?|handful|scores)(?=\s+of\b)",
    re.I,
)
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W_]+(?:['’-][^\W_]+)*|[^\w\s]")
_SHARE = frozenset({"%", "per", "cent", "percent", "percentage"})  # "70.76 per cent": a share
# A question that wants the count itself, not a share of it ("How many votes, in absolute
# numbers, did he get?", "… as an actual number", "… not the percentage"): "70 percent of
# the vote" does not answer it.
_ABSOLUTE = re.compile(
    r"\b(?:absolute\s+(?:numbers?|terms|figures?)|in\s+total|total\s+number|"
    r"(?:exact|actual|raw)\s+(?:numbers?|counts?|figures?)|exactly\s+how\s+many)\b"
    rf"|{_UNWANTED_SHARE}",
    re.I,
)
_DETERMINERS = frozenset({"the", "them", "these", "those", "a", "all"})


@dataclass(frozen=True)
class Counted:
    """What a count question counts, as lexical terms, and whether it is people.

    A figure counts the thing written right after it ("1,000 people", "seven candidates"):
    it answers "How many polling stations …?" only when that thing is polling stations. A bare
    figure ("More than 500 were detained") may count anything; a figure of people counts any
    people asked about ("How many protesters …?": "500 people"). A share answers for a share of
    the thing asked about ("How many votes did he get?": "70 percent of the vote"; not "70.76
    per cent with 77.4 per cent turnout"), unless the count itself is asked for (`absolute`).
    """

    terms: frozenset[str]
    people: bool
    absolute: bool = False  # the count itself is asked for, not a share of it
    # a measure of a place (population, area, GDP): never written as a bare figure, so only
    # a figure beside the measure's own word answers ("a population of 18 million")
    measure: bool = False
    # whether the question asks of something done to people ("detained", "arrests"): a
    # figure of people said to be done to ("arrested 1,000 people") answers only that
    act: bool = True
    # whether the question asks of one day ("on election day", "on the first day"): a figure
    # of several days ("1,000 people over the course of three days") is not that day's
    one_day: bool = False
    # the words of the thing counted, as typed ("cops"): how it was said, not what it is
    words: tuple[str, ...] = field(default=(), compare=False)

    def meaning(self, words: Sequence[str], terms) -> Counted:
        """This count, its thing also written as `words` (corpus words meaning what the
        question's do, where the corpus lacks them: "cops" as "police", "policemen")."""
        more = frozenset(t for w in words for t in terms(w))
        return replace(self, terms=self.terms | more) if more - self.terms else self

    def in_sentence(self, kind: AnswerType, sentence: str, terms) -> bool:
        """Whether a figure of `sentence` may count this thing."""
        text = kind.ignore.sub(" ", sentence) if kind.ignore is not None else sentence
        text = _AMOUNT_IN_WORDS.sub("several", text)
        tokens = _TOKEN.findall(text)
        for i, token in enumerate(tokens):
            if not _FIGURE.fullmatch(token):
                continue
            if self.one_day and _DAYS_SPAN.match(" ".join(tokens[i + 1 : i + 9])):
                continue  # "… 1,000 people over the course of three days": not one day's
            if self.measure:
                if any(self.terms & set(terms(w)) for w in tokens[max(0, i - 4) : i + 4]):
                    return True
                continue
            if token.isalpha() and i and tokens[i - 1].lower() == "the":
                continue  # "deployed by the thousands": how, not how many
            j = i + 1
            if j < len(tokens) and tokens[j].lower() == "of":  # "thousands of (the) people"
                j += 1 + (j + 1 < len(tokens) and tokens[j + 1].lower() in _DETERMINERS)
            after = tokens[j : j + 2]
            if after and after[0].lower() in _SHARE:
                if not self.absolute and self._share_of_it(tokens, j, terms):
                    return True
                continue  # a share of something else, or a count asked for
            if after and _FIGURE.fullmatch(after[0]) and after[0].isalpha():
                continue  # "several thousand people", "6.5 million votes": the next decides
            if not after or not terms(after[0]) or _FIGURE.fullmatch(after[0]):
                if token.lower() == "one":
                    continue  # "the first one that …", "One of the features": no count
                if i and tokens[i - 1].lower() in _AGE_BOUND:
                    continue  # "young people, mostly under 30": an age, not a count
                # a bare figure: "More than 500 were detained." counts those it says were
                # done to ("detained": people), or anything
                if (not self.people or not self.act) and _done_to_people(tokens[j : j + 3]):
                    continue
                return True
            if any(self.terms & _said_of(w, terms) for w in after):
                return True
            if self.people and after[0].lower() in _OF_PEOPLE:
                if not self.act and _acted_on(tokens, i):
                    continue  # "arrested approximately 1,000 people": not registered voters
                return True
        return False

    def of_other_days(self, kind: AnswerType, sentence: str, terms) -> bool:
        """Whether `sentence`, asked a count of one day, gives one of several instead
        ("arrested approximately 1,000 people over the course of three days"): a figure that
        would count this thing but for its span."""
        return (
            self.one_day
            and not self.in_sentence(kind, sentence, terms)
            and replace(self, one_day=False).in_sentence(kind, sentence, terms)
        )

    def _share_of_it(self, tokens: list[str], j: int, terms) -> bool:
        """Whether the share whose words start at `tokens[j]` is of this thing ("70 percent
        of the vote")."""
        while j < len(tokens) and tokens[j].lower() in _SHARE:
            j += 1
        if j >= len(tokens) or tokens[j].lower() != "of":
            return False
        j += 1 + (j + 1 < len(tokens) and tokens[j + 1].lower() in _DETERMINERS)
        return j < len(tokens) and bool(self.terms & set(terms(tokens[j])))


def counted(question: str, terms) -> Counted | None:
    """What `question` counts, or None when it names nothing ("How many were arrested?")."""
    match = _COUNTED.search(question)
    if match is None:
        return None
    words = (match.group("measure") or match.group("words")).split()
    found: set[str] = set()
    used: list[str] = []
    for n, word in enumerate(words):
        term = terms(word)
        if not term:  # a stop word ends the thing counted: "how many people were …"
            break
        if n and (_ADVERB.fullmatch(word) or _GOT.fullmatch(word)):
            break  # "how many journalists exactly were …", "how many ppl got arrested"
        found.update(term)
        used.append(word)
    if not found:
        return None
    # "how many detained/arrested/injured": the thing counted goes unsaid; those done to are
    # people (or anything: a bare figure still answers), so a figure of people answers it.
    people = any(_PEOPLE.fullmatch(w) or _ACTS_ON_PEOPLE.fullmatch(w) for w in words) or bool(
        _DONE_TO.fullmatch(words[0])
    )
    # People of one sort ("registered voters", "eligible voters") are not any people: a
    # figure of people ("several thousand people … demonstrated") does not count them. Whose
    # they are ("Ablyazov followers") says no more than who.
    before = next((n for n, w in enumerate(used) if _OF_ANYONE.fullmatch(w)), 0)
    if people and any(w.islower() for w in used[:before]):
        people = False
    end = question.find(used[-1], match.start()) + len(used[-1])
    if people and _ON_ROLL.match(question, end):  # "how many citizens were registered …"
        people = False
    # Nor are people of a trade or standing ("journalists", "observers", "police"): "How
    # many journalists were detained?" is not answered by "1,000 people" arrested.
    if people and any(_PARTICULAR.fullmatch(w) for w in used):
        people = False
    # "How many million votes …?" asks for the count itself, as "in absolute numbers" does
    absolute = match.group("scale") is not None or _ABSOLUTE.search(question) is not None
    act = any(
        _TO_PEOPLE.fullmatch(w) or _ACTS_ON_PEOPLE.fullmatch(w) for w in _WORD_AT.findall(question)
    )
    one_day = bool(_ONE_DAY.search(question)) and not _SEVERAL_DAYS.search(question)
    return Counted(
        frozenset(found),
        people,
        absolute,
        match.group("measure") is not None,
        act,
        one_day,
        tuple(used),
    )


# A figure this many words or fewer from each of the question's names is theirs ("Tokayev with
# 70.76 per cent"); farther, it may be someone else's ("… which showed that Tokayev won by an
# overwhelming margin, said he won votes (… Kossanov won 15.39 per cent)").
NEAR_WORDS = 6
FAR_SHARE = 0.5  # what an answer far from the names counts, against 1 for a near one
_WORD_AT = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def nearness(
    kind: AnswerType,
    sentence: str,
    anchors: list[frozenset[str]],
    terms,
    *,
    named: Named = NO_NAMES,
    within: int = NEAR_WORDS,
) -> float:
    """1 when an answer of `kind` in `sentence` stands within `within` words of a word of
    every anchor group, FAR_SHARE when it stands farther (or the sentence has none near).
    `named` as for `answering`."""
    if not anchors:
        return 1.0
    words = list(_WORD_AT.finditer(sentence))
    starts = [w.start() for w in words]
    where: list[list[int]] = [[] for _ in anchors]
    for n, w in enumerate(words):
        found = set(terms(w.group(0)))
        for g, group in enumerate(anchors):
            if group & found:
                where[g].append(n)
    for g, group in enumerate(anchors):
        # a name spelt in several words that the variants fold into one term ("Oyan
        # Qazaqstan": oyanqazaqstan) is found in words read two to five at a time, from a
        # word with a capital (a name's first: the others are not read)
        for n in range(len(words)) if not where[g] else ():
            if not words[n].group(0)[0].isupper():
                continue
            for size in (2, 3, 4, 5):
                span = sentence[starts[n] : words[min(n + size, len(words)) - 1].end()]
                if group & set(terms(span)):
                    where[g].append(n)
                    break
    if not all(where):
        return FAR_SHARE
    for start in _answers(kind, sentence, terms, named):
        at = bisect.bisect_right(starts, start) - 1
        if all(min(abs(at - n) for n in spots) <= within for spots in where):
            return 1.0
    return FAR_SHARE


def best_nearness(
    kind: AnswerType,
    sentences: Sequence[str],
    anchors: list[frozenset[str]],
    terms,
    counted: Counted | None = None,
    *,
    named: Named = NO_NAMES,
    within: int = NEAR_WORDS,
    before: Sequence[str] | None = None,
    dates: Sequence[str] | None = None,
) -> tuple[float, list[int]]:
    """The best `nearness` of the sentences answering (0 when none does), and their
    positions (`answering`; `before`, `dates` as there)."""
    found = answering(
        kind, sentences, anchors, terms, counted, named=named, before=before, dates=dates
    )
    near = (nearness(kind, sentences[i], anchors, terms, named=named, within=within) for i in found)
    return max(near, default=0.0), found


@dataclass(frozen=True)
class Asked:
    """The kind of answer a question asks for, the names it must stand beside, and what a
    count question counts."""

    kind: AnswerType
    anchors: list[frozenset[str]]
    counted: Counted | None = None
    named: Named = NO_NAMES  # what someone asked for is not (a kind answered by `someone`)
    # a role the one asked for took over from the names asked about ("Who replaced Tokayev
    # as speaker of the Senate?"): the words of "speaker of the Senate", one group each
    role: tuple[frozenset[str], ...] = ()
    # other anchors an answer may stand beside instead (abstention): a reason said with the
    # act asked about and any one of the names
    either: tuple[list[frozenset[str]], ...] = ()


# Someone who took a role over from someone else: "Who replaced Tokayev as speaker of the
# Senate?" asks for the one who holds the role now (named beside it), not for Tokayev or for
# anyone named near him. The role runs to a clause of when ("… when he became president").
_SUCCEEDED = re.compile(
    r"\b(?:replac(?:ed|es|e)|succe(?:eded|eds|ed)|took\s+over\s+from|takes?\s+over\s+from)"
    r"\s+\S.*?\s+as\s+(?P<role>[^?.,;!]+?)"
    r"(?=\s+(?:when|after|before|once|while|following|during|in\s+\d)\b|\s*[?.,;!]|\s*$)",
    re.I,
)
# Taking a role: "took over as", "took over his old job running", "became", "was named".
_TAKING = (
    r"(?:(?:took|takes|take)\s+over\s+(?:as|(?:his|her|their)\s+(?:old\s+|former\s+|previous\s+)?"
    r"(?:job|post|position|seat|place|role)(?:\s+(?:as|of|running|heading|leading|chairing))?)"
    r"|became|becomes|become|was\s+(?:named|appointed|made)(?:\s+as)?)"
)
# The same, the role named first and whom it was taken from after it: "Who took over as
# speaker of the Senate after Tokayev became interim president?", "Who became speaker of the
# Senate after Tokayev moved up?".
_TOOK_ROLE = re.compile(
    rf"\b{_TAKING}\s+(?:the\s+)?(?:new\s+)?(?P<role>[^?.,;!]+?)\s+(?:after|once|when|following)"
    r"\s+\S",
    re.I,
)
# The same, the clause of when before it: "After Tokayev became interim president, who took
# over as speaker of the Senate?", "… who took over his old job running the Senate?"
_TOOK_ROLE_AFTER = re.compile(
    r"^\W*(?:after|once|when|following)\s+[^,?]+,\s*(?:who|whom)\s+"
    rf"(?:{_TAKING}|replaced\s+(?:him|her)\s+as)\s+(?:the\s+)?(?:new\s+)?(?P<role>[^?.,;!]+?)"
    r"\s*[?.!]*$",
    re.I,
)


# What a question about "the next X" or "the upcoming X" asks for (its date, its winner, its
# count) stands beside X: "When is the next protest planned?" is answered by "another protest
# … is going to be held on May 31"; "When is the next parliamentary election?" not by a date
# beside the presidential one. X's first word, unless most passages hold it ("election").
_NEXT = re.compile(r"\b(?:next|upcoming)\s+([^\W\d_]+)", re.I)
# The same of an event the time asked for is of, named by its kind: "When are the
# parliamentary elections gonna be held?" is not answered by "another protest … is going to
# be held on May 31", nor by the presidential election's date: its first word stands beside
# the date, unless most passages hold it ("When was the election held?").
_KIND_OF_EVENT = re.compile(
    r"\b(?:the|its|kazakhstan['’]s|kz['’]?s)\s+([^\W\d_]+)\s+(?:elections?|votes?|polls?"
    r"|referend(?:um|ums|a)|protests?|rall(?:y|ies)|marches|march|demonstrations?|strikes?)\b",
    re.I,
)
# A participle of planning says when something was to happen, not when it was planned: "On
# what date was another protest expected?" asks for the protest's date ("is going to be held
# on May 31"), which no "expected" stands beside.
_NOT_PLANNED = r"(?!(?:expected|planned|scheduled|supposed|slated|intended|anticipated|set|due)\b)"
# What happened at the time asked for: "When was Astana renamed Nur-Sultan?", "On what date
# was the banner unfurled?", "In which month and year exactly was …" — a participle right
# after its subject of three words at most (not "the national liberation revolt linked to the
# poem", which says which revolt), nor in a relative clause ("… the marathon where the banner
# appeared"). The date stands in a sentence saying it ("unfurled … on April 21"), where the
# articles have the word at all.
_HAPPENED = re.compile(
    r"^\W*(?:(?:why|where|how|who)\s+and\s+)?"  # "Why and on what date was it renamed?"
    r"(?:when|(?:in|on)?\s*(?:what|which)\s+(?:exact\s+)?(?:year|month|date|day)"
    r"(?:\s+(?:and|or)\s+(?:year|month|date|day|time))?"
    # or the time since another ("How many days after the vote was he inaugurated?")
    r"|how\s+(?:long|soon|quickly|many\s+(?:years|months|weeks|days|hours))\s+"
    r"(?:after|before|since|from)\b[^?.!]*?)(?:\s+(?:exactly|precisely))?\s+"
    r"(?:(?:was|were|is|are|has|have|had)\s+"
    rf"(?:(?!{RELATIVE})[\w’'.-]+\s+){{1,3}}?"
    rf"(?P<event>{_NOT_PLANNED}[a-z]{{3,}}ed)\b"
    # or with "get": "When did Nur-Sultan get renamed?"
    rf"|(?:did|does|do)\s+(?:(?!{RELATIVE})[\w’'.-]+\s+){{1,3}}?"
    r"(?:get|got)\s+(?P<got>[a-z]{3,}ed)\b"
    # or its subject first, as Russian has it: "On which date Astana was renamed?"
    r"|(?:(?!(?:that|which|who|whom|whose|where|when|was|were|is|are|did|does|do)\b)"
    r"[\w’'.-]+\s+){1,3}?(?:was|were|got|get)\s+"
    rf"(?P<after>{_NOT_PLANNED}[a-z]{{3,}}ed)\b"
    # or named as a noun: "On what date did the renaming of the capital take effect?"
    r"|(?:did|does|do|was|were|is|are)\s+the\s+(?P<noun>[a-z]{3,}(?:ing|tion|sion|ment|al))\s+of\b)",
    re.I,
)

# A time asked of an event named by its noun, then described by a phrase naming something
# else: "What year was the revolt connected to Dulatov's poem?", "When was the protest against
# the blocks held?". The noun is the event whose time is asked, its words before it in lower
# case, "the" or not ("In which year was national liberation revolt connected to Dulatov
# poem?"): a name there is what the question asks of ("When was Tokayev elected to …?"), and
# a participle no noun ("When were the parliamentary elections held after …?").
_PARTICIPLE = r"(?:held|made|taken|given|done|seen|said|won|lost|set|put|run|shown|known)\b"
_DESCRIBED_EVENT = re.compile(
    r"^\W*(?:when|(?:in\s+|on\s+)?(?:what|which)\s+(?:exact\s+)?(?:year|month|date|day))\s+"
    r"(?:was|were|is|are|did|does|do)\s+(?:the\s+)?"
    rf"(?-i:(?:[a-z]+\s+){{0,2}}?(?P<noun>(?!{_PARTICIPLE})[a-z]{{3,}}(?<!ed)))\s+"
    r"(?:[a-z]{3,}ed\s+(?:to|with|by|over|against|for)|against|over|about|for|of|after|before)\b",
    re.I,
)

# A count of some of those the question names, by what happened to them: "How many of the
# people detained in June were later sentenced to prison?" is not answered by the number
# detained ("arrested approximately 1,000 people"), but by a figure said with "sentenced".
_SUBSET = re.compile(
    r"^\W*how\s+many\s+of\s+(?:the|these|those|them)\b[^?]*?\b(?:(?:were|was|are|is|got|get"
    r"|have\s+been|has\s+been|had\s+been)\s+(?:(?:later|then|eventually|subsequently|also"
    r"|actually|ever|all)\s+)?(?P<event>[a-z]{3,}ed)\b"
    # or what they were given: "… got jail time or fines", "… were given prison sentences"
    r"|(?:got|get|received|were\s+given)\s+(?:(?:later|then|eventually|any|administrative)\s+)*"
    r"(?P<given>jail|prison|fines?|sentences?|convictions?)\b)",
    re.I,
)

# A word of what is measured, not of who says so ("How many years does the author say …").
_MEASURED_WORD = (
    r"(?!(?:say|says|think|thinks|believe|believes|claim|claims|write|writes|report|reports"
    r"|argue|argues|suggest|suggests)\b)[a-z’'-]+"
)
# A time in office running out: "When does Tokayev's presidential term end?", "when will his
# mandate expire?" asks when the term does, said beside it.
_TERM_END = re.compile(
    r"\b(?P<thing>term|mandate|tenure)\s+(?:will\s+)?(?:ends?|expires?|finish(?:es)?"
    r"|runs?\s+out|is\s+up|be\s+(?:up|over))\b",
    re.I,
)
# What a length asked for is of, in the present ("How long is a presidential term in
# Kazakhstan?", "How many years is the presidential term Tokayev won?"): the length stands
# beside its words. Not in the past: "How long was social media down?" asks of what happened.
_MEASURED = re.compile(
    r"^\W*how\s+(?:long|many\s+(?:years|months|weeks|days))\s+(?:is|are|does|do)\s+"
    rf"(?:a|an|the|one|each|every)\s+(?P<thing>(?:{_MEASURED_WORD}\s+){{0,2}}?{_MEASURED_WORD})"
    r"(?=\s+(?:in|of|for|to|that|which|who|last|lasts|serve|serves|run|runs)\b"
    r"|\s+(?-i:[A-Z])|\s*[?.!]|\s*$)",
    re.I,
)


# A day or a year a question names: "the June 9 election", "in 2019".
_NAMED_DATE = re.compile(
    rf"\b(?:{'|'.join(MONTHS)})\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\b(?:19|20)\d\d\b", re.IGNORECASE
)


# A date set beside the day it is, said in words: "on election day, June 9", "on voting day
# (June 9)", "June 9, election day".
_DAY_IN_WORDS = re.compile(
    rf"{_ONE_DAY.pattern}\s*[,(–—-]?\s*(?:on\s+|i\.e\.\s+)?(?P<after>{_NAMED_DATE.pattern})"
    rf"|(?P<before>{_NAMED_DATE.pattern})\s*[,(–—-]\s*(?:the\s+|on\s+)?(?:election|voting"
    r"|polling)\s+day\b",
    re.I,
)


def _day_in_words(
    question: str, anchors: list[frozenset[str]], lexical: LexicalIndex
) -> list[frozenset[str]]:
    """`anchors` without a date the question sets beside the day it is, said in words: the
    words say which day ("How many people got detained on election day, June 9?" is answered
    by "More than 500 were detained", as it is without the date, not only beside "June 9")."""
    said = _DAY_IN_WORDS.search(question)
    if said is None:
        return anchors
    date = frozenset(lexical.tokenizer(said["after"] or said["before"]))
    return [g for g in anchors if not g <= date]


def undated(question: str, wants: Asked | None) -> str:
    """`question` as BM25 reads it: without the dates it names where it asks for someone
    and its kind is not `dated` ("Who won the June 9 presidential election?": the date says
    which election; the sentence naming the winner, "Qasym-Zhomart Toqaev won the election",
    need not repeat it, where one on "the June 9 presidential vote" that names no winner
    matched the date twice)."""
    if wants is None or wants.kind.dated or not wants.kind.someone:
        return question
    return _NAMED_DATE.sub(" ", question)


def asked(
    question: str,
    names: NameCheck,
    lexical: LexicalIndex,
    outlets: Mapping[str, np.ndarray],
    described_as: Callable[[frozenset[str]], frozenset[str]] | None = None,
) -> Asked | None:
    """What `question` asks for (`Asked`); None when it asks for no particular kind. Read
    alike by the ranking (signals.py) and by abstention. `described_as(terms)`: the names
    the passages describe in those words (`questions.Descriptions.described_as`)."""
    kind, first = _asking(question)
    if kind is None:
        return None
    acted = kind.ask.search(question)
    # The names of the part asking (the second part's are its own), unless that part names
    # nothing: "How many people turned up and how many were detained at the May 31 protest?"
    # asks both of May 31.
    subjects = subject_names(first, names, lexical, outlets)
    if not subjects and first != question:
        subjects = subject_names(question, names, lexical, outlets)
    anchors = kind.anchors(subjects)
    anchors = _day_in_words(question, anchors, lexical)
    anchors = [*anchors, *_said_with(question, kind, acted, lexical)]
    either: tuple[list[frozenset[str]], ...] = ()
    if acted is not None and acted.groupdict().get("event"):
        # "Why was Sagutdinov detained in Uralsk?": said beside all its names, or with
        # "detained" and any of them ("the activist was detained not because of …",
        # Uralskaya Nedelya reported)
        event = held_words(acted["event"], lexical)
        if event and anchors:
            either = ([event, frozenset().union(*anchors)],)
    described = _DESCRIBED_EVENT.search(question) if kind.dated and anchors else None
    if described is not None and (event := held_words(described["noun"], lexical)):
        # "What year was the revolt connected to Dulatov's poem?": the revolt's year, said
        # beside "revolt" ("… turned into the national liberation revolt of 1916"), or
        # beside the names that say which revolt
        either = (*either, [event])
    count = counted(question, lexical.tokenizer) if kind.counts else None
    role = kind.role.search(question) if kind.role is not None else None
    taken: tuple[frozenset[str], ...] = ()  # a role taken over from the names asked about
    if kind.someone:
        anchors = _outside_relative_clause(first, anchors, lexical)
        took_over = (
            _SUCCEEDED.search(question)
            or _TOOK_ROLE.search(question)
            or _TOOK_ROLE_AFTER.search(question)
        )
        if role is not None and (took_over is None or not anchors):
            # "Who was Kazakhstan's prime minister?": "prime" and "minister" beside the name,
            # not "vice minister … Marat Kozhayev"; "Who was the mayor of Almaty?": "mayor"
            # as well as "Almaty" (a role taken over is looked for on its own, below)
            roles = _kin_groups(_word_groups(role[0], lexical), kind, lexical)
            if described_as is not None:
                # or a name the passages describe so, said without it: "What movement did
                # Tulseova help found?" is answered by "one of the founders of Oyan
                # Qazaqstan" ("Oyan, a new civic movement"), not by a name the corpus's
                # subject is ("of Kazakhstan")
                roles = [g | own_words(described_as(g), lexical) for g in roles]
            anchors = [*anchors, *roles]
        named = Named(frozenset().union(*names.named_terms(question)), names.common_terms)
        if took_over is not None and anchors:
            taken = tuple(_word_groups(took_over["role"], lexical))
    else:
        if role is not None:
            # "In which years was Tokayev foreign minister?": a date of his being minister
            anchors = [*anchors, *_word_groups(role[0], lexical)]
        named = NO_NAMES
        if kind.fresh:  # the answer is not what the question gives: the dates it names
            given = (lexical.tokenizer(m.group(0)) for m in kind.evidence.finditer(question))
            named = Named(frozenset(t for terms in given for t in terms))
    return Asked(kind, anchors, count, named, taken, either)


def _said_with(
    question: str, kind: AnswerType, acted: re.Match[str] | None, lexical: LexicalIndex
) -> list[frozenset[str]]:
    """What the answer stands beside besides the question's names: the thing coming ("the
    next parliamentary election"), the thing measured ("a presidential term"), what happened
    ("renamed", "sentenced", where the corpus has the word) and what was done ("congratulated",
    whether the corpus has the word or not; `acted`: `kind.ask`'s match of the question)."""
    said: list[frozenset[str]] = []
    coming = _NEXT.search(question)
    if coming is not None:  # "the next parliamentary election": that, not any date
        event = _text_words(coming.group(1), lexical)
        said += [event] if event else []
    elif kind.event and (named := _KIND_OF_EVENT.search(question)) is not None:
        # "the parliamentary elections": that kind, where the corpus has its word at all
        event = held_words(named.group(1), lexical)
        said += [event] if event else []
    happened = _HAPPENED.search(question) if kind.event else None
    subset = None
    if happened is None and kind.counts:
        happened = subset = _SUBSET.search(question)
    ending = _TERM_END.search(question) if kind.dated else None
    if ending is not None:  # "When does Tokayev's term end?": the term's end, not his dates
        said += _word_groups(ending["thing"], lexical)
    measured = _MEASURED.search(question) if kind.measured else None
    if measured is not None:  # "How long is a presidential term?": a term's length
        said += _word_groups(measured["thing"], lexical)
    if happened is not None:  # "When was Astana renamed?": the renaming's date, not Astana's
        # (its one group that matched: the participle or the noun)
        done = next((g for g in happened.groups() if g), "")
        event = held_words(done, lexical)
        if not event and subset is not None:
            # "How many of the detained protesters were later fined?": a count of those
            # fined, which a corpus never writing "fined" gives nowhere
            said += _word_groups(done, lexical)
        said += [event] if event else []
    if acted is not None and acted.groupdict().get("act"):
        # "Which foreign leaders congratulated Tokayev?": said beside "congratulated", which
        # a corpus lacking the word holds nowhere
        said += _word_groups(acted["act"], lexical)
    return said


# A relative clause after the role asked about ("… the police department that detained
# Sagutdinov", "the candidate that Nur Otan nominated", "the other activists who held the
# banner with Asya Tulseova"): the words after the question's first relative pronoun.
_RELATIVE = re.compile(
    r"^\W*\w+\b.*?\b(?:that|who|whom|which|whose|where)\b(?P<clause>.*)$", re.I | re.S
)


def _outside_relative_clause(
    question: str, anchors: list[frozenset[str]], lexical: LexicalIndex
) -> list[frozenset[str]]:
    """Of the names someone asked for must stand beside, those not named only in a relative
    clause: such a name says which role is meant, and the one holding it is named beside the
    role ("the head of the press service …, Bolatbek Beldibekov"), not beside Sagutdinov."""
    match = _RELATIVE.match(question)
    if match is None or not anchors:
        return anchors
    before = set(lexical.tokenizer(question[: match.start("clause")]))
    clause = set(lexical.tokenizer(match["clause"]))
    return [g for g in anchors if g & before or not g & clause]


def subject_names(
    question: str,
    names: NameCheck,
    lexical: LexicalIndex,
    outlets: Mapping[str, np.ndarray],
) -> list[frozenset[str]]:
    """The BM25 terms of each name of `question` that is not the corpus's own subject, nor an
    outlet's name ("per the RFE/RL blog" says where, not whom, the answer is about), with
    the corpus's words of their family (`LexicalIndex.kin`): "the police in Uralsk" is
    answered beside "Uralskaya Nedelya", the town's paper, as "Kazakh" beside "Kazakhstan"."""
    groups = (g for g in names.named_terms(question) if not g <= outlets.keys())
    return [
        _family(_specific(n, names), lexical) for n in (own_words(g, lexical) for g in groups) if n
    ]


def _specific(words: frozenset[str], names: NameCheck) -> frozenset[str]:
    """Of a name's words, those the corpus never writes as common words, when it has some:
    "Communist Party" is asked of passages as "Communist" (a passage saying "the ruling
    party" does not name it); "Mukhtar Ablyazov" as either. A month is a month, though the
    corpus writes "may" and "march" as common words too ("May 9" is May as well)."""
    return frozenset(w for w in words if w not in names.common_terms or _when(w)) or words


# The fewest letters a name's word shares with another of its family for a sentence holding
# the other to hold the name: "uralsk" and "uralskaya", not "parti" (Party) and "particip".
NAME_FAMILY_LETTERS = 6


def _family(words: frozenset[str], lexical: LexicalIndex) -> frozenset[str]:
    """`words` and the corpus's words of their family (`LexicalIndex.kin`) sharing
    NAME_FAMILY_LETTERS letters with one of them."""
    return words | {
        t
        for t in lexical.kin(words)
        if any(t[:NAME_FAMILY_LETTERS] == w[:NAME_FAMILY_LETTERS] for w in words)
    }


def own_words(terms: frozenset[str], lexical: LexicalIndex) -> frozenset[str]:
    """The words of a name (its BM25 terms) that are not the corpus's own subject: a word
    most passages hold, or of the family of one ("Kazakh" of "Kazakhstan",
    `LexicalIndex.kin`). Passages take those as read: "the Kazakh election" asks about the
    election, as "the election" does, and "the Central Election Commission" is found by
    "central" and "commission", not by "election"; "Oyan, Qazaq!" is still a name."""
    return frozenset(
        t for t in terms if lexical.containing(lexical.kin(frozenset([t]))).mean() <= SUBJECT_SHARE
    )


def _text_words(text: str, lexical: LexicalIndex) -> frozenset[str]:
    """`own_words` of the BM25 terms of `text`."""
    return own_words(frozenset(lexical.tokenizer(text)), lexical)


def held_words(text: str, lexical: LexicalIndex) -> frozenset[str]:
    """The words of `text` (`own_words` of its BM25 terms) that some passage holds: a
    paraphrase's own ("poet", "verse") can be looked for in no sentence."""
    return held_terms(_text_words(text, lexical), lexical)


def held_terms(terms: Iterable[str], lexical: LexicalIndex) -> frozenset[str]:
    """Those of `terms` (BM25 terms) that some passage holds."""
    return frozenset(t for t in terms if lexical.containing(frozenset([t])).any())


def _kin_groups(
    groups: list[frozenset[str]], kind: AnswerType, lexical: LexicalIndex
) -> list[frozenset[str]]:
    """`groups` with each role word widened to its family of `kind.kin`: "Which party did
    Kosanov run for?" is answered by "a candidate of the national patriotic movement"."""
    families = [_text_words(" ".join(family), lexical) for family in kind.kin]
    return [frozenset().union(group, *(f for f in families if group & f)) for group in groups]


def _word_groups(text: str, lexical: LexicalIndex) -> list[frozenset[str]]:
    """Each of `text`'s own words (`own_words`) as an anchor group of its own, in order: a
    role's words ("prime", "minister"), each to stand beside its holder's name."""
    return [frozenset([t]) for t in sorted(_text_words(text, lexical))]


def outlet_passages(
    outlets: Mapping[str, str], passage_articles: Sequence[str], lexical: LexicalIndex
) -> dict[str, np.ndarray]:
    """Each BM25 term of an outlet's name -> the passages of that outlet's articles.

    `outlets` maps an article id to its outlet; `passage_articles` gives each passage's.
    """
    articles = np.asarray(passage_articles, dtype=object)
    by_term: dict[str, np.ndarray] = {}
    for article, outlet in outlets.items():
        mask = articles == article
        for term in lexical.tokenizer(outlet):
            by_term[term] = by_term[term] | mask if term in by_term else mask
    return by_term
