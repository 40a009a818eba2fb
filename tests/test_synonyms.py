"""Synonyms for BM25: the corpus's words nearest in meaning to a question's words it lacks."""

from __future__ import annotations

import numpy as np

from retrieval.lexical import LexicalIndex, Tokenizer
from retrieval.spelling import Vocabulary
from retrieval.synonyms import Synonyms, corpus_words

TEXTS = [
    "Police beat protesters in Almaty. The protesters were detained.",
    "Voters cast ballots; the turnout was high.",
]


class WordEncoder:
    """Vectors by hand: "hurt" lies near "beat", "ballot" far from everything."""

    AXES = {"beat": 0, "hurt": 0, "detained": 1, "arrested": 1, "turnout": 2, "ballot": 3}
    supports_tokens = False
    dim = 4

    def __init__(self) -> None:
        self.texts: list[str] = []

    def encode(self, texts, batch_size: int = 32) -> np.ndarray:
        self.texts += list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            if text in self.AXES:  # any other word is like nothing
                out[i, self.AXES[text]] = 1.0
        return out


def synonyms(encoder: WordEncoder) -> tuple[Synonyms, list[str]]:
    lexical = LexicalIndex.build(TEXTS, Tokenizer())
    words = corpus_words(Vocabulary.build(TEXTS), lexical)
    return Synonyms(words, encoder.encode(words), encoder, lexical), words


def test_a_synonym_is_a_word_the_corpus_writes_in_lower_case_and_bm25_counts() -> None:
    _, words = synonyms(WordEncoder())
    assert "beat" in words and "turnout" in words
    assert "almaty" not in words  # a name
    assert "the" not in words and "in" not in words  # stop words, too short


def test_a_word_the_corpus_lacks_brings_the_nearest_corpus_words() -> None:
    encoder = WordEncoder()
    near, _ = synonyms(encoder)
    assert near.lacking("Were protesters hurt or arrested by Police?") == ["hurt", "arrested"]
    assert near.near("Were protesters hurt or arrested by police?") == ["beat", "detained"]
    # Words it has, and names it lacks, bring nothing; nor does a word near nothing.
    assert near.near("Were protesters detained in Almaty?") == []
    assert near.near("Who is Kowalczyk?") == []
    assert near.near("what about zebras") == []


def test_a_typed_word_is_embedded_once() -> None:
    encoder = WordEncoder()
    near, words = synonyms(encoder)
    encoder.texts.clear()
    near.near("were protesters hurt")
    near.near("how badly were protesters hurt")
    assert encoder.texts == ["hurt", "badly"]


def test_without_word_vectors_nothing_is_expanded() -> None:
    encoder = WordEncoder()
    lexical = LexicalIndex.build(TEXTS, Tokenizer())
    assert Synonyms([], None, encoder, lexical).near("were people hurt") == []
    assert encoder.texts == []


def test_the_index_keeps_the_corpus_s_words_and_their_vectors(hash_retriever) -> None:
    data = hash_retriever.data
    assert data.synonym_words and data.synonym_vectors is not None
    assert data.synonym_vectors.shape == (len(data.synonym_words), data.ann.dim)
    assert "kumis" in data.synonym_words  # lower case in the articles, and rare


def test_synonyms_move_the_ranking_and_not_the_relevance(hash_retriever) -> None:
    r = hash_retriever
    question = "Who was detained in the capital?"
    vectors, tokens = r.encode_questions([question])
    plain = r.rank(question, vectors[0], tokens=tokens[0])
    expanded = r.rank(question, vectors[0], tokens=tokens[0], expansion=["kumis"])

    def first_kumis(ranked) -> int:
        return next(i for i, s in enumerate(ranked) if "kumis" in s.passage.text.lower())

    assert first_kumis(expanded) < first_kumis(plain)
    assert {s.passage.id: s.relevance for s in plain} == {
        s.passage.id: s.relevance for s in expanded
    }


class AgentEncoder(WordEncoder):
    """Vectors by hand: "reporters" lies near "journalists" and "report" (its own stem);
    "campaigner" only near "campaign"."""

    AXES = {"reporters": 0, "journalists": 0, "report": 0, "campaigner": 1, "campaign": 1}


AGENT_TEXTS = [
    "Journalists were detained; one report said so.",
    "The campaign was quiet.",
    "Observers came.",
]


def test_an_agent_noun_the_corpus_never_writes_brings_the_nearest_agent_nouns() -> None:
    # "reporters" shares its stem with "report", which the corpus writes: BM25 alone would
    # match it to the report, never to the journalists
    lexical = LexicalIndex.build(AGENT_TEXTS, Tokenizer())
    vocabulary = Vocabulary.build(AGENT_TEXTS)
    words = corpus_words(vocabulary, lexical)
    encoder = AgentEncoder()
    near = Synonyms(
        words, encoder.encode(words), encoder, lexical, writes=vocabulary.counts.__contains__
    )
    assert near.lacking("what of reporters") == ["reporters"]
    assert near.near("what of reporters") == ["journalists"]  # not "report"
    # nothing of another stem that is someone: nothing
    assert near.near("what did the campaigner say") == []
    # an agent noun the corpus writes, in either number, is not lacking
    assert near.lacking("what of the observer") == []
    # without knowing what the corpus writes, only the stems count (as before)
    blind = Synonyms(words, encoder.encode(words), encoder, lexical)
    assert blind.lacking("what of reporters") == []
