"""What a question's form says about where its answer is.

"Who is Yevgeny Zhovtis?" asks for a definition, and news writing gives one where it first
names someone ("Human rights defender Yevgeny Zhovtis thinks ..."); later mentions take the
reader's knowledge for granted ("Zhovtis shares the same opinion"), yet can sit closer to the
bare question in every score.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Container, Iterable, Sequence
from functools import cached_property

from retrieval.spelling import NAME_JOIN, english_counts

# A request for what the articles say of something: "tell me about X", "what do you know
# about X?".
_TELL_ABOUT = (
    r"(?:can\s+you\s+|please\s+)?tell\s+me(?:\s+(?:more|a\s+(?:bit|little)))?\s+about"
    r"|what\s+do\s+you\s+know\s+about"
)
_REQUEST = re.compile(rf"^\s*(?:{_TELL_ABOUT})\s", re.IGNORECASE)
# "Who is X?", "What was X?", "Who are the X?", "who's X exactly?", "what is X even", "Tell me
# about X": the subject is everything after the verb.
_WHO_IS = r"(?:who|what)(?:\s+(?:is|was|are|were)|['’]s)"
_HEDGES = r"exactly|again|then|anyway|even|actually|really|though|tho"  # words closing it
_DEFINITIONAL = re.compile(
    rf"^\s*(?:{_WHO_IS}|{_TELL_ABOUT})"
    r"\s+(?:the\s+|an?\s+)?(?P<subject>[^?]+?)"
    rf"(?:\s+(?:{_HEDGES}))?[\s?.!]*$",
    re.IGNORECASE,
)
# The same with the name first, as Russian word order has it: "Evgeniy Jovtis who is this?",
# "Oyan Qazaqstan - what is it?"
_NAMED_FIRST = re.compile(
    rf"^\s*(?P<subject>[^?,.;:–—-][^?,.;:–—]*?)\s*(?:[-–—,:]\s*)?{_WHO_IS}"
    r"\s+(?:this|that|he|she|it|they)"
    rf"(?:\s+(?:{_HEDGES}|man|guy))?[\s?.!]*$",
    re.IGNORECASE,
)
# What someone is, asked as their role: "What post did X hold before?", "What was X's job?",
# "What is X's background?", "What does X do for a living?": answered where X is introduced.
# So is "What job did X hold before he became president?" or "… when he stepped in?": the
# time it was held, not another question (not "after": that asks for a later post).
_ROLE = (
    r"(?:\w+\s+){0,2}?(?:post|position|job|role|office|title|profession|occupation|background"
    r"|career|work)s?"
)
_ROLE_ASKED = re.compile(
    rf"^\s*(?:what|which)\s+{_ROLE}\s+(?:did|does|do|has|had)\s+(?P<subject>[^?]+?)\s+"
    r"(?:hold|held|have|had|occupy|occupied|fill|filled|do|done)"
    r"(?:\s+(?:previously|earlier|in\s+the\s+past))?"
    r"(?:\s+(?:before|prior\s+to|until|when|while)\b[^?]*)?[\s?.!]*$"
    rf"|^\s*what\s+(?:is|was|were|are)\s+(?P<owner>[^?]+?)['’]s?\s+{_ROLE}"
    r"(?:\s+(?:before|previously|earlier|before\s+the\s+\w+))?[\s?.!]*$"
    r"|^\s*what\s+(?:does\s+(?P<doer>[^?]+?)\s+do|(?:does|did)\s+(?P<earner>[^?]+?)\s+do\s+for"
    r"\s+a\s+living)[\s?.!]*$",
    re.IGNORECASE,
)
_QUOTES = "\"'“”‘’«»"
_MAX_SUBJECT_WORDS = 6


def requested_subject(question: str) -> str | None:
    """The name a request "tell me about X" or "what do you know about X?" asks about
    (`definitional_subject`), or None for any other question."""
    return definitional_subject(question) if _REQUEST.match(question) else None


def definitional_subject(question: str) -> str | None:
    """The name a "Who/What is X?" question asks about (or "What post did X hold?", "What
    was X's job?": what X is, asked as a role), or None for any other question.

    Only a name counts: every word capitalised ("Oyan Qazaqstan", "ODIHR"), or a quoted
    phrase ("'Men oyandym'"). "Who is Nazarbayev's successor?" or "What was the turnout?"
    ask about something else than a definition.
    """
    m = _ROLE_ASKED.match(question) or _DEFINITIONAL.match(question) or _NAMED_FIRST.match(question)
    if not m:
        return None
    raw = next(
        g for g in (m.groupdict().get(k) for k in ("subject", "owner", "doer", "earner")) if g
    ).strip()
    quoted = len(raw) > 2 and raw[0] in _QUOTES and raw[-1] in _QUOTES
    subject = raw.strip(_QUOTES).strip()
    words = subject.split()
    if not words or len(words) > _MAX_SUBJECT_WORDS:
        return None
    if quoted or all(w[0].isupper() for w in words if w[0].isalpha()):
        return subject
    return None


# How news writing introduces someone or something, around its name: a description before it
# ("fugitive banker Mukhtar Ablyazov", "Human rights defender Yevgeny Zhovtis"), an apposition
# after it ("Amirzhan Kossanov, a candidate of …", "Amirzhan Qosanov -- a journalist",
# "Kassym-Zhomart Tokayev, ex-speaker of the Senate"), a gloss in brackets ("Oyan Qazaqstan
# (Wake Up, Kazakhstan)"), or an acronym spelt out before it ("Office for Democratic
# Institutions and Human Rights (ODIHR)").
_NAME_WORD = re.compile(r"[^\W_]+(?:[’'.-][^\W_]+)*")
_APPOSITION = re.compile(r"^\s*(?:,|--|–|—)\s*(?P<phrase>[^,.;:()]*)")
# An apposition opens on an article or a word of rank ("a candidate", "ex-speaker", "the
# recently renamed capital"); one holding a verb is the sentence going on ("According to
# Zhovtis, the authorities did not expect …").
_APPOSED = re.compile(r"^(?:an?|the|ex-|former|one\s+of|who|which)\b", re.I)
_VERB = re.compile(
    r"\b(?:is|are|was|were|be|been|did|do|does|had|has|have|will|would|can|could|should|may"
    r"|might|must|said|says)\b",
    re.I,
)
# Words that stand before a name without describing it: prepositions, pronouns, determiners
# ("from Nur-Sultan", "something Tokayev urged"), beyond the BM25 stop words.
# fmt: off
_NOT_DESCRIBING = frozenset({
    "something", "anything", "everything", "nothing", "someone", "anyone", "everyone", "one",
    "after", "from", "before", "during", "against", "between", "among", "about", "across",
    "along", "around", "behind", "beside", "besides", "beyond", "despite", "except", "inside",
    "near", "onto", "outside", "since", "than", "through", "toward", "towards", "under",
    "unlike", "until", "upon", "via", "within", "without", "amid", "also", "even", "only",
    "just", "still", "both", "either", "neither", "whether", "while", "although", "though",
    "unless", "whereas", "like",
})
# fmt: on
# The endings of nouns for a person or a body: agent nouns and a few more.
_AGENT = re.compile(r"(?:er|or|ist|yst|ant|ent|ee|ian|man|woman|ate|arch)$")


def role_noun(word: str) -> bool:
    """Whether `word`, in lower case, may be a noun for what a person or a body is ("banker",
    "analyst", "candidate", "correspondent", "movement")."""
    return word.islower() and _AGENT.search(word) is not None


# A gloss: a name or a translation in brackets ("(Wake Up, Kazakhstan)", "(DVK)"), not a
# list of what it holds ("Nur Otan (public sector employees, teachers, …)").
_GLOSS = re.compile(r"^\s*\([\"“‘']?[A-Z][^()]{0,40}\)")
_SPELT_OUT = re.compile(r"\(\s*$")
_MAX_SPAN = 5  # the most words a name folded into one term is read in ("Oyan Qazaqstan")


def introduces(sentence: str, subject: frozenset[str], terms, stop_words) -> bool:
    """Whether `sentence` introduces the name whose lexical terms are `subject`: a
    description before it or an apposition or gloss after it. `terms` is the BM25 tokenizer
    (name variants folded), `stop_words` its stop words."""
    if not subject:
        return False
    words = list(_NAME_WORD.finditer(sentence))
    for start, end in _name_runs(words, subject, terms):
        before = sentence[: words[start].start()]
        after = sentence[words[end - 1].end() :]
        if _GLOSS.match(after) or _apposed(after):
            return True
        if _SPELT_OUT.search(before) and after.lstrip().startswith(")"):
            return True
        if (
            start
            and not words[end - 1].group(0).endswith(("’s", "'s"))  # "… space Ablyazov’s calls"
            and _describes(words[start - 1].group(0), before, stop_words)
        ):
            return True
        # a title heading the name ("President Nursultan Nazarbaev"), or the name set off by
        # commas after what it is ("the first president, Nursultan Nazarbaev, resigned")
        title = words[start].group(0)
        if end - start > 1 and not subject & set(terms(title)) and role_noun(title.lower()):
            return True
        if (
            start
            and before.rstrip().endswith(",")
            and role_noun(words[start - 1].group(0).lower())
            and after.lstrip().startswith((",", "--", "–", "—"))
        ):
            return True
    return False


def _apposed(after: str) -> bool:
    """Whether the text after a name opens on an apposition: "…, a candidate of …"."""
    found = _APPOSITION.match(after)
    if found is None:
        return False
    phrase = found.group("phrase").strip()
    return bool(_APPOSED.match(phrase)) and not _VERB.search(phrase)


def _describes(word: str, before: str, stop_words) -> bool:
    """Whether `word`, right before a name, describes it ("banker", "front-runner"): a
    lower-case word, no stop word, no verb in the past ("elected", "detained"), with nothing
    but a space between it and the name."""
    return (
        before.endswith(" ")
        and not before.rstrip().endswith((",", ":", ";", ".", ")", "”", '"'))
        and len(word) > 2
        and word not in stop_words
        and word not in _NOT_DESCRIBING
        and not word.endswith(("ed", "ly"))
        # a noun for one person or body ("banker", "analyst", "candidate", "movement"), in
        # lower case, not a word the name then goes on from ("the new era Nazarbaev and his
        # circle had in mind")
        and role_noun(word)
    )


def _name_runs(words, subject: frozenset[str], terms) -> list[tuple[int, int]]:
    """Where the name stands among `words`: each run of capitalised words holding one of its
    terms (its first names and titles with it: "President Nursultan Nazarbaev"), as (first,
    past the last) word numbers. A name typed as one term across words ("Oyan Qazaqstan") is
    read a few words at a time."""
    runs = []
    n = 0
    while n < len(words):
        hit = 0
        text = words[n].group(0)
        if subject & set(terms(text)):
            hit = 1
        elif text[:1].isupper():
            for size in range(2, _MAX_SPAN + 1):  # capitalised words side by side
                last = n + size - 1
                if last >= len(words) or not words[last].group(0)[:1].isupper():
                    break
                if not _joined(words, last - 1):
                    break
                span = " ".join(w.group(0) for w in words[n : last + 1])
                if subject & set(terms(span)):
                    hit = size
                    break
        if not hit:
            n += 1
            continue
        first, last = n, n + hit
        while first > 0 and words[first - 1].group(0)[:1].isupper() and _joined(words, first - 1):
            first -= 1
        while last < len(words) and words[last].group(0)[:1].isupper() and _joined(words, last - 1):
            last += 1
        runs.append((first, last))
        n = last
    return runs


def _joined(words, i: int) -> bool:
    """Whether words `i` and `i + 1` are one name's, only a space or a hyphen apart
    (`spelling.NAME_JOIN`, as the vocabulary reads the corpus's names)."""
    gap = words[i].string[words[i].end() : words[i + 1].start()]
    return NAME_JOIN.fullmatch(gap) is not None


_CLAUSE_AFTER = re.compile(r"^ +[a-z]")  # a name going on into lower-case words
# An apposition before a name: "first and only previous president, Nursultan Nazarbaev".
_APPOSED_BEFORE = re.compile(
    r"(?:^|[^\w\s’']\s*|\b[A-Z]\w*[’']s\s+)"  # after a sentence's start, a mark, "X's"
    r"(?P<phrase>(?:[a-z][a-z-]*\s+){0,4}[a-z][a-z-]*)\s*,\s*$"
)
# What someone is, said before their name with "is" or "was": "the winner is Kassym-Zhomart
# Tokayev".
_COPULA_BEFORE = re.compile(
    r"\b[Tt]he\s+(?P<phrase>(?:[a-z][a-z-]*\s+){0,2}[a-z][a-z-]*)\s+(?:is|was)\s+"
    r"(?:[A-Z][\w’'-]*\s+){0,2}$"  # a first name the name's key word follows
)
# What someone became or was made, said of them right after their name: ", who as speaker
# of the Senate immediately became interim president", "had been elected and legitimised as
# the head of state".
_BECAME = re.compile(
    r"^\s*(?:,\s*who\s+(?:[^,.;:()]*?\s)?(?:became|becomes|is|was)|(?:\s+[a-z]+){0,5}?\s+"
    r"(?:elected|appointed|named|installed|legitimi[sz]ed|became|served|serves)\s+as)"
    r"\s+(?:an?\s+|the\s+)?(?P<phrase>[a-z][^,.;:()]*)"
)


def _role_words(phrase: str) -> list[str]:
    """The words of a role, as a phrase after "became" or "as" opens with it: up to the first
    name, verb or word joining another clause ("interim president when Nazarbaev resigned":
    interim, president; "head of state")."""
    out: list[str] = []
    for word in phrase.split()[:_APPOSED_MAX]:
        if not word.islower() or _VERB.fullmatch(word) or word in _CLAUSE:
            break
        out.append(word)
    # not what was done to them ("who was handpicked by the first president")
    return [] if out and out[0].endswith("ed") else out


# Words opening another clause or phrase after a role: "interim president when …".
_CLAUSE = frozenset({
    "when", "after", "before", "because", "while", "since", "until", "and", "but", "by", "in",
    "on", "at", "for", "to", "with", "from", "that", "which", "who",
})  # fmt: skip
# Nouns for a body of people, one as good as another in a description: a question's "group"
# may be what the passages call a movement, an organisation or a party.
_BODIES = frozenset({
    "group", "movement", "organisation", "organization", "party", "body", "bloc",
    "coalition", "association", "union", "network", "outfit",
})  # fmt: skip
# What a question describes someone by: "the exiled banker", "this rights activist", up to
# four words after "the"; what it names them as, in the passages, is what they describe.
_DESCRIPTION = re.compile(r"\b(?i:the|this|that)\s+((?:[a-z][a-z-]*\s+){0,3}[a-z][a-z-]*)\b")
_DESCRIPTORS_MAX = 4  # words before a name read as its description ("so-called opposition …")
_APPOSED_MAX = 6  # words of an apposition read ("…, a candidate of the national …")
# The share of the times a word is written that must describe someone for it alone to name
# them ("banker": Ablyazov; not "leader")
DESCRIBED_MOSTLY = 0.5
# An apposition saying what someone is: "…, a candidate of …", "…, ex-speaker of …" (not
# "…, the main thing …": the sentence going on)
_APPOSED_AS = re.compile(r"^(?:an?|ex-|former)\b", re.I)
# A noun for a person that describes no one in the passages ("activist", "campaigner") is one
# only if English writes it less often than this: "ever", "other", "under" end alike
PERSON_NOUN_COMMON = 50_000_000


class Descriptions:
    """Whom a question describes without naming ("Did the exiled banker accept any blame?"):
    the one name the passages describe in the most of those words, its last among them
    ("fugitive banker Mukhtar Ablyazov": banker). Descriptions are the lower-case words right
    before a name, and an apposition after it ("Amirzhan Qosanov -- a journalist of late")."""

    def __init__(
        self,
        sentences: Iterable[str],
        terms: Callable[[str], Sequence[str]],
        proper: Callable[[str], bool],
        stop_words: Container[str],
        groups: Iterable[Sequence[str]] = (),
    ) -> None:
        self._terms = terms
        self._stop = stop_words
        self._of: dict[str, set[str]] = {}  # a name's last word -> the terms describing it
        self._written: dict[str, str] = {}
        self._times: Counter[str] = Counter()  # how often each term is written at all
        self._describing: Counter[tuple[str, str]] = Counter()  # (name, term): describing it
        self._people: dict[str, bool] = {}  # a name -> whether a noun for a person describes it
        # a name -> the terms of the passages (`groups` of sentences) naming it, for telling
        # names described alike apart ("the youth movement": the one written of the young)
        self._around: dict[str, set[str]] = {}
        named: dict[str, list[str]] = {}  # a sentence -> the names it holds
        for sentence in sentences:
            self._times.update(self._terms(sentence))
            named[sentence] = self._read(sentence, proper)
        for group in groups or ([s] for s in named):
            keys = {key for sentence in group for key in named.get(sentence, ())}
            if keys:
                said = {t for sentence in group for t in self._terms(sentence)}
                for key in keys:
                    self._around.setdefault(key, set()).update(said)
        self._describing_any: set[str] = set().union(*self._of.values())

    def _read(self, sentence: str, proper: Callable[[str], bool]) -> list[str]:
        """Each name of `sentence` and the words describing it; the names' keys."""
        words = list(_NAME_WORD.finditer(sentence))
        keys: list[str] = []
        i = 0
        while i < len(words):
            if not self._proper_at(words, i, proper):
                i += 1
                continue
            j = i
            while j + 1 < len(words) and self._proper_at(words, j + 1, proper):
                if not NAME_JOIN.fullmatch(sentence[words[j].end() : words[j + 1].start()]):
                    break
                j += 1
            found: list[str] = []
            titled = False
            k = i - 1
            while k >= 0 and len(found) < _DESCRIPTORS_MAX:
                between = sentence[words[k].end() : words[k + 1].start()]
                word = words[k].group(0)
                low = word.lower()
                if between != " " or low in self._stop or low in _NOT_DESCRIBING:
                    break
                # a title is what someone is ("longtime President Nursultan Nazarbaev"), a
                # name of its own is not ("Central Election Commission")
                title = not found and not proper(low) and role_noun(low)
                if not (word.islower() or title) or low.endswith(("ed", "ly")):
                    break
                titled = titled or not word.islower()  # a title is a person's
                found.append(low)
                k -= 1
            if (
                found
                and not role_noun(found[0])
                and _CLAUSE_AFTER.match(sentence[words[j].end() :])
                and k >= 0
                and words[k].group(0).lower() == "the"
            ):
                # the words before a name that goes on into a clause of its own are what it
                # did something to: "the new era Nazarbaev and his inner circle had in mind",
                # "the spots Ablyazov remotely designed" (not "the ruling party Nur Otan.")
                found = []
            before = _APPOSED_BEFORE.search(sentence[: words[i].start()])
            if before is not None and role_noun(before["phrase"].split()[-1]):
                # "Kazakhstan's first and only previous president, Nursultan Nazarbaev"
                found.extend(before["phrase"].split())
            copula = _COPULA_BEFORE.search(sentence[: words[i].start()])
            if copula is not None and role_noun(copula["phrase"].split()[-1]):
                found.extend(copula["phrase"].split())
            after = sentence[words[j].end() :]
            apposed = _APPOSITION.match(after)
            if apposed is not None:
                phrase = " ".join(apposed.group("phrase").split()[:_APPOSED_MAX])
                if _APPOSED_AS.match(phrase) and not _VERB.search(phrase):
                    found.extend(w.lower() for w in phrase.split())
            became = _BECAME.match(after)
            if became is not None:
                # "Toqaev, who as speaker of the Senate immediately became interim president",
                # "Tokayev had been elected and legitimised as the head of state"
                found.extend(_role_words(became["phrase"]))
            last = words[j].group(0)
            key = next(iter(self._terms(last)), None)
            # a name of several words the variants fold to one ("Oyan Qazaqstan"): that one
            span = sentence[words[i].start() : words[j].end()]
            whole = list(self._terms(span)) if j > i else []
            if whole and whole[-1] != key and key not in whole:
                key, last = whole[-1], span
            if key is not None:
                keys.append(key)
            if key is not None and found:
                self._written.setdefault(key, last)
                held = self._of.setdefault(key, set())
                self._people.setdefault(key, False)
                self._people[key] |= titled or any(self._person_noun(word) for word in found)
                for word in found:
                    for term in self._terms(word):
                        if term != key and len(term) > 2:  # not "ex" of "ex-speaker"
                            held.add(term)
                            self._describing[key, term] += 1
            i = j + 1
        return keys

    @staticmethod
    def _person_noun(word: str) -> bool:
        """Whether `word` may be a noun for a person describing no one here ("activist")."""
        return (
            role_noun(word)
            and not word.endswith("ment")  # "movement", "government": what is done or does
            and english_counts().get(word, 0) < PERSON_NOUN_COMMON
        )

    def _mostly_of(self, name: str, terms: set[str]) -> bool:
        """Whether most times `terms` are written, they describe `name`."""
        return any(
            0 < self._times[t] <= self._describing[name, t] / DESCRIBED_MOSTLY for t in terms
        )

    @staticmethod
    def _proper_at(words: list[re.Match[str]], i: int, proper: Callable[[str], bool]) -> bool:
        """Whether word `i` is a name's: capitalised, and so always written."""
        word = words[i].group(0)
        return word[:1].isupper() and proper(word.lower()) and len(word) > 2

    def whom(
        self, question: str, alike: Callable[[str], Sequence[str]] | None = None
    ) -> tuple[str, int] | None:
        """The name (as the passages write it) a description in `question` is of, and where
        the description ends; None when none is, or several are alike. The description's
        last word is what they are ("banker"): a word describing them, or a noun for a
        person describing no one ("activist") beside one that does ("rights").
        `alike(word)`: corpus words meaning what a word the corpus lacks means ("financier":
        banker), read as its own."""
        for m in _DESCRIPTION.finditer(question):
            words = list(_NAME_WORD.finditer(m.group(1)))
            read: list[set[str]] = []  # each word's terms (and its synonyms'), read once
            found: tuple[str, int] | None = None  # the longest description of one name
            after_of = False
            for size in range(1, len(words) + 1):
                head = words[size - 1].group(0)
                if head == "of" and read:
                    after_of = True  # "the new head of state": state, if it describes anyone
                    continue
                if head in self._stop:
                    break
                read.append(self._read_as(head, alike))
                if after_of and not read[-1] & self._describing_any:
                    break  # "the new wave of discontent"
                name = self._described(read, head)
                if name is not None and found is not None and name != found[0]:
                    break
                if name is not None:
                    found = name, m.start(1) + words[size - 1].end()
            if found is not None:
                return self._written[found[0]], found[1]
        return None

    def described_as(self, terms: frozenset[str]) -> frozenset[str]:
        """The names (their terms) the passages describe in any of `terms`: "movement" ->
        Oyan Qazaqstan's and Ult Tagdyry's ("Oyan, a new civic movement", "the national
        patriotic movement Ult Tagdyry")."""
        return frozenset(key for key, held in self._of.items() if held & terms)

    @cached_property
    def people(self) -> dict[str, str]:
        """Each name the passages describe as a person (its term) -> as they write it."""
        return {key: self._written[key] for key, person in self._people.items() if person}

    def _read_as(self, word: str, alike: Callable[[str], Sequence[str]] | None) -> set[str]:
        """The terms of `word`, and of the corpus words meaning the same (`alike`); a noun
        for a body describing none is any that does ("the new youth-led group": the
        movement described as new)."""
        terms = set(self._terms(word))
        if word.lower() in _BODIES and not terms & self._describing_any:
            terms.update(t for body in _BODIES for t in self._terms(body))
        for other in alike(word) if alike is not None else ():
            terms.update(self._terms(other))
        return terms

    def _described(self, terms: list[set[str]], head: str) -> str | None:
        """The one name described by the most of the words read as `terms` (`_read_as`),
        the last of them `head`."""
        head_terms = terms[-1]
        known = bool(head_terms & self._describing_any)
        if not known and not (len(terms) > 1 and self._person_noun(head)):
            return None
        scores = {
            name: sum(bool(t & held) for t in terms)
            for name, held in self._of.items()
            if not known or head_terms & held
        }
        best = max(scores.values(), default=0)
        named = [name for name, score in scores.items() if score == best]
        if best and len(named) > 1 and not any(self._people.get(n) for n in named):
            # names of things described alike ("movement"; not people, whose passages say
            # much of everyone): the one whose passages hold the most of the description's
            # other words ("youth": young)
            around = {n: sum(bool(t & self._around.get(n, set())) for t in terms) for n in named}
            most = max(around.values())
            named = [n for n in named if around[n] == most]
            if len(named) == 1 and most >= 2:
                return named[0]
        if not best or len(named) != 1:
            return None
        # One word alone names someone only as a noun for a person ("banker"), not as what
        # many are head of ("the new head of state": of a press service); only one mostly
        # written of them ("leader" is written of many, though only Ablyazov is described
        # so: "the new leader" is Tokayev); and only in its own words, not in words meaning
        # the same ("businessman": politician, as Tokayev is described).
        if best >= 2:
            return named[0]
        own = set(self._terms(head))
        if not role_noun(head) or (known and not self._mostly_of(named[0], own)):
            return None
        return named[0]
