"""Cyrillic names in English questions, in the Latin spellings the index knows."""

from __future__ import annotations

import pytest

from retrieval.corpus import load_name_variants
from retrieval.lexical import NameVariants
from retrieval.transliteration import latinize
from tests.conftest import CORPUS


def test_latin_text_is_untouched() -> None:
    text = "What did Tokayev promise?\n  Nur-Sultan, 9 June — “quotes” & émigrés"
    assert latinize(text) is text


def test_cyrillic_words_become_latin_and_the_rest_stays() -> None:
    assert latinize("What did Токаев promise?") == "What did Tokayev promise?"
    assert latinize("Тоқаев, Қазақстан, Әміржан") == "Toqayev, Qazaqstan, Amirzhan"


# Names as a Russian or Kazakh speaker types them, and a spelling the articles use.
NAMES = [
    ("Токаев", "Tokayev"),
    ("Тоқаев", "Tokayev"),
    ("Касым-Жомарт", "Kassym-Jomart"),
    ("Қасым-Жомарт", "Kassym-Jomart"),
    ("Назарбаев", "Nazarbayev"),
    ("Аблязов", "Ablyazov"),
    ("Косанов", "Kossanov"),
    ("Әміржан", "Amirzhan"),
    ("Жовтис", "Zhovtis"),
    ("Евгений", "Yevgeny"),
    ("Кожаев", "Kozhayev"),
    ("Нурбаев", "Nurbayev"),
    ("Алжанов", "Alzhanov"),
    ("Тулесова", "Tulesova"),
    ("Садыбек", "Sadybek"),
    ("Түгел", "Tugel"),
    ("Алматы", "Almaty"),
    ("Нур-Султан", "Nur-Sultan"),
    ("Шымкент", "Shymkent"),
    ("Актобе", "Aktobe"),
    ("Акорда", "Ak-Orda"),
    ("Оян Казахстан", "Oyan Qazaqstan"),
    ("Қазақстан", "Kazakhstan"),
]


@pytest.mark.parametrize(("cyrillic", "latin"), NAMES)
def test_names_typed_in_cyrillic_fold_to_the_corpus_spelling(cyrillic: str, latin: str) -> None:
    variants = NameVariants(load_name_variants(CORPUS))
    assert variants.normalize(latinize(cyrillic)) == variants.normalize(latin)


def test_a_question_with_a_cyrillic_name_finds_what_the_latin_one_does(hash_retriever) -> None:
    latin = hash_retriever.search("What did Tokayev promise?", 3)
    cyrillic = hash_retriever.search("What did Токаев promise?", 3)
    assert latin and [h.passage_id for h in cyrillic] == [h.passage_id for h in latin]
    followup = hash_retriever.followup("Кто такой Аблязов?", "Where does he live?")
    assert followup.query == "Where does Ablyazov live?"
