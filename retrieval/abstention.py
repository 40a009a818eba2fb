"""Abstention: whether the best passage answers the question at all, and if not, why.

A pure function of the question, the best-ranked passage and the index's name tables.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from retrieval.answer_types import (
    SUBJECT_SHARE,
    AnswerType,
    Asked,
    Counted,
    answering,
    as_asked,
    asked,
    best_nearness,
    dated,
    held_terms,
    held_words,
    holds_answer,
    nearness,
    own_words,
    referents,
)
from retrieval.chunking import split_sentences
from retrieval.lexical import LexicalIndex
from retrieval.names import NameCheck, countries, demonyms, is_when
from retrieval.records import Ranked, Refusal

# The single raw threshold of the dense-only baseline: cosine of the question and passage.
DENSE_FLOOR = 0.3
# The floor when the best passage shares at most one of the question's terms. Over sets 0-28,
# the far questions it refuses reach 0.335 ("who is the president of brazil"), the real
# questions under 0.38 that it refused reach 0.351 at the least ("Which early-20th-century
# author's verse is the source of the activists' catchphrase?"): 0.345 splits them (0.38
# until stop 29, set in stop 21 on sets 0-7; 0.32 answers both far questions).
ONE_WORD_FLOOR = 0.345
# The floor of the best passage's own cosine (the whole passage, not its best sentence): a
# sentence sharing one word can be close to a question the passage around it has nothing to
# do with ("What is the world record time for a marathon?" 0.49 with a sentence on "the
# marathon", 0.13 with its passage); the sets' real questions reach 0.158 at the least.
PASSAGE_FLOOR = 0.14
# The sentence a passage under PASSAGE_FLOOR may still answer with, sharing two of the
# question's words or more: "did the osce say it was fair or nah" reaches 0.45 with the OSCE's
# verdict on the vote's fairness; the far "Why do YouTube videos buffer so much?" 0.36 with
# "His live-streamed videos are the reason Facebook and YouTube …" (stop 41: 0.345 let it in).
CLOSE_SENTENCE = 0.4
_HOW_WHAT = re.compile(r"\bhow\s+\w+", re.I)  # "how long", "how many": the kind asked
# BM25 share at which a short query is a keyword the articles hold, whatever the cosine.
KEYWORD_SHARE = 0.15
# A sentence of the best passage holding this many of the question's terms answers it
# whatever the cosine: over sets 0-131, the far questions refused for low relevance share two
# terms with a sentence at the most, the near ones three.
SENTENCE_WORDS = 4
# Questions asking for a figure, a date or an age are checked in this many best passages,
# whatever the number asked for: "How many people were arrested in Almaty?" has its figure
# ("nearly 500 … detained in Almaty and Nur-Sultan") in the 5th; 3 refused it.
TYPED_PASSAGES = 5
# A request for advice or instructions: "How do I reset my iPhone?", "What's a good recipe for
# banana bread?", "Can you recommend a laptop?". News articles report what happened; they tell
# no reader what to do or buy, so such a question is refused unless it names something the
# articles do ("How can we tell whether Tokayev really won?" goes on to the other checks), the
# country they are all about aside ("How do you cook beshbarmak the traditional Kazakh way?").
_ADVICE = re.compile(
    r"^\W*(?:how\s+(?:do|can|should|could)\s+(?:i|we)\b"
    # a task's verb straight after "how", as instructions are asked for ("how to cook plov",
    # and without "to" or "do I", as people learning English type it: "how make plov")
    r"|how\s+(?:to\s+)?(?:make|cook|prepare|bake|fry|boil|brew|ferment|fix|repair|install"
    r"|reset|grow)\b"
    # or any task, asked as "how to …" ("how to get a visa", "Tell me how to get there"), but
    # reading the news ("how to read the protests")
    r"|how\s+to\s+(?!(?:interpret|explain|understand|read|see|view|judge|assess)\b)[a-z]"
    # the same asked of anyone ("How do you make plov?"), not what they make of the news
    # ("How do you explain the protests?")
    r"|how\s+(?:do|can|should|could)\s+(?:you|u|ya|one)\s+(?!(?:know|think|explain|see|view"
    r"|rate|assess|judge|interpret|define|describe|compare|feel|read|understand|account)\b)[a-z]"
    r"|(?:what(?:'s|’s|\s+is|\s+are)|which\s+(?:is|are))\s+(?:a\s+|an\s+|the\s+|some\s+)?"
    r"(?:good|best|cheapest|easiest|nicest|healthiest|quickest|fastest)\b"
    r"|(?:can|could|would)\s+you\s+(?:please\s+)?(?:recommend|suggest)\b"
    # the same typed without its question words: "cheapest way to fly from london to almaty?"
    r"|(?:the\s+)?(?:best|cheapest|easiest|quickest|fastest|safest)\s+way\s+to\b)"
    # whether a trip is wise, anywhere in the message: "Is it safe to travel to Kazakhstan?",
    # "… for a woman to travel alone …?", "Is Big Almaty Lake worth the trip?"
    r"|\bis\s+it\s+(?:safe|dangerous|risky|ok|okay|a\s+good\s+idea)\s+(?:for\s+(?:\w+\s+){1,3}?)?"
    r"to\s+(?:travel|visit|go|fly|move|live|holiday|vacation|give|eat|drink|feed)\b"
    r"|\bworth\s+(?:the\s+trip|a\s+visit|visiting|seeing|the\s+money)\b"
    # what the asker needs: "do i need a visa for kazakhstan?"
    r"|\b(?:do|will|would)\s+(?:i|we)\s+(?:need|have\s+to)\b"
    # what to do on a visit: "I have 2 days in Almaty, what should I see?"
    r"|\bwhat\s+(?:should|must)\s+(?:i|we)\s+(?:see|visit|do|eat|try|buy|bring|pack|wear)\b"
    # instructions asked for anywhere in the message: "can you give me a recipe for plov?"
    r"|\b(?:recipes?|tutorials?|instructions|tips)\s+(?:for|on|to)\b"
    # what the asker could or should do, asked outright: "What cocktails can I make with
    # vodka?", "Where can I print a banner?"; not what they may read or ask ("What can I read
    # about the protests?"), nor chatter ("should I be worried? who won?")
    r"|\b(?:what|which|where|how\s+(?:much|many|long|often))\b[^.?!]*?\b(?:can|could|should)\s+i"
    r"\s+(?!(?:ask|know|find|read|see|learn|check|get|trust|cite|quote|share|say|tell)\b)[a-z]",
    re.I,
)
# A place named as where the advice is wanted ("How do I get to Almaty?", "Can you recommend a
# hotel in Astana?") is no subject of the articles' for it: only a name asked about (not
# after "in", "to", "at" …) exempts a request for advice.
_PLACED = re.compile(
    r"\b(?i:in|to|at|into|near|around|from|across|visit|visiting|through)\s+(?:the\s+)?"
    r"[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*)*"
)
# A task set the bot, whatever it names: "translate 'thank you' into Kazakh", "write me a poem
# about Tokayev": no quote does it.
_TASK = re.compile(
    r"^\W*(?:(?:please|pls|can\s+you|could\s+you|would\s+you)\s+)?(?:translate\b|write\s+(?:me\s+)?"
    r"(?:an?\s+)?(?:poem|song|story|essay|letter|joke|limerick)s?\b|tell\s+me\s+a\s+(?:joke|story)\b)",
    re.I,
)
# A passage this relevant is about the question whatever the check of the answer's kind says:
# "When did the mission arrive?" answered by "on a day of arrival of the mission" (the
# question sets' highest near-topic question scored 0.98; measured in docs/retrieval.md).
# Not for a kind always `written` one way: "How old is Asya Tulseova, the co-founder of Oyan
# Qazaqstan?" scores 1.02 with a sentence naming her, no age in it; over sets 0-34, the real
# questions asking an age that score 1 or more (ten) all hold one.
TYPED_OVERRIDE = 1.0
# A person asked for as someone's (a party's candidate, a body's chair) is named within this
# many words of the names asked about. "Who founded Oyan Qazaqstan?" needs 19 ("Asya Tulseova
# was one of the people holding the banner in April and is one of the founders of Oyan
# Qazaqstan"); from 40 on, the Communist Party's candidate is answered by Tugel, named 36
# words before "candidates of the Communist Party". Over sets 0–24, 6 refused two real
# questions ("who were the other candidates besides tokayev n kosanov"); 10 to 35 refuse the
# same, 40 eight near-topic questions fewer.
SOMEONE_NEAR = 25
# Someone named in a role stands within this many words of its words: "Toqaev, who as speaker
# of the Senate immediately became interim president" (9 from "president"), "after Kassym-
# Zhomart Tokayev had been elected and legitimised as the head of state"; Nazarbaev, named 15
# words before "speaker of the Senate" in the first, does not hold it.
ROLE_NEAR = 10
# A name asked of someone described, not named ("What was the name of the journalist beaten by
# police during the night march?"), is given by a sentence naming someone and holding this
# share of the description's words (its BM25 terms, the corpus's subject aside). Any name
# within SOMEONE_NEAR words of a word of it is not enough: "Amirzhan Qosanov -- a journalist
# of late" answers no question about a journalist beaten. Over sets 0-34, six near-topic
# questions asking that journalist's name reach 0.29-0.33; real questions of that form written
# to check it reach 0.5 at the least ("What was the name of the vice minister who reported
# detentions?": vice, minister, report, detentions, two held by the sentence naming him).
# Then the person kind's roles took in "prosecutor", "poet" and others: "What is the name of
# the poet whose verse gave the movement its slogan?" was refused until the words no passage
# holds were left out (slogan and movement: one held by the sentence naming Dulatov).
# Stop 49 weighed the share by each word's idf (slogan, in 7 passages, outweighs movement, in
# 28; "the main candidate, Kassym-Zhomart Tokayev" no longer describes "the candidate of the
# communists") and asked for the name within SOMEONE_NEAR words of the words held: over sets
# 0-127, four near-topic questions more refused, no real one.
DESCRIBED_SHARE = 0.4
_NAME_OF = re.compile(
    r"\bnames?\s+of\s+(?P<described>[^?.;!]+)"
    # "What was the Communist Party candidate's name?"
    r"|\b(?:what(?:'s|’s|\s+(?:is|was)))\s+(?P<owner>(?:the|a|an)\s+[^?.;!]+?)['’]s\s+"
    r"(?:full\s+)?names?\b",
    re.I,
)


def _figure_said(question: str, wants: Asked | None, top: Ranked, lexical: LexicalIndex) -> bool:
    """Whether the best passage's key sentence gives the figure a count question asks for
    (a count of what it counts: "28 years" for "How many years …") beside two or more of
    the question's own words: the words the model sees little likeness in ("How many years
    of the past does the blogger say any future course will depart from?" and "… some sort
    of departure from the past 28 years": cosine 0.26) say it is the question's figure.
    `wants`: what the question asks for (`asked`)."""
    if wants is None or wants.counted is None:
        return False
    sentence, terms = top.best_sentence, lexical.tokenizer
    if not wants.counted.in_sentence(wants.kind, sentence, terms):
        return False
    return len(set(terms(question)) & set(terms(sentence))) >= 2


def _in_corpus_words(
    counted: Counted | None, synonyms: Callable[[str], Sequence[str]], terms
) -> Counted | None:
    """What a count question counts, also in the corpus's words for the question's words it
    lacks: "how many cops got hurt" is answered by "three policemen were injured"."""
    if counted is None or not counted.words:
        return counted
    return counted.meaning(synonyms(" ".join(counted.words)), terms)


def asks_advice(question: str, names: NameCheck, lexical: LexicalIndex) -> str | None:
    """Why `question` asks the articles for what no news report gives, or None: a task set the
    bot ("a task": "translate …", "write me a poem …"), or advice, unless it names something
    the articles do besides the place it is wanted in ("" : "How do I get to Almaty?")."""
    if _TASK.search(question):
        return "a task"
    if _ADVICE.search(question) and not any(
        own_words(g, lexical) for g in names.named_terms(_PLACED.sub(" ", question))
    ):
        return ""
    return None


def refusal(
    question: str,
    ranked: Sequence[Ranked],
    *,
    mode: str,
    min_score: float,
    names: NameCheck,
    lexical: LexicalIndex,
    outlets: Mapping[str, np.ndarray] | None = None,
    synonyms: Callable[[str], Sequence[str]] = lambda question: (),
    searched: str | None = None,
    writes: Callable[[str], bool] = lambda word: True,
    described_as: Callable[[frozenset[str]], frozenset[str]] | None = None,
) -> tuple[Refusal | None, str]:
    """Why the best passage `top` does not answer `question` (and a detail), or (None, "").

    In dense or lexical mode, for comparison, only that signal's own floor counts. In hybrid
    mode: the relevance must reach `min_score`, and the likeness the model sees a floor (a
    higher one when the best passage shares a word or none with the question); a question
    naming someone or something the articles never mention is not theirs to answer, however
    close its other words come; nor is one naming things that no single passage mentions
    together; nor one asking for a kind of answer (a figure, a date, a person, a reason)
    that none of the best passages gives beside its names.
    `outlets` maps each term of an outlet's name to the passages it published (see
    `named_together`); `synonyms(question)` gives corpus words meaning what words of the
    question the corpus lacks mean (synonyms.SAME_MEANING), counted as shared when the
    passage holds them (asked only when the count matters). `searched` is the text that was
    searched when it says more than `question`: a question referring back to the sentence
    before it ("A friend said the OSCE monitors didn't want to come. Why was that?") shares
    that sentence's words with its passage; its names are still the question's own.
    `writes(word)`: whether the corpus writes that word, as typed (not a stem: "finally" is
    no "final").
    """
    top = ranked[0]
    if mode == "lexical":
        return (None, "") if top.lexical > 0 else (Refusal.LOW_RELEVANCE, "")
    if mode == "dense":
        return (None, "") if top.dense >= DENSE_FLOOR else (Refusal.LOW_RELEVANCE, "")
    advice = asks_advice(question, names, lexical)
    if advice is not None:
        return Refusal.ADVICE, advice
    if top.relevance < min_score:
        return Refusal.LOW_RELEVANCE, f"{top.relevance:.3f} < {min_score}"
    # A word or two in common is not enough: the model must see some likeness too ("What is
    # the capital of France?" shares "capital" and "France" with a passage: cosine 0.25, BM25
    # share 0.09; the sets' real questions reach a cosine of 0.32). A bare keyword the articles
    # hold squarely ("kumis", "May 9": share 0.17) is a question of its own.
    likeness = max(top.dense, top.sentence)
    # read once: the floors, the kind
    wants = asked(question, names, lexical, outlets or {}, described_as=described_as)
    figure = likeness < ONE_WORD_FLOOR and _figure_said(question, wants, top, lexical)
    if figure:
        likeness = ONE_WORD_FLOOR
    said = searched or question

    @functools.cache  # asked by both floors below, counted once
    def shared() -> int:  # how many of the question's words the passage holds
        return len(shared_terms(said, top, lexical, synonyms(said)))

    @functools.cache  # asked by the first two floors, read once
    def worded() -> bool:
        return worded_alike(said, top, lexical)

    if likeness < DENSE_FLOOR and top.lexical < KEYWORD_SHARE and not worded():
        return Refusal.LOW_RELEVANCE, f"cosine {likeness:.3f} < {DENSE_FLOOR}"

    # A sentence close to the question and sharing two of its words or more is an answer in
    # a passage about much else ("did the osce say it was fair or nah": 0.45 with "although
    # the OSCE won't recognise its transparency and fairness", its passage 0.12).
    if (
        top.dense < PASSAGE_FLOOR
        and top.lexical < KEYWORD_SHARE
        and not figure
        and (top.sentence < CLOSE_SENTENCE or shared() <= 1)
        and not worded()
    ):
        return Refusal.LOW_RELEVANCE, f"passage cosine {top.dense:.3f} < {PASSAGE_FLOOR}"
    # One word in common needs more likeness still, unless it is the whole question: "How
    # long is a standard marathon in kilometres?" shares only "marathon" with its best
    # passage (cosine 0.33); the real questions sharing one word or none with theirs reach
    # 0.35 at the least (ONE_WORD_FLOOR).
    if likeness < ONE_WORD_FLOOR and top.lexical < KEYWORD_SHARE and shared() <= 1:
        return Refusal.LOW_RELEVANCE, f"cosine {likeness:.3f} < {ONE_WORD_FLOOR}, one word shared"
    unknown = _not_offered(question, names.unknown(question), names)
    if searched and searched != question:
        # the sentence a question refers back to says when it asks of: "I remember big riots
        # in Kazakhstan in January 2022. What did Tokayev do during that unrest?" asks of a
        # time the articles never reach (its other names may be the asker's own: "back home
        # in Chile")
        unknown += [n for n in names.unknown(searched) if is_when(n) and n not in unknown]
    if unknown:
        return Refusal.UNKNOWN_NAME, ", ".join(unknown)
    later = _LATER_VERSION.search(question)
    if later is not None and not writes(later["stage"].lower()):
        return Refusal.UNKNOWN_NAME, later.group(0)
    if _LATER_ELECTION.search(question):  # asked of in its own sentence: what it gave
        for sentence in split_sentences(question):
            after = _LATER_ELECTION.search(sentence)
            if after is not None and _OUTCOME.search(sentence):
                return Refusal.UNKNOWN_NAME, after.group(0)
    if not named_together(question, names, lexical, outlets or {}):
        return Refusal.NAMES_APART, ", ".join(names.name_phrases(question))
    if (country := _country_apart(question, top, lexical)) is not None:
        return Refusal.NAMES_APART, country
    if wants is None:
        return None, ""
    sentences = [s for r in ranked[:TYPED_PASSAGES] for s in r.passage.sentences]
    before = [b for r in ranked[:TYPED_PASSAGES] for b in referents(r.passage.sentences)]
    dates = [b for r in ranked[:TYPED_PASSAGES] for b in dated(r.passage.sentences)]
    described = _NAME_OF.search(question) if wants.kind.someone else None
    if described is None and wants.kind.about is not None:
        described = wants.kind.about.search(as_asked(question))
    if described is not None and not describes(
        wants, described["described"] or described["owner"], sentences, lexical
    ):
        return Refusal.NO_ANSWER_OF_KIND, f"{wants.kind.kind} described"
    if top.relevance >= TYPED_OVERRIDE and not wants.kind.written:
        return None, ""
    kind, terms = wants.kind, lexical.tokenizer
    if kind.someone and wants.role and _in_role(wants.anchors, wants.role, sentences, terms):
        # "Who replaced Tokayev as speaker of the Senate?", where the articles name him in
        # that role ("Toqaev, who as speaker of the Senate …"): someone else is named in it
        named = dataclasses.replace(wants.named, family=True)  # not Tokayev in full
        near, _ = best_nearness(
            kind, sentences, list(wants.role), terms, named=named, within=ROLE_NEAR
        )
        if near < 1:
            return Refusal.NO_ANSWER_OF_KIND, f"{kind.kind} in the role"
    elif kind.someone and wants.anchors:
        # someone of the names asked about is named near them: "Who was the Communist
        # Party's candidate?" is not answered by a sentence naming one candidate, then,
        # twenty words on, "candidates of the Communist Party"
        within = kind.near or SOMEONE_NEAR
        near, _ = best_nearness(
            kind, sentences, wants.anchors, terms, named=wants.named, within=within
        )
        if near < 1:
            return Refusal.NO_ANSWER_OF_KIND, kind.kind
    elif not any(
        holds_answer(kind, sentences, anchors, terms, counted, before=before, dates=dates)
        or _dated_before(kind, ranked[:TYPED_PASSAGES], anchors, terms)
        for counted in [_in_corpus_words(wants.counted, synonyms, terms)]
        for anchors in (wants.anchors, *wants.either)
    ):
        return Refusal.NO_ANSWER_OF_KIND, kind.kind
    return None, ""


# A later version of a document ("ODIHR's final report", published months after the vote,
# asked of in eight sets) is named as a name is: the articles, which quote the preliminary
# report, never write the stage. Not "the final count" or "the final standings": how a count
# ended is what the articles report.
_LATER_VERSION = re.compile(
    r"\b(?P<stage>final|full|complete|follow-up|concluding)\s+(?:\w+\s+)?"
    r"(?:reports?|assessments?|findings|conclusions|recommendations|statements?|verdicts?)\b",
    re.I,
)


# An election after this one ("Did Kossanov's party win seats in the next parliamentary
# election?", "… the parliamentary election that followed"): the articles, written in the days
# after June 9, only wonder about it ("will the parliamentary election be competitive? … We
# will have the answers only after a while"): what it gave, when it was, who won it. Whether
# it will be competitive is what they wonder. Asked of in 24 sets, each time near-topic.
_LATER_ELECTION = re.compile(
    r"\b(?:next|subsequent)\s+(?:\w+\s+)?(?:elections?|votes?|polls?)\b"
    r"|\b(?:elections?|votes?|polls?)\s+(?:that|which)\s+followed\b",
    re.I,
)
_OUTCOME = re.compile(
    r"\b(?:did|was|were|won|wins?|winning|got|gets?|seats?|held|holds?|followed|when|date|day"
    r"|who|which\s+part(?:y|ies))\b|\btak(?:e|es|en)\s+place\b|\btook\s+place\b",
    re.I,
)


# Where something asked of happened, another country ("What were the yellow vest protests in
# France about?"), or whose it is ("Russia's 2018 election", "the ukrainian presidential
# election": its people's word before what a country has): the passage answering names it
# too. Only in a sentence asking ("I'm from Germany. What did the observers say?" asks of
# Kazakhstan).
_OF_A_COUNTRY = (
    r"(?:elections?|votes?|polls?|presidential|presidents?|presidency|prime\s+ministers?"
    r"|premiers?|governments?|parliaments?|opposition|protests?|protesters|leaders?"
    r"|leadership|authorities|regime|campaigns?)"
)


@functools.cache
def _in_country() -> re.Pattern[str]:
    others = countries() - {"Kazakhstan"}
    alternatives = "|".join(sorted(map(re.escape, others), key=len, reverse=True))
    peoples = [p for p, country in demonyms().items() if country in others]
    people = "|".join(sorted(map(re.escape, peoples), key=len, reverse=True))
    return re.compile(
        rf"\b(?:in|across|throughout)\s+(?:the\s+)?(?P<country>{alternatives})\b"
        rf"|\b(?P<own>{alternatives})['’]s\b"
        rf"|\b(?P<people>{people})\s+(?:[\w-]+\s+){{0,2}}?{_OF_A_COUNTRY}\b",
        re.I,
    )


# Words placing someone in a country rather than asking of it: "what the banker sitting in
# France claims" asks what he claims, wherever the passage saying so places him.
_LOCATED = re.compile(
    r"\b(?:sitting|sits|living|lives|lived|residing|resides|based|exiled|hiding|hides|staying"
    r"|stays|settled)\s+$",
    re.I,
)


def _country_apart(question: str, top: Ranked, lexical: LexicalIndex) -> str | None:
    """The other country a sentence of `question` asking asks of ("… protests in France?",
    "the Russian election") where the best passage never names it, nor its people; None
    otherwise."""
    if _in_country().search(question) is None:  # most questions: no other country at all
        return None
    sentences = split_sentences(question)
    asking = [s for s in sentences if s.rstrip().endswith("?")] or sentences[-1:]
    held = set(lexical.tokenizer(top.passage.lexical_text))
    for sentence in asking:
        for found in _in_country().finditer(sentence):
            if _LOCATED.search(sentence, 0, found.start()) is not None:
                continue
            said = found["country"] or found["own"] or found["people"]
            country = demonyms().get(said.lower(), said)
            if not any(set(lexical.tokenizer(w)) <= held for w in {said, country}):
                return said
    return None


# A sentence saying that what came before it happened at some time ("All this happened on a
# day of arrival of a OSCE/ODIHR election observation mission to Kazakhstan"): the time it
# speaks of is said before it.
_POINTS_BACK = re.compile(
    r"^\W*(?:all\s+(?:of\s+)?(?:this|that)|this|that|it\s+all)\s+(?:happened|took\s+place"
    r"|occurred|coincided)\b",
    re.I,
)
# The kinds whose answer is a time.
_TIMES = frozenset({"day", "date", "year"})


def _dated_before(
    kind: AnswerType,
    ranked: Sequence[Ranked],
    anchors: Sequence[frozenset[str]],
    terms: Callable[[str], Sequence[str]],
) -> bool:
    """Whether a passage of `ranked` holds a sentence beside every anchor group that points
    back to what came before (`_POINTS_BACK`), and before it a sentence giving a time of
    `kind`: "On May 9, several mass protests … took place …" then "All this happened on a day
    of arrival of a OSCE/ODIHR election observation mission" answers when the mission came."""
    if kind.kind not in _TIMES:
        return False
    for r in ranked:
        said = r.passage.sentences
        for i, sentence in enumerate(said):
            if i and _POINTS_BACK.match(sentence):
                words = set(terms(sentence))
                if all(g & words for g in anchors) and any(map(kind.in_sentence, said[:i])):
                    return True
    return False


