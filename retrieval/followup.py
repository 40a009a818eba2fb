"""Follow-up questions: one that leans on the question before it gets that question's subject.

"Who is Mukhtar Ablyazov?" then "Where does he live?": searched alone, the second finds
passages about anyone living anywhere. It leans on the first in one of three ways, listed as
words in `data/followup_words.yaml`:
- a pronoun, or a pointer ending it, with nothing of its own before it to stand for ("Where
  does he live?", "Who said that?", but not "How did the president describe the election at
  his inauguration?");
- an opening connective ("and in Almaty?", "what about Alzhanov?");
- no word of its own at all, once question words are set aside ("Why not?", "When?").
A pronoun is replaced by the previous question's names ("Where does Mukhtar Ablyazov live?"),
or, when that question asked who and named no one, by the name its answer gave (the one
nearest a word of the question: "Who won?" answered "Qasym-Zhomart Toqaev won the
election.": "How many votes did he get?");
otherwise the previous question is searched with the new one added, the new one's names taking
the place of the old one's ("what about Alzhanov?" after "... according to Nurbayev?").

`resolve` is pure: the previous question, the new one, and the index's name tables and
document frequencies. `Recent` remembers each chat's last question for a few minutes.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from retrieval.abstention import SUBJECT_SHARE
from retrieval.lexical import Tokenizer
from retrieval.names import PLACE_BEFORE, NameCheck, is_when, places
from retrieval.questions import definitional_subject, role_noun
from retrieval.spelling import RARE, english_counts

WORDS_FILE = Path(__file__).parent / "data" / "followup_words.yaml"
# A question with more words of its own than this says what it is about, whatever pronoun it
# holds ("Why is it hard to build a united opposition given where people and resources are
# located?" has 8). The follow-ups of tests/data/followups.jsonl have 4 at most.
MAX_FOLLOWUP_TERMS = 5
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_ASKS_WHO = re.compile(r"^\W*(?:who|whom|whose)\b", re.I)
_ELLIPTIC_COUNT = re.compile(
    r"^\W*how\s+(?:many|much)\s+(?:in|on|at|during|from|for|by|after|before|since|over|across"
    r"|among|outside|inside)\b",
    re.I,
)
_QUESTION_WORDS = frozenset(
    {"who", "whom", "whose", "what", "which", "when", "where", "why", "how"}
)
# A preposition before a question word is part of what is asked ("since when?", "until
# when?", "after what?"), not a word of the question's own subject.
_ASKING_PREPOSITIONS = frozenset({"since", "until", "till", "after", "before", "from"})


@dataclass(frozen=True, slots=True)
class Followup:
    """What to search for a question: itself, or with the previous question's subject."""

    query: str
    subject: str = ""  # what was carried over from the previous question; "" if nothing
    # The question this one completed ("who won?" for "and by how much?"), names put right:
    # what the next connective completes in its turn, so sibling follow-ups do not pile up
    # ("and in Nur-Sultan?" after "and in Almaty?"); "" when this one is a question itself.
    topic: str = ""

    @property
    def carried(self) -> bool:
        return bool(self.subject)


@dataclass(frozen=True, slots=True)
class Words:
    """The word lists of `data/followup_words.yaml`."""

    pronouns: frozenset[str]
    possessives: frozenset[str]
    pointers: frozenset[str]
    connectives: tuple[tuple[str, ...], ...]
    asking: frozenset[str]
    objects: frozenset[str]
    people: frozenset[str]

    @property
    def standing(self) -> frozenset[str]:
        """The pronouns that stand for a name: replaced by it."""
        return self.pronouns | self.possessives

    @property
    def back(self) -> frozenset[str]:
        """Every word that points back to the previous question."""
        return self.pronouns | self.possessives | self.pointers

    @classmethod
    def load(cls, path: Path = WORDS_FILE) -> Words:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        connectives = sorted((tuple(c.split()) for c in data["connectives"]), key=len)
        return cls(
            frozenset(data["pronouns"]),
            frozenset(data["possessives"]),
            frozenset(data["pointers"]),
            tuple(reversed(connectives)),  # longest first: "and what about" before "and"
            frozenset(data["asking"]),
            frozenset(data["objects"]),
            frozenset(data["people"]),
        )


