"""The BM25 tokenizer: what a question and a passage are reduced to before they are compared."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval import lexical as lx
from retrieval.lexical import NameVariants, Tokenizer


@pytest.fixture(scope="module")
def tokenize() -> Tokenizer:
    return Tokenizer(NameVariants([["Tokayev", "Toqaev"], ["Nur-Sultan", "Astana"]]))


def test_question_words_and_stop_words_say_nothing_of_the_subject(tokenize) -> None:
    assert tokenize("Who won the election?") == ["won", "elect"]


def test_contractions_do_not_leave_a_false_word_behind(tokenize) -> None:
    # "won't" is not "won": a question "Who won?" must not match "OSCE won't recognise it".
    assert "won" not in tokenize("The OSCE won't recognise it")
    assert tokenize("didn't go, can't vote, don't know") == ["go", "vote"]
    assert tokenize("they're here, we'll see, I'd say") == ["here", "see", "say"]


def test_a_possessive_keeps_its_name(tokenize) -> None:
    assert tokenize("Toqaev’s win") == tokenize("Tokayev's win") == ["tokayev", "win"]


def test_name_variants_fold_to_one_token(tokenize) -> None:
    assert tokenize("Astana") == tokenize("Nur-Sultan") == tokenize("Nur Sultan") == ["nursultan"]


def test_a_name_of_several_words_is_its_words_too_in_a_passage_not_in_a_question() -> None:
    tokenize = Tokenizer(NameVariants([["Oyan Qazaqstan", "Oyan Kazakhstan"]]))
    passage = lx.LexicalIndex.build(
        ["Oyan Qazaqstan appeared on June 5.", "Oyan, Kazakh! was a poem.", "Nothing here."],
        tokenize,
    )
    # Named in part, the movement is found where it is named whole; named whole, only there.
    assert passage.scores("the Oyan movement")[0] > 0
    assert tokenize.document("Oyan Qazaqstan") == ["oyanqazaqstan", "oyan", "qazaqstan"]
    assert tokenize("Oyan Kazakhstan") == ["oyanqazaqstan"]
    whole = passage.scores("Oyan Kazakhstan")
    assert whole[0] > 0 and whole[1] == 0


def test_a_date_is_also_one_token_either_way_round(tokenize) -> None:
    assert tokenize("on June 9")[-1] == tokenize("9 June")[-1] == "june9"


def test_a_name_spelt_as_the_texts_never_do_is_respelt_as_they_most_often_do() -> None:
    variants = NameVariants(
        [["Tokayev", "Toqaev", "Tokaev"], ["Almaty", "Alma-Ata"], ["Nur-Sultan", "Astana"]]
    )
    texts = ["Toqaev won in Almaty.", "Toqaev spoke.", "Tokayev was sworn in."]
    written = variants.written(texts)
    # Spellings the texts use are kept; a name they never write has nothing to respell into.
    assert written == {"tokaev": "Toqaev", "alma ata": "Almaty"}
    assert (
        variants.respell("Did Tokaev win in Alma Ata or Astana? Tokayev?", written)
        == "Did Toqaev win in Almaty or Astana? Tokayev?"
    )
    # A word of the language typed in lower case is that word, not a spelling of a name.
    town = NameVariants([["Uralsk", "Oral"]])
    in_town = town.written(["Protests in Uralsk."])
    assert town.respell("Protests in Oral", in_town, {"oral"}) == "Protests in Uralsk"
    assert town.respell("an oral promise", in_town, {"oral"}) == "an oral promise"


def test_a_name_the_texts_write_rarely_is_respelt_as_they_mostly_do() -> None:
    # "Astana" once, as Nur-Sultan's former name, against Nur-Sultan six times: a question
    # about Astana reads as about the city the texts call Nur-Sultan. A spelling written often
    # enough beside the commonest stays (Tokayev, one to Toqaev's two).
    variants = NameVariants([["Tokayev", "Toqaev"], ["Nur-Sultan", "Astana"]])
    texts = [
        "Nur-Sultan (formerly Astana) and Nur-Sultan again.",
        "Protests in Nur-Sultan. Nur-Sultan saw arrests; so did Nur-Sultan, in Nur-Sultan.",
        "Toqaev won. Toqaev spoke. Tokayev was sworn in.",
    ]
    written = variants.written(texts)
    assert written == {"astana": "Nur-Sultan"}
    assert variants.respell("Arrests in Astana?", written) == "Arrests in Nur-Sultan?"


def test_a_name_s_family_is_the_terms_one_the_start_of_the_other() -> None:
    from retrieval.answer_types import own_words
    from retrieval.lexical import LexicalIndex

    texts = [
        "Kazakhstan held an election.",
        "Kazakhstan's opposition protested.",
        "Police in Kazakhstan detained Kazakhstanis.",
        "Kazakh police detained activists of Oyan Qazaqstan.",
        "Russian observers came; Russia watched.",
    ]
    lexical = LexicalIndex.build(texts, Tokenizer())
    assert lexical.kin(frozenset({"kazakh"})) == {"kazakh", "kazakhstan", "kazakhstani"}
    assert lexical.kin(frozenset({"russian"})) == {"russian", "russia"}
    assert lexical.kin(frozenset({"polic"})) == {"polic"}  # under five letters shared: alone
    # "Kazakh" is in one passage of five, but it is the people of the corpus's subject.
    assert lexical.containing(frozenset({"kazakh"})).mean() < 0.5
    assert own_words(frozenset({"kazakh"}), lexical) == frozenset()  # the subject
    assert own_words(frozenset({"russian"}), lexical) == {"russian"}
    # A name of several words is the subject only when each of them is of the family; its
    # other words are what is asked of passages ("Central Election Commission" is asked as
    # "central", "commission": most passages say "election").
    assert own_words(frozenset({"kazakh", "oyan"}), lexical) == {"oyan"}
    assert own_words(frozenset({"kazakhstan", "polic"}), lexical) == {"polic"}


_WORDS = ["vote", "votes", "election", "protest", "police", "detained", "Almaty", "Toqaev", "June"]


@given(
    texts=st.lists(st.lists(st.sampled_from(_WORDS), max_size=12), min_size=1, max_size=8),
    query=st.lists(st.sampled_from(_WORDS + ["absent", "mars"]), max_size=6),
)
@settings(max_examples=60, deadline=None)
def test_a_small_corpus_s_dense_bm25_table_scores_exactly_as_bm25s(texts, query) -> None:
    # Its scores are its terms' rows added up in turn: bm25s's own float32 sums, bit for bit,
    # a term asked twice counted twice, a question of unknown terms all zeros.
    index = lx.LexicalIndex.build([" ".join(t) for t in texts], Tokenizer())
    assert index._table is not None
    question = " ".join(query)
    terms = [t for t in index.tokenizer(question) if t in index.doc_freq]
    expected = (
        np.asarray(index._bm25.get_scores(terms), dtype=np.float32)
        if terms
        else np.zeros(index.n_docs, dtype=np.float32)
    )
    got = index.scores(question)
    assert got.dtype == np.float32 and np.array_equal(got, expected)
    for term in terms:  # which passages hold a term: its row's non-zero scores
        held = np.asarray(index._bm25.get_scores([term])) > 0
        assert np.array_equal(index.containing(frozenset({term})), held)


def test_a_corpus_too_large_for_the_dense_table_is_scored_by_bm25s(monkeypatch) -> None:
    texts = ["vote election police", "protest police", "Almaty vote"]
    small = lx.LexicalIndex.build(texts, Tokenizer())
    monkeypatch.setattr(lx, "DENSE_CELLS_MAX", 2)
    large = lx.LexicalIndex.build(texts, Tokenizer())
    assert small._table is not None and large._table is None
    for question in ("vote police", "almaty almaty protest", "nothing here"):
        assert (small.scores(question) == large.scores(question)).all()


def test_a_letter_matching_only_when_case_is_ignored_leaves_the_spelling_as_typed() -> None:
    # Matched ignoring case, the dotless ı is an i; lower-cased it stays ı, a key the
    # spellings lack: the word is left as typed, where it raised KeyError.
    variants = NameVariants([["Sadybek", "Sadibek"]])
    assert variants.normalize("Sadibek and Sadıbek") == "sadybek and Sadıbek"
    assert [token for _, _, token in variants.find("Sadıbek, Sadibek")] == ["sadybek"]


def test_a_name_of_a_place_is_also_known_without_the_place() -> None:
    # "Democratic Choice of Kazakhstan" is "Democratic Choice" too; "Bank of Astana" is not
    # "Bank" (a name of one word is a common word); another name's spelling stays its own.
    variants = NameVariants(
        [
            ["DVK", "Democratic Choice of Kazakhstan"],
            ["Bank of Astana"],
            ["Central Bank", "National Bank"],
            ["National Bank of Kazakhstan"],
        ]
    )
    assert variants.normalize("He founded the Democratic Choice movement") == (
        "He founded the dvk movement"
    )
    assert variants.normalize("the Democratic Choice of Kazakhstan (DVK)") == "the dvk (dvk)"
    assert variants.normalize("a Bank of Astana branch, a bank") == "a bankofastana branch, a bank"
    assert variants.normalize("the National Bank") == "the centralbank"
    assert variants.normalize("the National Bank of Kazakhstan") == ("the nationalbankofkazakhstan")