def _in_role(
    names: Sequence[frozenset[str]],
    role: Sequence[frozenset[str]],
    sentences: Sequence[str],
    terms: Callable[[str], Sequence[str]],
) -> bool:
    """Whether a sentence names one of `names` within ROLE_NEAR words of every word of
    `role`: the articles say who held it before ("Toqaev, who as speaker of the Senate")."""
    for sentence in sentences:
        words = [frozenset(terms(w)) for w in sentence.split()]
        spots = [[n for n, w in enumerate(words) if w & group] for group in (*names, *role)]
        if not all(spots):
            continue
        held = spots[: len(names)]
        if any(
            all(min(abs(n - m) for m in where) <= ROLE_NEAR for where in spots[len(names) :])
            for at in held
            for n in at
        ):
            return True
    return False


def describes(
    wants: Asked, description: str, sentences: Sequence[str], lexical: LexicalIndex
) -> bool:
    """Whether a sentence answering `wants` (asked of no names) holds DESCRIBED_SHARE of the
    words of `description`: "the journalist beaten by police during the night march" named,
    "the activists who held the marathon banner" punished. Of the words the corpus holds: a
    paraphrase's own ("the poet whose verse gave the movement its slogan": poet, verse) are in
    no sentence. A description made only of the corpus's subject ("the election") is looked
    for in those words: the sum it cost is said of it, not of anything. True for a question
    naming someone."""
    if wants.anchors:
        return True
    terms = lexical.tokenizer
    words = held_words(description, lexical) or held_terms(terms(description), lexical)
    if not words:
        return True
    # the names in it are not whom it describes ("the other three activists who held the
    # banner with Asya Tulseova"): her name would weigh as much as the rest together
    words = (words - wants.named.terms) or words
    naming = answering(wants.kind, sentences, [], terms, named=wants.named)
    whole = sum(lexical.idf(w) for w in words)
    for i in naming:
        held = words & set(terms(sentences[i]))
        # the share weighed by how rare each word is: "the candidate of the communists" is
        # not described by "the main candidate, Kassym-Zhomart Tokayev" (candidate: a word of
        # 32 passages, communist of 2)
        if sum(lexical.idf(w) for w in held) < DESCRIBED_SHARE * whole:
            continue
        # someone is named near the words describing them, not a sentence away from them:
        # "candidate Sadibek Tugel … (candidates of the Communist Party and Akzhol …)" names
        # no Communist candidate, Tugel 33 words before "Communist"
        if not wants.kind.someone:
            return True
        groups = [frozenset({w}) for w in sorted(held)]
        near = nearness(
            wants.kind, sentences[i], groups, terms, named=wants.named, within=SOMEONE_NEAR
        )
        if near == 1.0:
            return True
    return False


