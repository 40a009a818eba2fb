"""The search API: a small facade over the index, the signals, fusion, abstention and context.

loading.open_index      which index to serve (building it when missing or stale)
question_cache          question vectors, cached
signals.SignalSource    each candidate passage's signals
fusion                  the signals combined into an order, and into relevance
abstention.refusal      whether the best passage answers at all, and if not, why
context.surrounding     the article's text around a hit
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from retrieval import smalltalk
from retrieval.abstention import TYPED_PASSAGES, asks_advice, refusal
from retrieval.answer_types import OPENS_ON_PRONOUN, answer_types
from retrieval.config import RetrievalSettings
from retrieval.context import extended, surrounding
from retrieval.encoders import Encoder, load_query_encoder
from retrieval.followup import Followup, Vocabulary, resolve
from retrieval.fusion import Mode, Scoring, check_mode, fused, order, relevance, shortlist
from retrieval.loading import open_index
from retrieval.names import Surnames, is_when
from retrieval.query import Query, prepare, unguessed
from retrieval.question_cache import QuestionEncoder
from retrieval.questions import Descriptions, definitional_subject
from retrieval.records import Hit, Passage, Ranked, Refusal, SearchResult, Source
from retrieval.signals import SignalSource
from retrieval.spelling import Speller, english_counts
from retrieval.store import IndexData
from retrieval.synonyms import SAME_MEANING, Synonyms
from retrieval.transliteration import latinize, script

# Late interaction is computed for at most this many of the best candidates by the other
# signals: its cost grows with the corpus (0.4 ms for all 124 passages here in int8,
# retrieval/late.py; the encoder 3 ms). At 124 it is every passage of today's corpus;
# 64 and 48 were measured and move results on the held-out set (hit@1 0.87 -> 0.84), so the
# cost is paid (docs/performance.md).
LATE_SHORTLIST = 124
# A key sentence opening its window on a pronoun for a person (`OPENS_ON_PRONOUN`) is shown in
# the window before it (`Retriever._framed`). One ending its window, shown in the window after
# it, measured hit@1 +0.002 over sets 0-56 but dropped what answered set 18's fewest-votes
# question and a follow-up (docs/retrieval.md, stop 35): taken out.
# Which text of the Query the dense side encodes: the whole message with its words put right
# (asked: as typed; focus and text: the asking part, as typed and corrected). Measured in
# docs/retrieval.md.
DENSE_SIDE = "corrected"


@dataclass(frozen=True)
class Reading:
    """The question as some passages read it (their article's spelling of its names)."""

    passages: np.ndarray  # a mask over every passage: those read so
    vector: np.ndarray
    tokens: np.ndarray | None  # its token vectors, for late interaction


class Retriever:
    """Finds the passages that answer a question; `search` returns [] when none does."""

    def __init__(
        self,
        data: IndexData,
        encoder: Encoder,
        settings: RetrievalSettings | None = None,
        scoring: Scoring | None = None,
        warnings: Sequence[str] = (),
    ) -> None:
        self.data = data
        self.encoder = encoder
        self.settings = settings or RetrievalSettings.load()
        self.scoring = scoring or Scoring()
        self.warnings = list(warnings)
        self.min_score = self.settings.min_score
        self.signals = SignalSource(data, late=encoder.supports_tokens)
        self.questions = QuestionEncoder(
            encoder, tokens=self.signals.late, dim=data.ann.dim, size=256
        )

    def __repr__(self) -> str:
        m = self.data.manifest
        return (
            f"Retriever({m['passages']} passages from {m['articles']} articles, "
            f"model={m['model']!r}, index={m['index_type']!r}, built {m['built_at']})"
        )

    @classmethod
    def load(
        cls,
        settings: RetrievalSettings | None = None,
        *,
        encoder: Encoder | None = None,
        progress: bool = True,
        rebuild: bool = True,
    ) -> Retriever:
        """Load the index from INDEX_DIR, building it first when missing or stale.

        Without `settings`, they are read as the command line reads them: the environment,
        then the settings file (ELECTION_BOT_ENV_FILE, else the checkout's .env or the user's).
        A stale or damaged index is rebuilt when AUTO_REBUILD is on (the default); otherwise
        IndexStale, IndexNotFound or IndexCorrupt says to run `election-bot index`. When the
        corpus cannot be indexed (a bad file) but a sound older index exists, that index is used
        and the problem kept in `.warnings`; a damaged index is never served. `rebuild=False`
        loads the build `current` points at as it is, and never builds (what a serving bot
        does when a new build appears).
        """
        settings = settings or RetrievalSettings.load()
        data, warnings = open_index(settings, encoder, progress=progress, rebuild=rebuild)
        if encoder is None:
            encoder = load_query_encoder(settings, data.model)
        return cls(data, encoder, settings, warnings=warnings)

    def sources(self) -> list[Source]:
        """The articles the index holds, in corpus order."""
        return list(self.data.sources.values())

    @property
    def build_id(self) -> str:
        """The name of the build it serves (INDEX_DIR/builds/<id>); "" for one not on disk."""
        return self.data.path.name if self.data.manifest else ""

    @property
    def fingerprint(self) -> str:
        """The corpus fingerprint the index was built from: which articles answer."""
        return str(self.data.manifest["corpus_fingerprint"])

    def followup(self, previous: str, question: str, answer: str = "", topic: str = "") -> Followup:
        """What to search for `question` asked after `previous` (answered with `answer`, the
        best sentence of its first quote, if known; completing `topic`, if it was a follow-up
        that did): itself when it stands alone, else with `previous`'s subject carried over
        ("Where does he live?"). Read as a search reads it, spelling and capitals put right:
        "what about kosanov?" names Kosanov, and so does "who is kosanov?" for a "he" after
        it."""
        previous, typed, topic = latinize(previous), latinize(question), latinize(topic)
        before, read = self.prepare(previous).text or previous, self.prepare(typed).text
        completed = (self.prepare(topic).text or topic) if topic else ""
        words = self._followup_words
        found = resolve(before, read, words, answer, completed) if read else None
        if found is not None and found.carried:
            return found
        return resolve(previous, typed, words, answer, topic)

    @cached_property
    def _followup_words(self) -> Vocabulary:
        """The index's names and document frequencies, for follow-ups (made on first use)."""
        lexical = self.data.lexical
        return Vocabulary(self.data.names, lexical.doc_freq, lexical.n_docs)

    # -- search ---------------------------------------------------------------------------------

    def encode_questions(
        self, questions: Sequence[str]
    ) -> tuple[np.ndarray, list[np.ndarray | None]]:
        """Question vectors and, when the index has token vectors, each question's token
        vectors (else None), from one batched run of the model; repeated questions are cached."""
        return self.questions(questions)

    def search(
        self, question: str, k: int | None = None, *, context: int = 0, mode: str = "hybrid"
    ) -> list[Hit]:
        """The best passages for `question`, best first; [] when none is relevant enough.

        Hits are ordered by the fusion of every signal; each hit's `score` is its relevance,
        the absolute measure abstention uses, so scores need not be sorted. `context=N` adds
        N passages' worth of the article's text before and after each hit (never repeating
        it); `mode` is hybrid (the default), or dense or lexical alone, for comparison.
        """
        return self.search_many([question], k, context=context, mode=mode)[0]

    def search_many(
        self,
        questions: Sequence[str],
        k: int | None = None,
        *,
        context: int = 0,
        mode: str = "hybrid",
    ) -> list[list[Hit]]:
        """`search` for several questions at once: their vectors are computed in one batch."""
        results = self.search_many_with_reason(questions, k, context=context, mode=mode)
        return [r.hits for r in results]

    def search_with_reason(
        self, question: str, k: int | None = None, *, context: int = 0, mode: str = "hybrid"
    ) -> SearchResult:
        """`search`, with why nothing was returned when that is the case (`.refusal`)."""
        return self.search_many_with_reason([question], k, context=context, mode=mode)[0]

    def searched(self, question: str) -> Query:
        """`question` as `search` reads it: mostly another script, not at all (an empty
        text); small talk left out ("hi, who won?"), other scripts' letters transliterated,
        then `prepare`d."""
        return self._read(question)[2]

    def _read(self, question: str) -> tuple[bool, smalltalk.Reading, Query]:
        """Whether `question` is mostly in another script, the small talk read off it, and
        the question searched (`searched`)."""
        foreign = script(question or "") is not None
        said = smalltalk.default().read("" if foreign else latinize(question or ""))
        return foreign, said, self.prepare(said.question)

    def search_many_with_reason(
        self,
        questions: Sequence[str],
        k: int | None = None,
        *,
        context: int = 0,
        mode: str = "hybrid",
    ) -> list[SearchResult]:
        """`search_with_reason` for several questions, their vectors computed in one batch."""
        checked = check_mode(mode)
        k = self.settings.top_k if k is None else k
        # A message made only of small talk ("thanks!", "how are you today?") asks nothing of
        # the articles; a greeting opening a question ("hi, who won?") is left out of it.
        # A question mostly in another script ("Кто победил на выборах?") is not searched:
        # the articles are in English, and its words, transliterated, match nothing they say.
        read = [self._read(q) for q in questions]
        foreign = [f for f, _, _ in read]
        readings = [r for _, r, _ in read]
        queries = [q for _, _, q in read]
        results = [  # what each gets if it is not searched
            SearchResult([], _unsearched(f, r.kind is not None))
            for r, f in zip(readings, foreign, strict=True)
        ]
        live = [i for i, q in enumerate(queries) if q.text and k > 0]
        if not live:
            return results
        # A name spelt as the articles never spell it ("Alma-Ata", "Kasym-Jomart Tokaev") is
        # read by the model as they do ("Almaty", "Qasym-Zhomart Toqaev"), as BM25 folds it;
        # an English word in lower case is not a name ("oral" is not the town Oral).
        typed = [self.described(getattr(queries[i], DENSE_SIDE)) for i in live]
        dense_texts = [self._as_read(t, self.written_names) for t in typed]
        # A spelling the passages never (or seldom) write favours no article: each article's
        # passages are read with the question as that article spells its names ("Amirjan
        # Kosanov": "Amirzhan Qosanov" for RFE/RL's, "Amirzhan Kossanov" for CABAR's), each
        # spelling encoded once.
        others = [
            self._article_readings(t, d) if checked == "hybrid" else []
            for t, d in zip(typed, dense_texts, strict=True)
        ]
        more = [text for found in others for _, text in found]
        vectors, tokens = self.encode_questions(dense_texts + more)
        at = len(dense_texts)
        for row, i in enumerate(live):
            q = queries[i]
            readings_of = []
            for among, _ in others[row]:
                readings_of.append(Reading(among, vectors[at], tokens[at]))
                at += 1
            # Abstention looks at the same passages whatever k: the bot's page of 4 and
            # `ask`'s 5 are refused alike.
            limit = max(k, TYPED_PASSAGES)
            extra = self.synonyms.near(q.text) if checked == "hybrid" else []
            ranked = self.rank(
                self.described(q.text), vectors[row], checked, limit=limit, tokens=tokens[row],
                expansion=extra,
                readings=readings_of,
            )  # fmt: skip
            # (what it searched, a guess at the answer aside: "…, was it 2017?" asks of no
            # year the articles lack)
            result = self._result(q.asking, ranked, checked, context, k, unguessed(q.text))
            results[i] = replace(result, set_aside=q.set_aside) if q.set_aside else result
        return results

    @cached_property
    def written_names(self) -> dict[str, str]:
        """Each name spelling the passages never write -> the one they write most of that
        name (`NameVariants.written`): the model reads a question's names as the articles
        spell them. Read from the passages on the first search."""
        variants = self.data.lexical.tokenizer.variants
        return variants.written(p.text for p in self.data.passages)

    def _as_read(self, text: str, written: Mapping[str, str]) -> str:
        """`text` as the model reads it: its names respelt by `written`, an English word in
        lower case left as typed ("oral" is not the town Oral); and full names as the
        passages write them after the first mention, but where the question asks who
        someone is: the sentence introducing them answers it."""
        variants = self.data.lexical.tokenizer.variants
        text = variants.respell(text, written, english_counts())
        return text if definitional_subject(text) else self.surnames(text)

    def _article_readings(self, typed: str, read: str) -> list[tuple[np.ndarray, str]]:
        """Where the model reads `typed` respelt (`read`: a spelling the passages never or
        seldom write, `written_names`), each other way the articles' own spellings read it,
        and which passages (a mask) are read so. A spelling they write as often as another
        is read as typed by every passage: it says which outlet the asker read."""
        if read == self._as_read(typed, {}):
            return []
        found: dict[str, list[str]] = {}
        for article, written in self.article_spellings.items():
            text = self._as_read(typed, written)
            if text != read:
                found.setdefault(text, []).append(article)
        owners = self._article_of
        return [(np.isin(owners, articles), text) for text, articles in found.items()]

    def described(self, text: str) -> str:
        """`text` with the name of whom it describes without naming set after the
        description ("Did the exiled banker Ablyazov accept any blame?"; `Descriptions`)."""
        found = self.descriptions.whom(text, self.synonyms.near)
        if found is None:
            return text
        name, end = found
        tokenizer = self.data.lexical.tokenizer
        # a word of a name of several the variants fold to one token: the name in full, as
        # the passages holding it are indexed ("Oyan" of "Oyan Qazaqstan")
        name = next((g[0] for g in tokenizer.variants.groups if name in g[0].split()), name)
        if set(tokenizer(name)) & set(tokenizer(text)):
            return text
        return f"{text[:end]} {name}{text[end:]}"

    @property
    def descriptions(self) -> Descriptions:
        """How the passages describe the names they write, read on the first search."""
        return self.signals.descriptions

    @cached_property
    def article_spellings(self) -> dict[str, dict[str, str]]:
        """For each article, each name spelling -> the one that article writes most, where it
        writes the name; else the one the passages write most (`written_names`)."""
        variants = self.data.lexical.tokenizer.variants
        return {
            article: {
                **self.written_names,
                **variants.written((p.text for p in text.passages), rarely=math.inf),
            }
            for article, text in self.signals.articles.items()
        }

    @cached_property
    def _article_of(self) -> np.ndarray:
        """Each passage's article id."""
        return np.array([p.article_id for p in self.data.passages])

    @cached_property
    def surnames(self) -> Surnames:
        """A question's full names as the passages write them after the first mention: the
        dense side reads "Yevgeny Zhovtis" as "Zhovtis" (names.Surnames)."""
        data = self.data
        return Surnames(
            [p.text for p in data.passages], data.vocabulary.is_proper, data.names.name_phrases
        )

    @cached_property
    def synonyms(self) -> Synonyms:
        """The corpus words nearest in meaning to a question's words the corpus lacks."""
        data = self.data
        return Synonyms(
            data.synonym_words,
            data.synonym_vectors,
            self.encoder,
            data.lexical,
            writes=data.vocabulary.counts.__contains__,
        )

    @cached_property
    def speller(self) -> Speller:
        """Spelling against the corpus's words; names get phonetic matching too."""
        vocabulary = self.data.vocabulary
        names = [w for w in vocabulary.counts if vocabulary.is_proper(w)]
        return Speller(vocabulary.frequencies(), names, self.data.lexical.tokenizer.stop_words)

    def prepare(self, question: str) -> Query:
        """The question as it will be searched (retrieval/query.py), a "he" or "she" of a
        long message's question named (`_named_back`)."""
        names = self.data.names

        def aside(sentence: str) -> bool:
            # a name the articles never write, not a time they never reach: "Is Oyan
            # Qazaqstan still active in 2024?" asks of the movement, when they can't tell;
            # or a kind of answer no passage gives ("what will the weather be like …?"), or
            # advice ("Who won? Where can I buy plov in Astana?")
            if any(not is_when(n) for n in names.unknown(sentence)):
                return True
            if asks_advice(sentence, names, self.data.lexical) is not None:
                return True
            wants = self.signals.asked(sentence)
            return wants is not None and not self._kinds_given[wants.kind.kind]

        return self._named_back(prepare(question, self.speller, self.data.vocabulary, aside))

    @cached_property
    def _kinds_given(self) -> dict[str, bool]:
        """Each kind of answer -> whether any passage gives one anywhere (its evidence
        pattern): the weather, none here. Read on first need."""
        return {
            t.kind: any(t.evidence.search(p.text) for p in self.data.passages)
            for t in answer_types()
        }

    def _named_back(self, q: Query) -> Query:
        """`q` with the "he" or "she" of its asking sentence named, when it names no one and
        the message before it names one person the articles describe as one: "I keep seeing
        the name Kozhayev in one of the articles. Who is he exactly?" asks who Kozhayev is."""
        pronoun = _SINGULAR.search(q.asking)
        at = q.corrected.rfind(q.asking)
        if pronoun is None or at <= 0 or q.asking not in q.text:
            return q
        terms, people = self.data.lexical.tokenizer, self.descriptions.people
        if any(t in people for t in terms(q.asking)):
            return q
        named = {t for t in terms(q.corrected[:at]) if t in people}
        if len(named) != 1:
            return q
        name = people[named.pop()]
        said = name + ("’s" if pronoun.group(0).lower() == "his" else "")
        asking = q.asking[: pronoun.start()] + said + q.asking[pronoun.end() :]
        # named, it stands alone: the sentence before it was searched only for whom it meant
        return replace(q, text=asking, asking=asking)

    def _result(
        self,
        question: str,
        ranked: list[Ranked],
        mode: Mode,
        context: int,
        k: int,
        searched: str | None = None,
    ) -> SearchResult:
        if not ranked:  # an empty index
            return SearchResult([], Refusal.LOW_RELEVANCE)
        best = ranked[0].relevance  # the passage abstention judges
        why, detail = self.refusal(question, ranked, mode, searched=searched)
        if why is not None:
            return SearchResult([], why, best, detail)
        return SearchResult([self._hit(r, context) for r in ranked[:k]], None, best)

    def rank(
        self,
        question: str,
        qvec: np.ndarray,
        mode: str = "hybrid",
        limit: int | None = None,
        tokens: np.ndarray | None = None,
        expansion: Sequence[str] = (),
        readings: Sequence[Reading] = (),
    ) -> list[Ranked]:
        """Candidate passages scored, best first (the first `limit`, or all), none
        overlapping a better one.

        `mode` is hybrid, dense or lexical; `tokens` are the question's token vectors, for
        late interaction (left out without them); `expansion` the corpus words nearest the
        question's words it lacks (`synonyms.near`), for BM25; `readings`, the question as
        other passages read it, with its own vectors (hybrid mode).
        """
        checked = check_mode(mode)
        data = self.data
        if not data.passages:
            return []
        w = self.scoring
        hybrid = checked == "hybrid"
        s = self.signals.compute(
            question,
            qvec,
            introduction=hybrid and bool(w.introduction),
            answer_kind=hybrid and bool(w.answer_kind),
            expansion=expansion if hybrid and w.expansion else (),
            outlet=hybrid and bool(w.outlet),
        )
        readings = readings if hybrid else ()
        among = [r.passages[s.candidates] for r in readings]
        for reading, these in zip(readings, among, strict=True):
            self.signals.read_as(s, reading.vector, these)
        score = fused(s, w, checked)
        late = top = None
        if hybrid and w.late and self.signals.late and tokens is not None and len(tokens):
            if len(score) <= LATE_SHORTLIST:  # every candidate
                top_ids = s.candidates
                late = self.signals.late_interaction(tokens, top_ids)
            else:
                top = shortlist(score, LATE_SHORTLIST)
                top_ids = s.candidates[top]
                late = self.signals.late_interaction(tokens, top_ids)
            for reading, these in zip(readings, among, strict=True):
                these = these if top is None else these[top]
                if reading.tokens is not None and these.any():
                    late[these] = self.signals.late_interaction(reading.tokens, top_ids[these])
        rel = relevance(s, w)
        out: list[Ranked] = []
        # Passages overlap: one sharing a sentence with a better one adds nothing new. Most
        # candidates are looked at only for that: one set lookup each.
        shut: set[int] = set()
        candidates = s.candidates.tolist()  # plain ints: the loop reads them one at a time
        asked, kinds = s.asked, s.answer_kind if s.asked is not None else None
        # The sentence shown in bold, where none gives the kind of answer asked for: the
        # closest to the question, its words counted too (hybrid mode, a corpus scored whole;
        # else the closest, `best_sentence`).
        keyed = (
            self.signals.sentence_scores(self.signals.word_weights(question), s.cosines)
            if hybrid and s.cosines is not None
            else None
        )
        terms: frozenset[str] | None = None  # the question's, read when a window may move
        for j in order(score, w, late, top).tolist():
            if limit is not None and len(out) >= limit:
                break
            i = candidates[j]
            if i in shut:
                continue
            p = data.passages[i]
            at = None  # (a passage's first sentence is 0)
            if asked is not None and kinds is not None and kinds[j] > 0:
                at = self.signals.answer_sentence(asked, qvec, i)  # the figure
            if at is None and s.introduced is not None and s.introduced[j] >= 0:
                at = int(s.introduced[j])  # "Who is X?": where the passage introduces X
            if at is None:
                at = int(s.best_sentence[j]) if keyed is None else self.signals.key_of(keyed, i)
            if hybrid and p.sentences and _may_move(p, at):
                terms = frozenset(data.lexical.tokenizer(question)) if terms is None else terms
                p, at = self._framed(p, shut, terms)
            shut.update(self.signals.shut_out(p.id))  # the window shown
            if hybrid and p.sentences and at == len(p.sentences) - 1:
                p = self._extended(p, shut, out)
            best = _introduced(p, at) if p.sentences else p.text
            scored = data.passages[i] if p.id != i else None
            out.append(
                Ranked(p, float(rel[j]), float(s.dense[j]), float(s.sentence[j]),
                       float(s.lexical[j]), best, scored)
            )  # fmt: skip
        return out

    def _extended(self, p: Passage, shut: set[int], shown: list[Ranked]) -> Passage:
        """Window `p`, whose key sentence ends it, with the article's sentence after it added:
        what follows a sentence matching the question tends to answer it ("The reaction in the
        regions was diverse …" then "… the authorities in Aktobe or Uralsk … behaved a bit
        wiser"). Nothing is dropped, as moving to the next window would drop the first
        sentence. Not when a passage shown before holds that sentence; the windows holding it
        are shut out (`shut`) once it is shown."""
        article = self.signals.articles[p.article_id]
        added = replace(p, start=p.end, end=p.end + 1)  # the sentence after it, as a span
        if any(r.passage.overlaps(added) for r in shown):
            return p
        longer = extended(article, p)
        if longer is None:
            return p
        shut.update(q.id for q in article.passages if q.overlaps(added))
        return longer

    def _framed(self, p: Passage, shut: set[int], asked: frozenset[str]) -> tuple[Passage, int]:
        """The window to show for passage `p`, whose first sentence is its key sentence and
        opens on a pronoun ("He readily accepted …"; `_may_move`): the window before, holding
        the sentence before it, which says whom it speaks of; not when that window overlaps a
        passage shown before (`shut`) or would drop a sentence holding a term of the question
        (`asked`). Returns (window, the key sentence's position in it)."""
        windows = self.signals.articles[p.article_id].passages
        earlier = (q for q in windows if q.start < p.start < q.end <= p.end)
        q = max((q for q in earlier if q.id not in shut), key=lambda q: q.end, default=None)
        if q is None or any(asked & self.signals.terms(t) for t in p.sentences[q.end - p.start :]):
            return p, 0
        return q, p.start - q.start

    def refusal(
        self, question: str, ranked: list[Ranked], mode: str = "hybrid", searched: str | None = None
    ) -> tuple[Refusal | None, str]:
        """Why the best of `ranked` does not answer `question`, or (None, "") when it does.
        `searched` is the text that was searched, when it says more than `question` (a
        question referring back to the sentence before it: "… Why was that?")."""
        data = self.data
        return refusal(
            question,
            ranked,
            mode=check_mode(mode),
            min_score=self.min_score,
            names=data.names,
            lexical=data.lexical,
            outlets=self.signals.outlets,
            synonyms=lambda text: self.synonyms.near(text, SAME_MEANING),
            searched=searched,
            writes=data.vocabulary.counts.__contains__,
            described_as=self.signals.described_as,
        )

    def _hit(self, r: Ranked, context: int) -> Hit:
        p = r.passage
        before: tuple[str, ...] = ()
        after: tuple[str, ...] = ()
        if context > 0:
            before, after = surrounding(self.signals.articles[p.article_id], p, context)
        return Hit(
            text=p.text,
            score=round(r.relevance, 4),
            source=self.data.sources[p.article_id],
            passage_id=p.id,
            best_sentence=r.best_sentence,
            subhead=p.subhead,
            context_before=before,
            context_after=after,
            article_id=p.article_id,
        )


# A pronoun standing for one person: "he", "him", "his", "she", "her".
_SINGULAR = re.compile(r"\b(?:he|him|his|she|her)\b", re.IGNORECASE)


def _may_move(p: Passage, at: int) -> bool:
    """Whether key sentence `at` of `p` may be shown in another window (`Retriever._framed`):
    it opens the window on a pronoun for a person."""
    return at == 0 and bool(OPENS_ON_PRONOUN.match(p.sentences[0]))


def _introduced(p: Passage, at: int) -> str:
    """Sentence `at` of `p`, and the one after it when it ends on a colon: what it introduces
    is what it says ("Political analyst Dimash Alzhanov said the panic among authorities
    destroyed all possible reputational risks:" then the quote), as the passage writes them.
    And the one before it when it opens in lower case: the page broke a sentence there ("…
    a woman voting twice after a quick change of clothing," then "or pens given out at
    polling stations …"), and a quote opening on "or pens" reads as a scrap."""
    first, last = at, at
    if p.sentences[at].rstrip().endswith(":") and at + 1 < len(p.sentences):
        last = at + 1
    if at > 0 and p.sentences[at][:1].islower():
        first = at - 1
    if (first, last) == (at, at):
        return p.sentences[at]
    start = p.text.find(p.sentences[first])
    end = p.text.find(p.sentences[last], start + len(p.sentences[first])) if start >= 0 else -1
    return p.text[start : end + len(p.sentences[last])] if end >= 0 else p.sentences[at]


def _unsearched(foreign: bool, small_talk: bool) -> Refusal:
    """Why a question is not searched: in another language, small talk, or empty."""
    if foreign:
        return Refusal.OTHER_LANGUAGE
    return Refusal.SMALL_TALK if small_talk else Refusal.EMPTY_QUESTION