@dataclass
class Vocabulary:
    """What the index knows of words: its names and how many passages hold each term."""

    names: NameCheck
    doc_freq: Mapping[str, int]
    n_docs: int
    words: Words = field(default_factory=Words.load)

    @classmethod
    def plain(cls) -> Vocabulary:
        """Without an index: names by capitals alone, and none the corpus's own subject."""
        return cls(NameCheck(Tokenizer(), (), ()), {}, 0)

    @property
    def tokenizer(self) -> Tokenizer:
        return self.names.tokenizer

    def common(self, term: str) -> bool:
        """Whether most passages hold `term`: the corpus's common ground ("election",
        "protest", "Kazakhstan"), not a subject a question has of its own."""
        return self.n_docs > 0 and self.doc_freq.get(term, 0) > SUBJECT_SHARE * self.n_docs

    def subject_names(self, text: str) -> list[str]:
        """The names of `text`, but the corpus's own subject (Kazakhstan, here): passages take
        it as read, and so does a follow-up."""
        return [n for n in self.names.name_phrases(text) if not self._subject(n)]

    def _subject(self, name: str) -> bool:
        terms = self.tokenizer(name)
        return bool(terms) and all(self.common(t) for t in terms)


def resolve(
    previous: str, question: str, vocabulary: Vocabulary, answer: str = "", topic: str = ""
) -> Followup:
    """`question` as it is when it stands alone, else with `previous`'s subject carried over;
    `answer` is what `previous` was answered with (its first quote's best sentence), if known;
    `topic` the question `previous` completed, if it was such a follow-up (`Followup.topic`):
    a question completing another completes that one ("who won?" "and by how much?" "and in
    Almaty?" asks "who won, in Almaty?")."""
    previous, question = previous.strip(), question.strip()
    if not previous or not question:
        return Followup(question)
    words = list(_WORD.finditer(question))
    opened = _connective(words, vocabulary.words)
    pointer = _unbound(words[opened:], vocabulary)
    own = _own_terms(words, vocabulary)
    if len(own) > MAX_FOLLOWUP_TERMS:
        return Followup(question)
    # Only a question with no word of its own at all: "Were there protests?" is about
    # protests, even though most passages mention them. But a count with no verb, only
    # where or when ("how many on the first day?", "how much in Almaty?"), completes the
    # question before it.
    if not opened and pointer is None and own and not _ELLIPTIC_COUNT.match(question):
        return Followup(question)
    names = vocabulary.subject_names(previous)
    standing = pointer is not None and pointer.group(0).lower() in vocabulary.words.standing
    if not opened and standing and own and not names and not answer:
        # nothing for the pronoun to stand for: the question before named no one and was not
        # answered ("Did anyone get hurt?", refused, then "why did they block the internet"):
        # "they" are whoever the articles say, as in a first question
        return Followup(question)
    if pointer is not None and pointer.group(0).lower() in vocabulary.words.people:
        # "he" is never the year or the day: "Who won the 2019 election?" "How many votes
        # did he get?" asks about the winner, whom only the answer names. After a question
        # asking who did something, "she" is whom the answer named, not a place the question
        # named ("Who filmed the police in Almaty?" "who is she?"); after any other, the
        # question's own names first.
        named = [n for n in names if not is_when(n)]
        answered = _answered_who(previous, answer, vocabulary)
        asked_whom = _ASKS_WHO.match(previous) is not None and not definitional_subject(previous)
        names = (answered or named) if asked_whom else (named or answered)
    if not opened and names and standing and pointer is not None:
        subject = " and ".join(names)
        if pointer.group(0).lower() in vocabulary.words.possessives:
            subject = subject + "'s"
        query = question[: pointer.start()] + subject + question[pointer.end() :]
        return Followup(query, " and ".join(names))
    rest = question[words[opened - 1].end() :] if opened else question
    own_question = opened and _asks_on_its_own(words[opened:], vocabulary)
    if own_question or (opened and pointer is not None and _asks(words[opened:])):
        # a question of its own after the connective, which may still lean on the one before
        # as any question does: "Who won?" "And how many votes did he get?"; or one asking
        # of a pronoun, which stands for the one before's subject: "And who did he replace?"
        alone = resolve(previous, rest.lstrip(" ,;:—-"), vocabulary, answer)
        if alone.carried:
            return alone
        if own_question:
            return Followup(question)
    return _joined(topic or previous, rest, vocabulary)