def named_together(
    question: str,
    names: NameCheck,
    lexical: LexicalIndex,
    outlets: Mapping[str, np.ndarray],
) -> bool:
    """Whether one passage mentions every name of `question` (true for fewer than two), but
    those it sets aside ("Apart from Tokayev, Kosanov and Tugel, which other parties …?").

    A name of several words ("Mukhtar Ablyazov") is there when any of its words is
    (`NameCheck.named_terms`), the corpus's subject aside: a word most passages hold
    (Kazakhstan, here), or one of its family ("Kazakh"), is taken as read, so it is not asked
    of them (`own_words`: "Central Election Commission" is asked as "central", "commission"). An
    outlet's name ("per the RFE/RL blog") is held by every passage it published
    (`outlets`: term -> passages), though its text never writes it. Of names offered as
    alternatives ("in 2016 or in 2018"), one is enough (`_alternatives`).
    """
    named = _alternatives(question, names)
    if sum(map(len, named)) < 2:  # most questions: no passage lookups at all
        return True
    masks = []
    for alternatives in named:
        own = [w for w in (own_words(g, lexical) for g in alternatives) if w]
        held = [_holding(w, lexical, outlets) for w in own]
        if held and all(m.mean() <= SUBJECT_SHARE for m in held):  # none taken as read
            masks.append(np.logical_or.reduce(held))
    if len(masks) < 2:
        return True
    return bool(np.logical_and.reduce(masks).any())


