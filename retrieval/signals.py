"""The signals: for each candidate passage, how well it matches a question, one array each.

    dense         the passage vector's cosine with the question vector
    sentence      the best cosine of one of its sentences (and which sentence that is); a
                  sentence that asks ("Will the opposition unite?") only when it has no other
    lexical       BM25, as a share of what the question's terms could score at most
    late          late interaction: each question token's best match among the passage's
                  tokens, averaged (ColBERT's MaxSim on the model's own token outputs)
    introduction  1 where the passage holds its article's first mention of what a
                  "Who is X?" question asks about (retrieval/questions.py)
    answer_kind   1 where a question asking for a figure, a date or an age finds one in the
                  passage, beside the question's names (retrieval/answer_types.py); -1
                  where it finds the figure of several days a count of one day is not
    expansion     BM25 of the corpus words nearest in meaning to the question's words the
                  corpus lacks (retrieval/synonyms.py)
    outlet        1 where the passage was published by the outlet (or author) the question
                  names as its source ("according to CABAR", "the Diplomat piece")

How they are combined is `fusion`'s business; which passages are candidates is decided here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from retrieval.answer_types import (
    AnswerType,
    Asked,
    answering,
    best_nearness,
    dated,
    names_no_one,
    nearness,
    outlet_passages,
    referents,
    undated,
)
from retrieval.answer_types import asked as what_is_asked
from retrieval.context import ArticleText, article_texts
from retrieval.late import TokenTable, distinct_sentences
from retrieval.lexical import MONTHS, LexicalIndex
from retrieval.questions import Descriptions, definitional_subject, introduces
from retrieval.records import Source, published_parts
from retrieval.store import IndexData

# A sentence that asks rather than tells ("Logical questions arise: will the parliamentary
# election be competitive?"): an article's own question is no answer to a reader's.
_ASKING = re.compile(r"\?[\"”’')\]]*\s*$")
# What a sentence that asks loses when a passage's key sentence is chosen: more than any two
# cosines differ, so it is chosen only in a passage of nothing else.
_ASKING_PENALTY = np.float32(2.0)

# Above this many passages, only a candidate pool is scored instead of every passage.
EXHAUSTIVE_MAX = 5000
POOL = 100  # candidates from each of the dense and BM25 sides, for a large corpus
# The answer kind of a passage that answers otherwise than asked: "How many were arrested on
# election day?" against "arrested approximately 1,000 people over the course of three days".
# It outscored "More than 500 were detained." on every other signal, typed ("how many ppl got
# arested on electon day", nine sets of 0-34 ask it): at 0, second; at -1, first, nothing
# else of sets 0-34 moved (docs/retrieval.md).
CONTRARY = -1.0
_TERMS_CACHE_MAX = 100_000  # sentences whose BM25 terms are kept (first mentions, answer kinds)


def _brand(outlet: str) -> str:
    """An outlet's name as readers write it: before its section or full name ("CABAR.asia"
    of "CABAR.asia (Central Asian Bureau for Analytical Reporting)", "RFE/RL" of "RFE/RL,
    blog …"), so "Central Asia" or "a blog" names no outlet; and the name of its blog or
    column, quoted ("Qishloq Ovozi" of 'RFE/RL, blog "Qishloq Ovozi"'), which readers name
    it by too."""
    quoted = re.findall(r"[\"“]([^\"”]+)[\"”]", outlet)
    return " ".join([re.split(r"[,(]", outlet, maxsplit=1)[0].strip(), *quoted])


def _written(published: str) -> str:
    """The year and month of a source's publication date ("2019 June"), "" without one."""
    parts = published_parts(published)
    if not parts:
        return ""
    return f"{parts[0]} {MONTHS[parts[1] - 1]}" if len(parts) > 1 else str(parts[0])