def _answered_who(previous: str, answer: str, vocabulary: Vocabulary) -> list[str]:
    """The person `answer` names (what answered `previous`, its first quote's key sentence):
    what "he" or "she" after it stands for when `previous` asked who did something, or named
    no one ("What was the most memorable moment?" "What did he tell them?"). Not a name the
    question gave. Of several names, one introduced by what the person is ("correspondent
    Joanna Lillis"), then the one nearest a word of the question ("who won?": "Kossanov,
    commenting the exit poll, which showed that Tokayev won …" gives Tokayev)."""
    if not answer:
        return []
    given = set(vocabulary.tokenizer(previous))
    names = [
        n
        for n in vocabulary.subject_names(answer)
        if not is_when(n) and not set(vocabulary.tokenizer(n)) <= given and not _place(answer, n)
    ]
    if len(names) < 2:
        return names
    spots = [m.start() for m in _WORD.finditer(answer) if given & set(vocabulary.tokenizer(m[0]))]

    def distance(name: str) -> tuple[bool, int]:
        at = answer.find(name)
        near = min((abs(at - spot) for spot in spots), default=0) if at >= 0 else len(answer)
        return (not _introduced(answer, at), near)

    return [min(names, key=distance)]


def _place(text: str, name: str) -> bool:
    """Whether `name`, as `text` gives it, is a place, not a person a "he" or "she" may be: a
    country or a capital (`names.places`: "Nur-Sultan"), or a name after a preposition of
    place (`names.PLACE_BEFORE`: "… inauguration ceremony in Nur-Sultan on June 12"; not
    "from", which a person follows as often: "a message from Tokayev")."""
    if name.lower() in places():
        return True
    at = text.find(name)
    return at > 0 and PLACE_BEFORE.search(text, 0, at) is not None


def _introduced(text: str, at: int) -> bool:
    """Whether the name at `text[at:]` follows a word for what a person is ("correspondent
    Joanna Lillis", "candidate Sadybek Tugel")."""
    before = _WORD.findall(text[:at]) if at > 0 else []
    return bool(before) and text[:at].endswith(" ") and role_noun(before[-1])


def _asks_on_its_own(words: list[re.Match[str]], vocabulary: Vocabulary) -> bool:
    """Whether the words after an opening connective hold a question of their own: a question
    word followed by two terms or more ("and what about the protests, how many people were
    detained?"), not a bare completion ("and in Almaty?", "what about Alzhanov?", "and how
    many protested?")."""
    for i, word in enumerate(words):
        if word.group(0).lower() in _QUESTION_WORDS:
            return len(_own_terms(words[i:], vocabulary)) >= 2
    return False


def _asks(words: list[re.Match[str]]) -> bool:
    """Whether `words` open on a question word ("who did he replace?"; not "in Almaty?")."""
    return bool(words) and words[0].group(0).lower() in _QUESTION_WORDS


def _own_terms(words: list[re.Match[str]], vocabulary: Vocabulary) -> list[str]:
    """The question's terms, but the words that point back ("who said so?"), the word after
    "how", which says what kind of answer, not what about ("by how much?", "how many?", as
    abstention reads it), and adverbs made of another word ("mostly", "exactly")."""
    back = vocabulary.words.back
    folded = [w.group(0).lower() for w in words]
    kept = " ".join(
        w
        for i, w in enumerate(folded)
        if w not in back
        and (i == 0 or folded[i - 1] != "how")
        and not _adverb(w)
        and not (w in _ASKING_PREPOSITIONS and _asked_next(folded, i))
    )
    return vocabulary.tokenizer(kept)


def _asked_next(folded: list[str], i: int) -> bool:
    """Whether the word after word `i` is a question word ("since when?")."""
    return i + 1 < len(folded) and folded[i + 1] in _QUESTION_WORDS


def _adverb(word: str) -> bool:
    """Whether `word` is an English word with "-ly" added ("mostly", "roughly"; not "rally")."""
    return len(word) > 4 and word.endswith("ly") and english_counts().get(word[:-2], 0) >= RARE


def _connective(words: list[re.Match[str]], lists: Words) -> int:
    """How many words of the question's opening are a connective (0: none)."""
    folded = [w.group(0).lower() for w in words]
    for connective in lists.connectives:
        if tuple(folded[: len(connective)]) == connective:
            return len(connective)
    return 0