# Names offered as alternatives ("in 2016 or in 2018", "Almaty or Astana"): one of them is.
_OR = re.compile(r"\W*(?:,\s*)?or\s+(?:(?:in|on|at|by|from|the|a)\s+)?\W*", re.I)


def _alternatives(question: str, names: NameCheck) -> list[list[frozenset[str]]]:
    """The terms of each name of `question` (`NameCheck.named_terms`, none set aside), names
    joined by "or" together: a passage holds one of them ("Was the DVK declared extremist in
    2016 or in 2018?" asks of the DVK beside either year)."""
    found: list[list[frozenset[str]]] = []
    end = 0
    for phrase in names.asked_names(question):
        start = question.find(phrase, end)
        terms = names.phrase_terms(phrase)
        if not terms or any(terms in group for group in found):
            continue
        if found and start >= 0 and _OR.fullmatch(question, end, start):
            found[-1].append(terms)
        else:
            found.append([terms])
        end = start + len(phrase) if start >= 0 else end
    return found


def _not_offered(question: str, unknown: list[str], names: NameCheck) -> list[str]:
    """`unknown` but for the names offered as alternatives to one the articles write ("When
    was the DVK banned, 2017 or 2018?": the year they give is one of those asked)."""
    if not unknown:
        return unknown
    offered: set[str] = set()
    group: list[str] = []
    end = 0
    for phrase in names.asked_names(question):
        start = question.find(phrase, end)
        if group and start >= 0 and _OR.fullmatch(question, end, start):
            group.append(phrase)
        else:
            group = [phrase]
        if len(group) > 1 and any(n not in unknown for n in group):
            offered.update(group)
        end = start + len(phrase) if start >= 0 else end
    return [n for n in unknown if n not in offered]


