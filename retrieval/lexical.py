"""Lexical retrieval: BM25 (bm25s) over passages, with name variants folded to one spelling."""

from __future__ import annotations

import bisect
import functools
import json
import math
import re
from collections import Counter
from collections.abc import Container, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

# Words of two or more characters, and numbers of any length ("June 6", "9 June").
_TOKEN = re.compile(r"(?u)\b(?:\d+|\w\w+)\b")
# The months' names, in lower case: one list for the tokenizer, the name rules and the kinds of
# answer (a date's terms, "june9").
# (Written out: calendar.month_name follows the process's locale.)
MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_MONTHS = "|".join(MONTHS)
# The numbers from one to ninety said in words, as their parts: one list for the figures a
# count is answered by (answer_types) and the years and days said in words (query).
UNITS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
TEENS = (
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen",
)  # fmt: skip
TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
# "May 9" and "9 May" also become one token "may9": a date is far more specific than its
# month and its day apart, and "may" alone is mostly the verb.
DATE = re.compile(rf"(?i)\b(?:({_MONTHS})\s+(\d{{1,2}})|(\d{{1,2}})\s+({_MONTHS}))\b")
_QUESTION_WORDS_FILE = Path(__file__).parent / "data" / "question_words.txt"
# Contractions: "won't" must not match "won", nor "can't" leave "can" and "don't" leave "don".
# The negation goes (stop words drop "not" anyway) and so do "'s", "'re", "'ve", "'ll", "'d", "'m".
_CONTRACTION = re.compile(r"(?i)(?:\b(?:won|can|shan)|n)['’]t\b|['’](?:s|re|ve|ll|d|m)\b")
# Texts whose terms a Tokenizer keeps, and terms whose passages a LexicalIndex keeps (a mask
# of every passage each: fewer of them).
_SEEN_MAX = 4096
_HELD_MAX = 256
# The fewest letters two terms share for one to be of the other's family (`LexicalIndex.kin`).
KIN_LETTERS = 5
_CONTRACTED = {"won": " will", "can": " can", "shan": " shall"}


def _expand(match: re.Match[str]) -> str:
    word = match.group(0)[:-2].lower()
    return _CONTRACTED.get(word, "") + " not" if match.group(0)[-1] in "tT" else ""


def _question_words() -> frozenset[str]:
    lines = _QUESTION_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w for line in lines if not line.startswith("#") for w in line.split())


@functools.cache
def stop_words() -> frozenset[str]:
    """The words the tokenizer drops: English stop words and the words that shape a question."""
    import bm25s.stopwords

    return frozenset(bm25s.stopwords.STOPWORDS_EN) | _question_words()


# A spelling the passages write less than this share of their commonest of the same name is
# read as that one on the dense side ("Astana": "Were there many arrests in Astana?" asks of
# the city the articles call Nur-Sultan). Over sets 0–48, against never-written spellings
# only: hit@1 0.864 → 0.866 (6 questions up to first, "wasnt nur sultan called astana b4"
# down to second). Both outlets' spellings of Tokayev (Toqaev, Tokayev) stay.
WRITTEN_RARELY = 0.2