def _unbound(words: list[re.Match[str]], vocabulary: Vocabulary) -> re.Match[str] | None:
    """The first pronoun or pointer with nothing before it that it could stand for.

    Before a subject or possessive pronoun, any word with content could be what it stands for
    ("How did the president describe the election at his inauguration?"), except what is asked
    for, right after an asking word ("which group did she help found?") or after "how many"
    ("how many votes did he get?").
    Before an object pronoun, or a pointer ending the question, only a name could: "Who
    founded it?" and "Who said that?" have a verb before the word that points back.
    """
    lists = vocabulary.words
    back = lists.back
    content = False
    for i, word in enumerate(words):
        text = word.group(0)
        folded = text.lower()
        if folded in back:
            last = i == len(words) - 1
            objects = folded in lists.objects or (last and folded in lists.pointers)
            if folded in lists.possessives and _named(words[i + 1 :], vocabulary):
                return None  # "In its report, what did ODIHR say?": its name comes after it
            if not content or (objects and not _named(words[:i], vocabulary)):
                return word
            return None
        asked = _asked_for(words, i, lists)
        content = content or (not asked and bool(vocabulary.tokenizer(text)))
    return None


def _asked_for(words: list[re.Match[str]], i: int, lists: Words) -> bool:
    """Whether word `i` is what the question asks for: right after an asking word ("which
    group"), or after "how many" / "how much" ("how many votes did he get?")."""
    before = [w.group(0).lower() for w in words[max(0, i - 2) : i]]
    if before[-1:] and before[-1] in lists.asking:
        return True
    return before in (["how", "many"], ["how", "much"])


def _named(words: list[re.Match[str]], vocabulary: Vocabulary) -> bool:
    """Whether `words` hold a name: capitalised past the first word, or a known spelling of one
    (even in lower case, even first: "ablyazov", "Toqaev")."""
    text = " ".join(w.group(0) for w in words)
    capitalised = any(w.group(0)[:1].isupper() for w in words[1:])
    return capitalised or bool(vocabulary.tokenizer.variants.find(text))


def _joined(previous: str, rest: str, vocabulary: Vocabulary) -> Followup:
    """The previous question completed by the rest of this one; this one's names in place of
    the previous one's first (the question completed, so named, is the follow-up's topic)."""
    base = previous.rstrip(" ?.!")
    rest = rest.strip().lstrip(",;:—- ")
    own = vocabulary.subject_names(rest)
    earlier = vocabulary.names.name_phrases(previous)
    if own and earlier:
        base = base.replace(earlier[0], " and ".join(own), 1)
        left = rest
        for name in own:
            left = left.replace(name, " ")
        if not any(vocabulary.tokenizer(left)):
            rest = ""
    query = f"{base}, {rest}" if rest.strip(" ?.!") else base + "?"
    return Followup(query, previous, base + "?")


class Recent:
    """Each chat's last question, what answered it and the question it completed (if it was a
    follow-up completing one), for a few minutes: what a follow-up leans on.

    Bounded: the chats heard from longest ago are forgotten first.
    """

    def __init__(
        self,
        seconds: float = 600.0,
        size: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds, self.size, self.clock = seconds, size, clock
        self._last: OrderedDict[object, tuple[float, str, str, str]] = OrderedDict()

    def get(self, chat: object) -> str:
        """The chat's last question, or "" when there is none or it is too old."""
        return self._entry(chat)[1]

    def answer(self, chat: object) -> str:
        """What answered the chat's last question (its first quote's best sentence), or ""."""
        return self._entry(chat)[2]

    def topic(self, chat: object) -> str:
        """The question the chat's last question completed (`Followup.topic`), or ""."""
        return self._entry(chat)[3]

    def _entry(self, chat: object) -> tuple[float, str, str, str]:
        entry = self._last.get(chat)
        if entry is None or self.clock() - entry[0] > self.seconds:
            return (0.0, "", "", "")
        return entry

    def put(self, chat: object, question: str, answer: str = "", topic: str = "") -> None:
        self._last[chat] = (self.clock(), question, answer, topic)
        self._last.move_to_end(chat)
        while len(self._last) > self.size:
            self._last.popitem(last=False)