def _holding(
    terms: frozenset[str], lexical: LexicalIndex, outlets: Mapping[str, np.ndarray]
) -> np.ndarray:
    """Which passages hold any of `terms`, in their text or as their outlet's name."""
    mask = lexical.containing(terms)
    for term in terms & outlets.keys():
        mask = mask | outlets[term]
    return mask


def _asked_terms(question: str, lexical: LexicalIndex) -> set[str]:
    """The question's BM25 terms, the word asking "how long", "how many", … aside: it says
    what kind of answer, not what about."""
    return set(lexical.tokenizer(_HOW_WHAT.sub(" ", question)))


def worded_alike(question: str, top: Ranked, lexical: LexicalIndex) -> bool:
    """Whether one sentence of the best passage holds SENTENCE_WORDS of the question's terms
    or more: a question worded as that sentence is, whatever likeness the model sees ("Now
    that the handover of power is officially over, what do people hope for?" against "Now
    that the shift of power in Kazakhstan is officially over, the people of Kazakhstan hope
    for the thaw …", cosine 0.30)."""
    terms = _asked_terms(question, lexical)
    return any(
        len(terms.intersection(lexical.tokenizer(s))) >= SENTENCE_WORDS
        for s in top.passage.sentences
    )


def shared_terms(
    question: str, top: Ranked, lexical: LexicalIndex, synonyms: Sequence[str] = ()
) -> set[str]:
    """The question's BM25 terms that its best passage holds, the word asking "how long",
    "how many", … aside (it says what kind of answer, not what about); and the terms of
    `synonyms` (words meaning what the question's do) that it holds."""
    terms = _asked_terms(question, lexical) | {t for w in synonyms for t in lexical.tokenizer(w)}
    return terms & set(lexical.tokenizer(top.passage.lexical_text))