# Of a passage's sentences giving the kind of answer asked for, the one shown in bold is the
# closest to the question, one whose answer stands beside the question's names (`nearness`
# 1, not FAR_SHARE) gaining this much cosine: "When was the DVK banned?" shows "A court …
# banned the DVK … in March 2018" (cosine 0.74, its date eight words from "DVK"), not "the
# DVK movement he founded in November 2001" (0.47). Until stop 28 a near answer always won
# (x10): of the 363 typed questions of sets 0-26 whose first passage answers, the bold
# sentence then held the answer for 321; at 0.25, 348 (0.05-0.25 alike, 0.5 338;
# docs/retrieval.md).
ANSWER_NEAR_BONUS = 0.25
# Any other question's key sentence is the one closest to it by cosine plus this much times
# the share of the question's words (weighted by idf) the sentence holds: cosine alone often
# bolds a sentence near in topic while the next one says it ("How many policemen were
# injured?"). Of the 1,390 first passages of sets 0-26 that answer, the key sentence held the
# answer for 1,118 by cosine alone, 1,180 at 1 (paraphrases 139 -> 142 of 225; 0.3: 1,166;
# 2.5: 1,188 but paraphrases 137; the words alone 1,178; late interaction by sentence, alone
# or added, no better; docs/retrieval.md).
KEY_SENTENCE_WORDS = 1.0
# What a passage holding its article's first mention of X, but no sentence introducing X,
# counts for "Who is X?" (one introducing X counts 1): a famous name's first mention may say
# nothing of who it is ("… the fragile position of Tokayev"), and the passage around it,
# naming Tokayev four times, came first. Sets 0-28 and the definitions set rank alike from
# 0 to 1; at 0.3 "who is tokayev" is answered "Kassym-Zhomart Tokayev, ex-speaker of the
# Senate …", at 0.5 and over by "So far, Tokayev is not a president" (docs/retrieval.md).
FIRST_ONLY = 0.3


# A pronoun standing for someone or something named before.
_POINTS_BACK = re.compile(r"\b(?:it|its|he|him|his|she|her|they|them|their)\b", re.I)


@dataclass(frozen=True)
class Signals:
    """Each signal's value for each candidate (arrays in the order of `candidates`)."""

    candidates: np.ndarray  # passage ids
    dense: np.ndarray
    sentence: np.ndarray
    best_sentence: np.ndarray  # the best sentence's position within its passage
    lexical: np.ndarray
    known: float = 1.0  # the share of the question's lexical terms the corpus has at all
    introduction: np.ndarray | None = None
    answer_kind: np.ndarray | None = None
    asked: Asked | None = None  # the kind of answer the question asks for, if it does
    expansion: np.ndarray | None = None  # BM25 of the question's synonyms (synonyms.py)
    # A question asking for a kind of answer: each passage's best cosine among its sentences
    # holding such an answer beside the names (its best sentence's where none does).
    answering: np.ndarray | None = None
    # Each distinct sentence's cosine with the question (a small corpus's, scored whole; None
    # for a candidate pool): the key sentences shown in bold read theirs from it.
    cosines: np.ndarray | None = None
    # A "Who is X?" question: where each passage first introduces X (-1 where it does not;
    # `SignalSource.introducing`), the sentence shown in bold. None for any other question.
    introduced: np.ndarray | None = None
    outlet: np.ndarray | None = None  # 1 for the named outlet's passages (`named_outlet`)