class NameVariants:
    """Spellings of one name folded to one token, in passages and queries alike.

    Built from `corpus/name_variants.yaml`: lists of spellings, the first the canonical one.
    """

    def __init__(self, groups: Sequence[Sequence[str]]) -> None:
        self.groups = [list(g) for g in groups if g]
        mapping: dict[str, str] = {}
        # a canonical name of several words ("Oyan Qazaqstan"): its token -> those words
        self._words: dict[str, tuple[str, ...]] = {}
        for group in self.groups:
            canonical = _fold(group[0])
            for spelling in group:
                mapping[_joined(spelling)] = canonical
        for group in self.groups:
            # a name of several words "of" a place is also written without it: "Democratic
            # Choice" for "Democratic Choice of Kazakhstan" (unless that is another name)
            canonical = _fold(group[0])
            for spelling in group:
                head = spelling.split(" of ", 1)[0]
                if head != spelling and len(head.split()) > 1:
                    mapping.setdefault(_joined(head), canonical)
            if len(words := group[0].split()) > 1:
                self._words[canonical] = tuple(words)
        self._mapping = mapping
        if mapping:
            # Longest first, so "Kassym-Jomart Tokayev" wins over "Tokayev" alone. A hyphen or
            # a space between parts matches either: people type "Nur Sultan" for "Nur-Sultan".
            alternatives = sorted(mapping, key=len, reverse=True)
            body = "|".join(re.escape(a).replace(r"\ ", r"[-\s]+") for a in alternatives)
            self._pattern: re.Pattern[str] | None = re.compile(
                rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE
            )
        else:
            self._pattern = None

    def normalize(self, text: str) -> str:
        """Replace every known spelling by its canonical token."""
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self._mapping.get(_joined(m.group(0)), m.group(0)), text)

    def words_of(self, token: str) -> tuple[str, ...]:
        """The words of the canonical name `token` folds, when it has several ("oyanqazaqstan"
        -> "Oyan", "Qazaqstan"); none for a name of one word ("dvk", "nursultan")."""
        return self._words.get(token, ())

    def written(self, texts: Iterable[str], rarely: float = WRITTEN_RARELY) -> dict[str, str]:
        """For each spelling `texts` never write, or write under `rarely` times as often as
        their commonest of its name ("Astana", once, in "Nur-Sultan (formerly Astana)"),
        that commonest spelling, as they write it (keys as `_joined`): what a reader of
        `texts` knows the name by. `rarely=math.inf`: every spelling of a name they write."""
        if self._pattern is None:
            return {}
        seen: Counter[str] = Counter()
        as_written: dict[str, str] = {}
        for text in texts:
            for m in self._pattern.finditer(text):
                key = _joined(m.group(0))
                seen[key] += 1
                as_written.setdefault(key, m.group(0))
        out: dict[str, str] = {}
        for group in self.groups:
            keys = [_joined(spelling) for spelling in group]
            most = max(keys, key=lambda k: seen[k])  # the first, of equals
            if seen[most]:
                rare = rarely * seen[most]
                out.update({k: as_written[most] for k in keys if seen[k] < rare})
        return out

    def respell(
        self, text: str, written: Mapping[str, str], words: Container[str] = frozenset()
    ) -> str:
        """`text` with each spelling that `written` maps (see `written`) replaced; one typed
        in lower case that is one of `words` is left as typed ("oral" is not the town Oral)."""
        if self._pattern is None or not written:
            return text

        def spelt(m: re.Match[str]) -> str:
            typed = m.group(0)
            if typed.islower() and typed in words:
                return typed
            return written.get(_joined(typed), typed)

        return self._pattern.sub(spelt, text)

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Where `text` holds a known spelling: (start, end, canonical token) for each."""
        if self._pattern is None:
            return []
        found = ((m, self._mapping.get(_joined(m.group(0)))) for m in self._pattern.finditer(text))
        return [(m.start(), m.end(), token) for m, token in found if token is not None]


def _joined(spelling: str) -> str:
    """A spelling with its parts joined by single spaces, lower-cased: the mapping's key. (A
    letter that matches another only ignoring case, as the dotless ı does i, gives a key the
    mapping lacks: that spelling is left as typed.)"""
    return re.sub(r"[-\s]+", " ", spelling.lower()).strip()


def _fold(name: str) -> str:
    # One token per name: "Nur-Sultan" -> "nursultan", so hyphens and spaces can't split it.
    return re.sub(r"\W+", "", name.lower())


def word_family(word: str, ordered: Sequence[str], letters: int) -> list[str]:
    """The words of `ordered` (sorted) of `word`'s family: one the start of the other, the
    two sharing their first `letters` letters ("kazakh": "kazakhstan"; "europe": "european").
    A word shorter than that has none ("eu" is not of "europe"'s family)."""
    if len(word) < letters:
        return []
    start = word[:letters]
    found = []
    for other in ordered[bisect.bisect_left(ordered, start) :]:
        if not other.startswith(start):
            break
        if word.startswith(other) or other.startswith(word):
            found.append(other)
    return found


class Tokenizer:
    """Lower-case word tokens, English stop words removed, Snowball-stemmed, variants folded."""

    def __init__(self, variants: NameVariants | None = None) -> None:
        import Stemmer

        self.variants = variants or NameVariants([])
        self._stem = Stemmer.Stemmer("english").stemWords
        self.stop_words = stop_words()
        self._seen: dict[str, tuple[str, ...]] = {}

    def __call__(self, text: str) -> list[str]:
        # A search tokenizes its question several times (BM25, its ceiling, the names, the
        # answer's kind) and the same sentences recur: each text is worked out once.
        terms = self._seen.get(text)
        if terms is None:
            terms = self._terms(text)
            if len(self._seen) >= _SEEN_MAX:
                self._seen.clear()
            self._seen[text] = terms
        return list(terms)

    def document(self, text: str) -> list[str]:
        """A passage's terms (and a name's, for the name checks): a name of several words
        folded to one token is also its words there, so a question naming it in part ("the
        Oyan movement") finds "Oyan Qazaqstan (Wake Up, Kazakhstan) appeared on June 5". A
        question naming it whole asks for it whole: its own terms are `__call__`'s."""
        terms = self(text)
        return terms + [t for w in terms for part in self.variants.words_of(w) for t in self(part)]

    def _terms(self, text: str) -> tuple[str, ...]:
        text = _CONTRACTION.sub(_expand, self.variants.normalize(text)).lower()
        words = self._stem([w for w in _TOKEN.findall(text) if w not in self.stop_words])
        dates = [f"{m or m2}{d or d2}" for m, d, d2, m2 in DATE.findall(text)]
        return tuple(words + dates)


# A corpus whose BM25 scores fit in this many cells (terms x passages, float32: 16 MB) keeps
# them as one dense table, a row a term: a question's scores are its terms' rows added up,
# without bm25s's work per term on its sparse matrix (a tokenized question's scores 51 ->
# 25 µs cold here, 1,039 terms x 124 passages: 0.5 MB). Larger, bm25s scores it.
DENSE_CELLS_MAX = 4_000_000


def _dense_scores(bm25: Any, n_docs: int) -> tuple[dict[str, int], np.ndarray | None]:
    """Each term's row and the dense table of every term's BM25 score in every passage, or
    ({}, None) for a corpus too large (or a BM25 variant scoring absent terms too)."""
    scores = getattr(bm25, "scores", None)
    vocab = getattr(bm25, "vocab_dict", None)
    if (
        not isinstance(scores, dict)
        or not vocab
        or getattr(bm25, "nonoccurrence_array", None) is not None
    ):
        return {}, None
    indptr = np.asarray(scores["indptr"])
    terms = len(indptr) - 1
    if terms * n_docs > DENSE_CELLS_MAX or int(scores["num_docs"]) != n_docs:
        return {}, None
    table = np.zeros((terms, n_docs), dtype=np.float32)
    rows = np.repeat(np.arange(terms), np.diff(indptr))
    np.add.at(
        table, (rows, np.asarray(scores["indices"])), np.asarray(scores["data"], dtype=np.float32)
    )
    table.flags.writeable = False
    return {str(t): int(i) for t, i in vocab.items()}, table


class LexicalIndex:
    """BM25 scores of every passage for a query, plus document frequencies of terms."""

    def __init__(self, tokenizer: Tokenizer, bm25, doc_freq: dict[str, int], n_docs: int) -> None:
        self.tokenizer = tokenizer
        self._bm25 = bm25
        self.doc_freq = doc_freq
        self.n_docs = n_docs
        self._rows, self._table = _dense_scores(bm25, n_docs)
        self._k1_plus_1 = float(getattr(bm25, "k1", 1.5)) + 1
        # Every term's idf, worked out once (a search weighs its question's terms twice).
        self._idf = {t: self._smoothed_idf(df) for t, df in doc_freq.items()}
        self._idf_unknown = self._smoothed_idf(0)
        self._held: dict[str, np.ndarray] = {}
        self._sorted: list[str] | None = None  # the corpus's terms in order (`kin`)
        self._kin: dict[str, frozenset[str]] = {}

    @classmethod
    def build(cls, texts: Sequence[str], tokenizer: Tokenizer) -> LexicalIndex:
        import bm25s

        tokens = [tokenizer.document(t) or ["<empty>"] for t in texts]
        bm25 = bm25s.BM25()
        bm25.index(tokens, show_progress=False)
        doc_freq = Counter(term for doc in tokens for term in set(doc))
        return cls(tokenizer, bm25, dict(doc_freq), len(texts))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage (zeros when no query term is known)."""
        terms = [t for t in self.tokenizer(query) if t in self.doc_freq]
        if not terms:
            return np.zeros(self.n_docs, dtype=np.float32)
        if self._table is not None:
            # Each term's row added in turn, as bm25s adds them: the same float32 sums.
            rows = [self._rows[t] for t in terms if t in self._rows]
            return (
                np.add.reduce(self._table[rows], axis=0)
                if rows
                else np.zeros(self.n_docs, dtype=np.float32)
            )
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)

    def scores_of_term(self, term: str) -> np.ndarray:
        """BM25 score of every passage for one known term."""
        if self._table is not None and term in self._rows:
            return self._table[self._rows[term]]
        return np.asarray(self._bm25.get_scores([term]), dtype=np.float32)

    def containing(self, terms: frozenset[str]) -> np.ndarray:
        """Which passages hold at least one of `terms` (a boolean mask)."""
        mask = np.zeros(self.n_docs, dtype=bool)
        for term in terms:
            if term in self.doc_freq:
                mask |= self._holding(term)
        return mask

    def kin(self, terms: frozenset[str]) -> frozenset[str]:
        """`terms` and the corpus's terms of their family: one the start of the other, of
        KIN_LETTERS letters at least. A people and its country ("kazakh": "kazakhstan",
        "kazakhstani"), a country and its adjective ("russia": "russian"): what passages say
        of a place, they say with either."""
        out = set(terms)
        for term in terms:
            found = self._kin.get(term)
            if found is None:
                found = frozenset(self._kin_of(term))
                if len(self._kin) >= _HELD_MAX:
                    self._kin.clear()
                self._kin[term] = found
            out |= found
        return frozenset(out)

    def _kin_of(self, term: str) -> list[str]:
        if len(term) < KIN_LETTERS:
            return []
        if self._sorted is None:
            self._sorted = sorted(self.doc_freq)
        return word_family(term, self._sorted, KIN_LETTERS)

    def _holding(self, term: str) -> np.ndarray:
        """Which passages hold `term`, a known term (cached: names recur in questions)."""
        held = self._held.get(term)
        if held is None:
            held = self.scores_of_term(term) > 0
            held.flags.writeable = False
            if len(self._held) >= _HELD_MAX:
                self._held.clear()
            self._held[term] = held
        return held

    def ceiling(self, query: str) -> float:
        """An upper bound of a passage's BM25 score for `query`, so scores compare across queries.

        Each term adds at most idf * (k1 + 1); terms the corpus lacks count at the highest idf,
        so a question about things the articles never mention cannot score near 1.
        """
        terms = self.tokenizer(query)
        if not terms:
            return 1.0
        return sum(map(self.idf, terms)) * self._k1_plus_1

    def known_share(self, query: str) -> float:
        """The share of the query's terms that some passage holds (1.0 for no terms)."""
        terms = self.tokenizer(query)
        return sum(t in self.doc_freq for t in terms) / len(terms) if terms else 1.0

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency; unknown terms get the highest."""
        known = self._idf.get(term)
        return self._idf_unknown if known is None else known

    def _smoothed_idf(self, df: int) -> float:
        return math.log(1 + (self.n_docs - df + 0.5) / (df + 0.5))

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self._bm25.save(str(path / "bm25"), show_progress=False)
        (path / "doc_freq.json").write_text(
            json.dumps({"n_docs": self.n_docs, "doc_freq": self.doc_freq}), encoding="utf-8"
        )

    @classmethod
    def load(cls, path: Path, tokenizer: Tokenizer) -> LexicalIndex:
        import bm25s

        bm25 = bm25s.BM25.load(str(path / "bm25"), show_progress=False, verbosity=0)
        meta = json.loads((path / "doc_freq.json").read_text(encoding="utf-8"))
        return cls(tokenizer, bm25, meta["doc_freq"], int(meta["n_docs"]))
