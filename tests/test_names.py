"""Abstaining on names the articles never use, and tolerating misspelt ones."""

from __future__ import annotations

import pytest

from retrieval.lexical import NameVariants, Tokenizer
from retrieval.names import NameCheck, names_in

CORPUS_TEXTS = [
    "Qasym-Zhomart Toqaev won the election. Nursultan Nazarbaev resigned on March 20.",
    "Police detained protesters in Almaty and Nur-Sultan in March 2018.",
    "The OSCE/ODIHR mission criticised the vote.",
]
VARIANTS = NameVariants([["Tokayev", "Toqaev", "Tokaev"], ["Nur-Sultan", "Astana"]])


@pytest.fixture
def check() -> NameCheck:
    return NameCheck.build(CORPUS_TEXTS, Tokenizer(VARIANTS))


def test_names_are_capitalised_words_inside_a_sentence_acronyms_and_years() -> None:
    assert names_in("Who won the 2020 US election? What did Putin say.") == ["2020", "US", "Putin"]
    assert names_in("Who is Nazarbayev?") == ["Nazarbayev"]
    assert names_in("how many people were detained?") == []


@pytest.mark.parametrize(
    "question",
    [
        "What did Putin say about the election?",
        "Who won the 2020 presidential election?",
        "Who is the president of Kyrgyzstan?",
    ],
)
def test_a_name_the_articles_never_use_is_unknown(check: NameCheck, question: str) -> None:
    assert check.unknown(question)


@pytest.mark.parametrize(
    "question",
    [
        "What did Tokayev say?",  # a listed variant of Toqaev
        "What happened in Astana?",  # a former name, listed
        "Did Nazarbaiev resign?",  # not listed, but one letter from Nazarbaev
        "What did the OSCE say in 2018?",
        "who won the election?",  # no names at all
    ],
)
def test_names_the_articles_use_in_any_spelling_are_known(check: NameCheck, question: str) -> None:
    assert check.unknown(question) == []


def test_save_and_load_keep_the_same_answers(check: NameCheck, tmp_path) -> None:
    check.save(tmp_path / "names.json")
    loaded = NameCheck.load(tmp_path / "names.json", Tokenizer(VARIANTS))
    for q in ["What did Putin say?", "Did Nazarbaiev resign?", "What about Astana?"]:
        assert loaded.unknown(q) == check.unknown(q)


def test_variants_match_with_a_space_or_a_hyphen_between_parts() -> None:
    text = "Nur Sultan, nur-sultan, NUR - SULTAN and Astana"
    assert VARIANTS.normalize(text) == "nursultan, nursultan, nursultan and nursultan"


def test_the_retriever_abstains_on_an_unknown_name(hash_retriever) -> None:
    assert hash_retriever.search("What did Putin say about the election protests?") == []
    assert hash_retriever.search("What did Tokayev say about the election protests?")