class SignalSource:
    """Computes the signals over one loaded index."""

    def __init__(self, data: IndexData, *, late: bool = True) -> None:
        self.data = data
        n = len(data.passages)
        # A small corpus keeps its passage vectors as one matrix: scoring is one product.
        self.passage_vectors = (
            data.ann.index.reconstruct_n(0, n) if 0 < n <= EXHAUSTIVE_MAX else None
        )
        # Overlapping passages share sentences (each in about four, today): each distinct
        # sentence's cosine is computed once and given to every passage holding it.
        self._every = np.arange(n)  # the candidates of a small corpus: every passage, in order
        self._every.flags.writeable = False
        distinct, self._sentence_ids = distinct_sentences([p.sentences for p in data.passages])
        self._distinct_texts = distinct
        # What each distinct sentence loses when a key sentence is chosen (0 after the last:
        # the grid's padding), and the same for each passage's sentence in turn (the rows of
        # `data.sentence_vectors`).
        asking = [_ASKING_PENALTY if _ASKING.search(t) else 0 for t in distinct]
        self._penalty = np.array([*asking, 0], dtype=np.float32)
        self._penalty_rows = self._penalty[self._sentence_ids]
        self._distinct_vectors = self._grid = None
        if self.passage_vectors is not None and len(self._sentence_ids):
            ids, offsets = self._sentence_ids, data.sentence_offsets
            first = np.empty(int(ids.max()) + 1, dtype=np.int64)
            first[ids[::-1]] = np.arange(len(ids))[::-1]
            self._distinct_vectors = np.ascontiguousarray(data.sentence_vectors[first])
            # Row i: passage i's sentences, then the last distinct sentence + 1 (which scores
            # -inf) to the width of the longest: a passage's best is one argmax of its row.
            counts = np.diff(offsets)
            self._grid = np.full((n, int(counts.max())), len(first), dtype=np.int64)
            self._grid[np.arange(self._grid.shape[1]) < counts[:, None]] = ids
        # Late interaction needs the index's token vectors (and the caller's question tokens).
        self.late = late and data.token_vectors is not None
        self.tokens = None
        if self.late and data.token_vectors is not None and data.token_offsets is not None:
            self.tokens = TokenTable(
                data.token_vectors, data.token_offsets, self._sentence_ids, data.sentence_offsets
            )
        self._terms_cache: dict[str, frozenset[str]] = {}
        self._said_of: dict[int, list[str]] = {}
        self._days_of: dict[int, list[str]] = {}
        self._kind_sentences: dict[str, list[tuple[int, ...]]] = {}
        self._shut_out: dict[int, frozenset[int]] = {}

    @cached_property
    def descriptions(self) -> Descriptions:
        """How the passages describe the names they write, read on first need."""
        data = self.data
        tokenizer = data.lexical.tokenizer
        sentences = dict.fromkeys(s for p in data.passages for s in p.sentences)
        return Descriptions(
            sentences,
            tokenizer,
            data.vocabulary.is_proper,
            tokenizer.stop_words,
            groups=[p.sentences for p in data.passages],
        )

    @cached_property
    def outlets(self) -> dict[str, np.ndarray]:
        """Each term of an outlet's name or an author's -> the passages they published; and
        the year and the month of publication -> the passages published then. What a passage
        is without writing it: "according to CABAR", "Bruce Pannier's post", "the 2019
        election", "in June" (its articles say "the June 9 election": they were written that
        year, that month)."""
        return self._published_under(lambda s: f"{s.outlet} {s.author} {_written(s.published)}")

    @cached_property
    def brands(self) -> dict[str, np.ndarray]:
        """Each term of an outlet's name as readers write it (`_brand`) or of its author's
        name -> the passages published under it."""
        return self._published_under(lambda s: f"{_brand(s.outlet)} {s.author}")

    def _published_under(self, label: Callable[[Source], str]) -> dict[str, np.ndarray]:
        """Each term of each source's `label` -> the passages of that source's articles."""
        return outlet_passages(
            {a: label(s) for a, s in self.data.sources.items()},
            [p.article_id for p in self.data.passages],
            self.data.lexical,
        )

    def named_outlet(self, question: str) -> np.ndarray | None:
        """The passages of the outlets `question` names as where it read what it asks about
        ("What does the CABAR analyst say …?", "The Diplomat piece ends on a gloomy note. What
        does it say …?"): a mask over all passages; None when it names none, or names all."""
        brands, terms = self.brands, self.data.lexical.tokenizer
        mask = None
        for phrase in self.data.names.name_phrases(question):
            words = terms(phrase)
            if not words or any(w not in brands for w in words):
                continue
            held = np.logical_and.reduce([brands[w] for w in words])
            mask = held if mask is None else mask | held
        if mask is None or mask.all() or not mask.any():
            return None
        return mask

    @cached_property
    def articles(self) -> dict[str, ArticleText]:
        """Each article's text: built on first need (a "Who is X?" question, or context)."""
        return article_texts(self.data.passages)

    def compute(
        self,
        question: str,
        qvec: np.ndarray,
        *,
        introduction: bool = True,
        answer_kind: bool = True,
        expansion: Sequence[str] = (),
        outlet: bool = True,
    ) -> Signals:
        """Every signal but late interaction for the candidates of `question` (late
        interaction costs most: it is computed for a shortlist, `late_interaction`); the
        "Who is X?" and answer-kind signals when asked for; BM25 of `expansion` (the corpus
        words nearest the question's words it lacks) when there are some."""
        data = self.data
        asked = self.asked(question) if answer_kind else None
        words = undated(question, asked)  # what BM25 reads
        lexical_all = data.lexical.scores(words)
        candidates = self._candidates(qvec, lexical_all)
        cosines = self.distinct_cosines(qvec) if candidates is self._every else None
        sentence, best = self.sentence_cosines(qvec, candidates, cosines)
        subject = definitional_subject(question) if introduction else None
        intro, introduced = self.introductions(subject, candidates) if subject else (None, None)
        kinds = answering_cosines = None
        if asked is not None:
            kinds, answers = self._answers(asked, candidates)
            answering_cosines = self._answering_cosines(qvec, answers, sentence)
        return Signals(
            candidates=candidates,
            dense=self.passage_cosines(qvec, candidates),
            sentence=sentence,
            best_sentence=best,
            lexical=_held_alike(
                (lexical_all if candidates is self._every else lexical_all[candidates])
                / data.lexical.ceiling(words),
                words,
                data.lexical,
            ),
            known=data.lexical.known_share(question),
            introduction=intro,
            answer_kind=kinds,
            asked=asked,
            answering=answering_cosines,
            expansion=data.lexical.scores(" ".join(expansion))[candidates] if expansion else None,
            cosines=cosines,
            introduced=introduced,
            outlet=self._outlet(question, candidates) if outlet else None,
        )

    def _outlet(self, question: str, candidates: np.ndarray) -> np.ndarray | None:
        mask = self.named_outlet(question)
        return None if mask is None else mask[candidates].astype(np.float32)

    def read_as(self, s: Signals, qvec: np.ndarray, among: np.ndarray) -> None:
        """The model's signals (passage, sentence and answering cosines) of the candidates
        `among` (a mask over `s.candidates`), taken again for the question as `qvec` reads
        it: as their article spells its names. Written into `s`."""
        if not among.any():
            return
        ids = s.candidates[among]
        s.dense[among] = self.passage_cosines(qvec, ids)
        sentence, best = self.sentence_cosines(qvec, ids)
        s.sentence[among], s.best_sentence[among] = sentence, best
        if s.asked is not None and s.answering is not None:
            _, answers = self._answers(s.asked, ids)
            s.answering[among] = self._answering_cosines(qvec, answers, sentence)

    def asked(self, question: str) -> Asked | None:
        """The kind of answer `question` asks for and the names it must stand beside; None
        when it asks for no particular kind."""
        return what_is_asked(
            question,
            self.data.names,
            self.data.lexical,
            self.outlets,
            described_as=self.described_as,
        )

    def described_as(self, terms: frozenset[str]) -> frozenset[str]:
        """The terms of the names the passages describe in any of `terms`, and of the names
        of several words the variants fold to one that those are words of ("oyan", described
        as a movement: "oyanqazaqstan", as "Oyan Qazaqstan" is indexed)."""
        keys = self.descriptions.described_as(terms)
        return keys.union(*(self._folded_names.get(k, ()) for k in keys))

    @cached_property
    def _folded_names(self) -> dict[str, frozenset[str]]:
        """Each term of a word of a name of several words the variants fold to one token ->
        that name's terms ("oyan" -> "oyanqazaqstan"), read once rather than per question."""
        tokenizer = self.data.lexical.tokenizer
        folded: dict[str, frozenset[str]] = {}
        for group in tokenizer.variants.groups:
            whole = frozenset(tokenizer(group[0]))
            for word in group[0].split():
                for term in tokenizer(word):
                    folded[term] = folded.get(term, frozenset()) | whole
        return folded

    def answer_kinds(self, question: str, ids: np.ndarray) -> np.ndarray | None:
        """1.0 for each passage holding an answer of the kind `question` asks for beside its
        names; None when it asks for no particular kind."""
        asked = self.asked(question)
        return self._answer_kinds(asked, ids) if asked else None

    def _answer_kinds(self, asked: Asked, ids: np.ndarray) -> np.ndarray:
        return self._answers(asked, ids)[0]

    def _answers(self, asked: Asked, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each passage of `ids`, the best `nearness` of its sentences answering `asked`
        (0 when none does, CONTRARY when one gives a count of several days asked of one);
        and, as the two rows of one array, each answering sentence's row of
        `data.sentence_vectors` and its passage's position among `ids`."""
        kind, names, count = asked.kind, asked.anchors, asked.counted
        holding = self._holding(kind)
        passages, offsets = self.data.passages, self.data.sentence_offsets
        near = np.zeros(len(ids), dtype=np.float32)
        rows: list[int] = []
        owners: list[int] = []
        for j, i in enumerate(ids.tolist()):
            held = holding[i]
            if not held:  # most passages: no sentence holds an answer of the kind
                continue
            sentences = [passages[i].sentences[k] for k in held]
            said_of, days = self._referents(i), self._dated(i)
            near[j], found = best_nearness(
                kind, sentences, names, self.terms, count, named=asked.named,
                before=[said_of[k] for k in held], dates=[days[k] for k in held],
            )  # fmt: skip
            if (
                not found
                and count is not None
                and count.one_day
                and any(count.of_other_days(kind, s, self.terms) for s in sentences)
            ):
                near[j] = CONTRARY  # a count of several days, asked one day's
            rows.extend(int(offsets[i]) + held[f] for f in found)
            owners.extend([j] * len(found))
        return near, np.array([rows, owners], dtype=np.int64).reshape(2, -1)

    def _answering_cosines(
        self, qvec: np.ndarray, answers: np.ndarray, sentence: np.ndarray
    ) -> np.ndarray:
        """Each passage's best cosine among its sentences answering (`_answers`), or its best
        sentence's (`sentence`) where none does."""
        out = np.full(len(sentence), -np.inf, dtype=np.float32)
        rows, owners = answers
        if len(rows):
            np.maximum.at(out, owners, self.data.sentence_vectors[rows] @ qvec)
        return np.where(np.isfinite(out), out, sentence)

    def _referents(self, passage_id: int) -> list[str]:
        """`referents` of the passage's sentences: whom each sentence naming no one speaks of."""
        return self._of_sentences(self._said_of, referents, passage_id)

    def _dated(self, passage_id: int) -> list[str]:
        """`dated` of the passage's sentences: the day each sentence giving none speaks of."""
        return self._of_sentences(self._days_of, dated, passage_id)

    def _of_sentences(
        self,
        kept: dict[int, list[str]],
        make: Callable[[Sequence[str]], list[str]],
        passage_id: int,
    ) -> list[str]:
        """`make` of the passage's sentences, worked out once per passage (`kept`)."""
        found = kept.get(passage_id)
        if found is None:
            found = kept[passage_id] = make(self.data.passages[passage_id].sentences)
        return found

    def _holding(self, kind: AnswerType) -> list[tuple[int, ...]]:
        """The positions of each passage's sentences holding an answer of `kind`, whatever
        its names (most passages hold none: a question then looks only at the few that do)."""
        held = self._kind_sentences.get(kind.kind)
        if held is None:
            held = [
                tuple(k for k, s in enumerate(p.sentences) if kind.in_sentence(s))
                for p in self.data.passages
            ]
            self._kind_sentences[kind.kind] = held
        return held

    def answer_sentence(self, asked: Asked, qvec: np.ndarray, passage_id: int) -> int | None:
        """Of the passage's sentences holding the kind of answer asked for beside its names,
        the position of the one closest to the question; None when none does. What to show
        in bold: "What was the turnout?" shows the sentence with the figure."""
        p = self.data.passages[passage_id]
        kind, names = asked.kind, asked.anchors
        found = answering(
            kind, p.sentences, names, self.terms, asked.counted, named=asked.named,
            before=self._referents(passage_id), dates=self._dated(passage_id),
        )  # fmt: skip
        if not found:
            return None
        start = int(self.data.sentence_offsets[passage_id])
        cosines = self.data.sentence_vectors[[start + i for i in found]] @ qvec
        near = np.array(
            [nearness(kind, p.sentences[i], names, self.terms, named=asked.named) for i in found]
        )
        return found[int(np.argmax(near * ANSWER_NEAR_BONUS + cosines))]

    def introducing(
        self, subject: frozenset[str], passage_id: int, judged: dict[str, bool] | None = None
    ) -> int | None:
        """The position of the passage's first sentence introducing the name of lexical
        terms `subject` ("fugitive banker Mukhtar Ablyazov", "Amirzhan Kossanov, a candidate
        of …": `questions.introduces`), or None when none does (a passage not naming it is
        not read). `judged` keeps each sentence's verdict for the next passage: overlapping
        passages share most of their sentences."""
        sentences = self.data.passages[passage_id].sentences
        if not any(subject & self.terms(s) for s in sentences):
            return None
        stop_words = self.data.lexical.tokenizer.stop_words
        judged = {} if judged is None else judged
        for k, sentence in enumerate(sentences):
            found = judged.get(sentence)
            if found is None:
                found = judged[sentence] = introduces(sentence, subject, self.terms, stop_words)
            if found:
                return k
        return None

    def word_weights(self, question: str) -> dict[str, float]:
        """What a sentence holding each of the question's BM25 terms gains toward being the
        key sentence (`sentence_scores`): KEY_SENTENCE_WORDS x the term's share of their idf."""
        lexical = self.data.lexical
        idf = {t: lexical.idf(t) for t in lexical.tokenizer(question)}
        total = sum(idf.values())
        return {t: KEY_SENTENCE_WORDS * v / total for t, v in idf.items()} if total > 0 else {}

    def sentence_scores(self, weights: Mapping[str, float], cosines: np.ndarray) -> np.ndarray:
        """Every distinct sentence's score as a key sentence (shown in bold), for a corpus
        scored whole: its closeness to the question (`cosines`: `distinct_cosines`) plus the
        `weights` of the question's words it holds (`word_weights`); a sentence that asks
        counts only in a passage of nothing else. Each passage's best is read off its row of
        the grid (`key_of`). (A candidate pool's passages keep `sentence_cosines`' choice, by
        cosine alone.)"""
        assert self._grid is not None  # a corpus scored whole
        score = cosines - self._penalty  # the grid's padding stays -inf
        holding = self._term_sentences if weights else {}
        for term, weight in weights.items():
            held = holding.get(term)
            if held is not None:
                score[held] += weight
        return score

    def key_of(self, scores: np.ndarray, passage_id: int) -> int:
        """The position of passage `passage_id`'s key sentence, given `sentence_scores`."""
        assert self._grid is not None
        return int(scores[self._grid[passage_id]].argmax())

    @cached_property
    def _term_sentences(self) -> dict[str, np.ndarray]:
        """Each term and the distinct sentences holding it (`sentence_scores`), made on first
        need: every distinct sentence's terms (9 ms here)."""
        holding: dict[str, set[int]] = {}
        for number, sentence in enumerate(self._distinct_texts):
            for term in self.terms(sentence):
                holding.setdefault(term, set()).add(number)
        # A sentence speaking of someone by a pronoun holds their name too ("Among other
        # things, it has so far called for …" after "… one of the founders of Oyan
        # Qazaqstan."): the names of the sentence before it naming someone (`referents`).
        for p in self.data.passages:
            row = int(self.data.sentence_offsets[p.id])  # its sentences' distinct numbers
            for k, before in enumerate(self._referents(p.id)):
                sentence = p.sentences[k]
                if before and names_no_one(sentence) and _POINTS_BACK.search(sentence):
                    for term in self._name_terms(before):
                        holding.setdefault(term, set()).add(int(self._sentence_ids[row + k]))
        return {term: np.array(sorted(n), dtype=np.int64) for term, n in holding.items()}

    def _name_terms(self, sentence: str) -> frozenset[str]:
        """The terms of the names `sentence` writes: its capitalised words but the first."""
        words = sentence.split()[1:]
        return self.terms(" ".join(w for w in words if w[:1].isupper()))

    def shut_out(self, passage_id: int) -> frozenset[int]:
        """The passages that share a sentence with passage `passage_id` (`Passage.overlaps`
        it): once it is taken, they add nothing new. Made on first need, then kept."""
        found = self._shut_out.get(passage_id)
        if found is None:
            taken = self.data.passages[passage_id]
            same = self.articles[taken.article_id].passages
            found = frozenset(p.id for p in same if p.overlaps(taken))
            self._shut_out[passage_id] = found
        return found

    def terms(self, sentence: str) -> frozenset[str]:
        """A sentence's BM25 terms (name variants folded), cached: sentences recur."""
        words = self._terms_cache.get(sentence)
        if words is None:
            words = frozenset(self.data.lexical.tokenizer(sentence))
            if len(self._terms_cache) < _TERMS_CACHE_MAX:
                self._terms_cache[sentence] = words
        return words

    def _candidates(self, qvec: np.ndarray, lexical_all: np.ndarray) -> np.ndarray:
        n = len(self.data.passages)
        if n <= EXHAUSTIVE_MAX:
            return self._every
        _, dense_ids = self.data.ann.search(qvec[None, :], POOL)
        # The best BM25 passages without sorting all of them (a million passages: ~10 ms).
        lex_ids = np.argpartition(-lexical_all, POOL)[:POOL]
        return np.unique(np.concatenate([dense_ids[0][dense_ids[0] >= 0], lex_ids]))

    def passage_cosines(self, qvec: np.ndarray, ids: np.ndarray) -> np.ndarray:
        if self.passage_vectors is not None:
            if ids is self._every:
                return self.passage_vectors @ qvec
            return self.passage_vectors[ids] @ qvec
        index = self.data.ann.index  # a large corpus: only the candidates are reconstructed
        return index.reconstruct_batch(np.asarray(ids, dtype=np.int64)) @ qvec

    def distinct_cosines(self, qvec: np.ndarray) -> np.ndarray | None:
        """Each distinct sentence's cosine with the question, then -inf (the grid's padding);
        None for a corpus scored by candidate pool."""
        distinct = self._distinct_vectors
        if distinct is None:
            return None
        sims = np.empty(len(distinct) + 1, dtype=np.float32)
        sims[-1] = -np.inf
        sims[:-1] = distinct @ qvec
        return sims

    def sentence_cosines(
        self, qvec: np.ndarray, ids: np.ndarray, sims: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each passage's best sentence cosine, and that sentence's position in the passage.
        A sentence that asks is its best only when the passage has no other (`_ASKING`).
        `sims`: `distinct_cosines`, when already worked out."""
        if ids is self._every and self._grid is not None:
            sims = self.distinct_cosines(qvec) if sims is None else sims
            assert sims is not None
            at = (sims - self._penalty)[self._grid].argmax(axis=1)
            return sims[self._grid[np.arange(len(at)), at]], at
        rows, seg, counts = self._owned_rows(self.data.sentence_offsets, ids)
        sims = self.data.sentence_vectors[rows] @ qvec
        chosen = sims - self._penalty_rows[rows]
        best_sim = np.maximum.reduceat(chosen, seg)
        owner = np.repeat(np.arange(len(ids)), counts)
        at_max = np.flatnonzero(chosen >= best_sim[owner])
        first = np.empty(len(ids), dtype=np.int64)
        first[owner[at_max[::-1]]] = at_max[::-1]  # written last to first: the earliest wins
        return sims[first].astype(np.float32), first - seg

    def late_interaction(self, tokens: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """For each passage, the mean over the question's tokens of the best cosine with any
        of the passage's tokens."""
        assert self.tokens is not None
        if ids is self._every:
            return self.tokens.every(tokens)
        return self.tokens.scores(tokens, ids)

    def _owned_rows(
        self, offsets: np.ndarray, ids: np.ndarray
    ) -> tuple[slice | np.ndarray, np.ndarray, np.ndarray]:
        """The rows passages `ids` own in a table grouped by passage (passage i owns rows
        offsets[i]:offsets[i+1]), where each one's rows start among them, and how many."""
        starts, ends = offsets[ids], offsets[ids + 1]
        counts = ends - starts
        if len(ids) == len(self.data.passages):  # every passage: the rows in one block
            rows: slice | np.ndarray = slice(None)
        else:
            rows = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends, strict=True)])
        return rows, np.concatenate([[0], np.cumsum(counts)[:-1]]), counts

    def introductions(self, subject: str, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The "Who is X?" signal of each passage of `ids`: 1.0 where a sentence introduces X
        (`introducing`: "fugitive banker Mukhtar Ablyazov"), FIRST_ONLY where it holds only
        its article's first mention of X (`first_mentions`: a famous name's may say nothing of
        who it is, "… due to the fragile position of Tokayev"), else 0; and the position of
        the sentence introducing X in each (-1 where none does)."""
        terms = frozenset(self.data.lexical.tokenizer(subject))
        judged: dict[str, bool] = {}  # each distinct sentence judged once
        at = np.array(
            [-1 if (k := self.introducing(terms, i, judged)) is None else k for i in ids.tolist()],
            dtype=np.int64,
        )
        signal = np.where(at >= 0, 1.0, self.first_mentions(subject, ids) * FIRST_ONLY)
        return signal.astype(np.float32), at

    def first_mentions(self, subject: str, ids: np.ndarray) -> np.ndarray:
        """1.0 for each passage holding the first sentence of its article naming `subject`.

        Sentences are compared as BM25 terms (name variants folded), every term of the
        subject present; each sentence is tokenized once, however many passages hold it.
        """
        terms = frozenset(self.data.lexical.tokenizer(subject))
        out = np.zeros(len(ids), dtype=np.float32)
        if not terms:
            return out
        first: dict[str, int] = {}
        for j, i in enumerate(ids):
            p = self.data.passages[int(i)]
            if p.article_id not in first:
                first[p.article_id] = self._first_naming(p.article_id, terms)
            out[j] = float(p.start <= first[p.article_id] < p.end)
        return out

    def _first_naming(self, article_id: str, terms: frozenset[str]) -> int:
        """The number of the article's first sentence holding every term, or -1."""
        sentences = self.articles[article_id].sentences
        for number in sorted(sentences):
            if terms <= self.terms(sentences[number]):
                return number
        return -1


def _held_alike(scores: np.ndarray, words: str, lexical: LexicalIndex) -> np.ndarray:
    """BM25 `scores`, but alike for every passage holding the question's one known term:
    how often a passage repeats it says little of what it is about. "who won?" asks of "won"
    alone, which one sentence on Kossanov's exit-poll figure holds three times ("… showed
    that Tokayev won by an overwhelming margin, said he won votes (… Kossanov won 15.39 per
    cent)") and "Qasym-Zhomart Toqaev won the election." once: the other signals tell them
    apart. Of two terms or more, BM25 as it is (a passage holding more of them)."""
    known = {t for t in lexical.tokenizer(words) if t in lexical.doc_freq}
    if len(known) != 1 or not len(scores):
        return scores
    return np.where(scores > 0, scores.max(), 0).astype(np.float32)
