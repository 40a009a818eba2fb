"""Abstaining on names the articles never use, and tolerating misspelt ones."""

from __future__ import annotations

import json

import pytest

from retrieval.lexical import NameVariants, Tokenizer
from retrieval.names import NameCheck, Surnames, names_in
from retrieval.records import Refusal

CORPUS_TEXTS = [
    "Qasym-Zhomart Toqaev won the election. Nursultan Nazarbaev resigned on March 20.",
    "Police detained protesters in Almaty and Nur-Sultan in March 2018.",
    "The OSCE/ODIHR mission criticised the vote.",
    "Mukhtar Ablyazov founded the DVK in 2001; Ablyazov lives in France.",
]
VARIANTS = NameVariants(
    [
        ["Tokayev", "Toqaev", "Tokaev"],
        ["Nur-Sultan", "Astana"],
        ["DVK", "Democratic Choice of Kazakhstan"],
    ]
)


@pytest.fixture
def check() -> NameCheck:
    return NameCheck.build(CORPUS_TEXTS, Tokenizer(VARIANTS))


def test_names_are_capitalised_words_inside_a_sentence_acronyms_and_years() -> None:
    assert names_in("Who won the 2020 US election? What did Putin say.") == ["2020", "US", "Putin"]
    assert names_in("Who is Nazarbayev?") == ["Nazarbayev"]
    assert names_in("how many people were detained?") == []
    assert names_in("Did a Kremlin-backed party win in Moscow?") == ["Moscow"]


@pytest.mark.parametrize(
    "question",
    [
        "What did Putin say about the election?",
        "Who won the 2020 presidential election?",
        "Who is the president of Kyrgyzstan?",
        "What did Policeman Berlin say?",  # "Berlin" splits into no two corpus words
        "What is Kazakhstan's GDP per capita?",  # an acronym of what the articles don't cover
        "Did Beijing congratulate him?",  # the capital of a country the articles never name
        "Is there a Kazakh restaurant in Paris?",  # a capital as a place: the city
        # a place of several words is one name, though the articles write one of its words
        # ("United Nations") and the English word list knows the other
        "What did the United States say about the vote?",
        "Did South Korea send observers?",
        "What did Ivan Petrovich say?",  # a father's name after a first name they lack
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
        "What did Mukhtarablyazov found?",  # two of the corpus's words typed as one
        "Why did Nursultannazarbaev resign?",
        "Did Mukh Ablyazov found the DVK?",  # a short form of the articles' Mukhtar
        "What is the party called in English?",  # a language, no one named
        "Did Chinese observers come?",
        # a name joined to a participle describes something by whom it is of; no one named
        "Which American-financed broadcaster interviewed him?",
        "Which Washington-backed outlet reported it?",
        "What did state TV avoid showing?",  # an acronym that is a common noun
        # a capital stands for its country, which the articles name: "handed over to Paris"
        "Was he ever handed over to Paris?",
        # a father's name after a first name the articles write, as Russian and Kazakh
        # speakers name someone formally
        "When did Nursultan Abishevich resign?",
        "when did nursultan abishuly resign",
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


def test_named_terms_are_the_names_the_corpus_uses_one_set_a_name(check: NameCheck) -> None:
    question = "Did Toqaev meet the ODIHR mission in Astana or Putin in Nazarbaiev's town?"
    # Putin: unknown; Nazarbaiev: a misspelling, which can't be looked up as written.
    assert check.named_terms(question) == [
        frozenset({"tokayev"}),
        frozenset({"odihr"}),
        frozenset({"nursultan"}),
    ]
    assert check.named_terms("Did Tokayev or Toqaev win?") == [frozenset({"tokayev"})]


def test_a_name_of_several_words_is_one_name(check: NameCheck) -> None:
    question = "Did Mukhtar Ablyazov meet Qasym-Zhomart Toqaev in Nur Sultan in May 2019?"
    assert check.name_phrases(question) == [
        "Mukhtar Ablyazov",
        "Qasym-Zhomart Toqaev",
        "Nur Sultan",
        "May",
        "2019",
    ]
    # A known spelling of many words is one name, lower-case words and all; one that opens
    # the question is a name too.
    assert check.name_phrases("Toqaev and the Democratic Choice of Kazakhstan (DVK)?") == [
        "Toqaev",
        "Democratic Choice of Kazakhstan",
        "DVK",
    ]
    # A possessive or a year ends a name: "Uzbekistan's 2016 election" names two things.
    assert check.name_phrases("Who won Uzbekistan's 2016 election?") == ["Uzbekistan's", "2016"]


def test_a_month_and_its_day_are_one_name_held_by_the_month_or_the_day(check: NameCheck) -> None:
    question = "What did Toqaev say on March 20, 2018 and on 20 March?"
    assert check.name_phrases(question) == ["Toqaev", "March 20", "2018", "20 March"]
    # Not the bare number: a passage holding "20" somewhere does not name the day.
    assert check.named_terms(question) == [
        frozenset({"tokayev"}),
        frozenset({"march", "march20"}),
        frozenset({"2018"}),
    ]
    # "Almaty March 20" is two names; a month alone is the month.
    phrases = check.name_phrases("Was it Almaty March 20 or in March?")
    assert phrases == ["Almaty", "March 20", "March"]


def test_a_passage_holds_a_name_of_several_words_when_it_holds_any_of_them(
    check: NameCheck,
) -> None:
    # "Ablyazov" alone names Mukhtar Ablyazov; the DVK's long name folds to its short one.
    assert check.named_terms(
        "When did Mukhtar Ablyazov found the Democratic Choice of Kazakhstan (DVK)?"
    ) == [
        frozenset({"mukhtar", "ablyazov"}),
        frozenset({"dvk"}),
    ]


def test_a_name_the_variants_fold_to_one_token_is_held_by_its_words_alone() -> None:
    # "Oyan Qazaqstan" folds to one token; a passage saying "Oyan" alone names it too. A
    # long name folded to a short one (the DVK) is not held by its long name's words.
    variants = NameVariants([["Oyan Qazaqstan", "Oyan Kazakhstan"], *VARIANTS.groups])
    texts = [
        *CORPUS_TEXTS,
        "Oyan Qazaqstan appeared on June 5.",
        "Oyan, a new civic movement, rejected any ties with Ablyazov.",
    ]
    names = NameCheck.build(texts, Tokenizer(variants))
    assert names.named_terms("What does Oyan Kazakhstan think of Ablyazov?") == [
        frozenset({"oyanqazaqstan", "oyan"}),
        frozenset({"ablyazov"}),
    ]
    assert names.named_terms("Who leads the Democratic Choice of Kazakhstan?") == [
        frozenset({"dvk"})
    ]


def names_apart(retriever, question: str) -> bool:
    """Whether no passage holds `question`'s names together (`abstention.named_together`)."""
    from retrieval.abstention import named_together

    data = retriever.data
    return not named_together(question, data.names, data.lexical, {})


def test_the_retriever_abstains_when_no_passage_names_the_question_s_names_together(
    hash_retriever,
) -> None:
    # The articles mention Uzbekistan (its elections) and 2016 (land protests), never together.
    # (Not "Who won …?": that asks for a person, whom the articles never name for Uzbekistan.)
    assert hash_retriever.search("Did Uzbekistan hold presidential elections?")
    assert hash_retriever.search("What happened in 2016 in the presidential election?")
    apart = hash_retriever.search_with_reason("Did Uzbekistan hold presidential elections in 2016?")
    assert apart.hits == [] and apart.refusal is Refusal.NAMES_APART
    # Names offered as alternatives need one of them beside the others, not all: no passage
    # names 2016 and 2018 together, one the DVK and 2018 (banned in March 2018)
    assert not names_apart(hash_retriever, "Was the DVK banned by a Kazakh court in 2016 or 2018?")
    assert names_apart(hash_retriever, "Was the DVK banned by a Kazakh court in 2016 and 2018?")
    assert names_apart(hash_retriever, "Did Uzbekistan or Tajikistan hold elections in 2016?")
    # Several names, each the corpus's, all in one passage: "May Day" is one name, not "May"
    # and a "Day" the passage need not hold.
    assert hash_retriever.search(
        "Did officials in Aqtobe and Oral handle the May Day protests better than in Alma-Ata?"
    )


def test_names_a_question_sets_aside_need_not_stand_together(
    check: NameCheck, hash_retriever
) -> None:
    # "Apart from A, B and C, who …?" asks for someone else: A, B and C are not its subject.
    question = "Apart from Tokayev, Kosanov and Uzbekistan, which parties ran in 2016?"
    assert check.asked_names(question) == ["2016"]
    assert check.asked_names("Besides Putin & Toqaev or Kosanov, did Ablyazov run?") == ["Ablyazov"]
    # "… too, or just A and B?" asks whether there was anyone besides them.
    assert check.asked_names("were there Akzhol candidates too or jus Tokayev n Kosanov") == [
        "Akzhol"
    ]
    # Where the asker saw it is not asked about either.
    assert check.asked_names(
        "I saw on Twitter that Kosanov lost. Did Ablyazov call the protests?"
    ) == ["Kosanov", "Ablyazov"]
    assert check.asked_names("I read in the Guardian about Kosanov") == ["Kosanov"]
    assert check.asked_names("Did Twitter block Kosanov?") == ["Twitter", "Kosanov"]
    # A name after the list is asked about again; so is one before the word.
    assert check.asked_names("Did Toqaev, besides Kosanov, meet Ablyazov?") == [
        "Toqaev",
        "Ablyazov",
    ]
    assert (
        hash_retriever.search_with_reason(
            "Other than Uzbekistan, which countries held presidential elections in 2016?"
        ).refusal
        is not Refusal.NAMES_APART
    )
    # Without the word, the same names must still stand together in one passage.
    apart = hash_retriever.search_with_reason("Did Uzbekistan hold presidential elections in 2016?")
    assert apart.refusal is Refusal.NAMES_APART


def test_the_corpus_s_subject_is_not_asked_of_every_passage(hash_retriever) -> None:
    # Kazakhstan is in most passages; one about NetBlocks' report need not repeat it.
    lexical = hash_retriever.data.lexical
    assert lexical.containing(frozenset({"kazakhstan"})).mean() > 0.5
    netblocks = lexical.containing(frozenset({"netblock"}))
    # ... and no passage about NetBlocks names Kazakhstan.
    assert netblocks.any() and not (netblocks & lexical.containing(frozenset({"kazakhstan"}))).any()
    assert hash_retriever.search("What did NetBlocks report about the blocks in Kazakhstan?")


def test_spaces_around_a_question_change_nothing(hash_retriever) -> None:
    # " Astronauts …": with the space, the opening word looked like a name inside a sentence.
    for question in ("Astronauts said what about the election?", "Who won the election?"):
        plain = hash_retriever.search(question)
        assert hash_retriever.search(f"  {question}\n") == plain


def test_an_acronym_spelt_like_a_stop_word_is_still_a_name(check: NameCheck) -> None:
    assert check.unknown("How does the US electoral college work?") == ["US"]
    assert check.unknown("What did the OSCE say?") == []  # the articles write it


def test_a_real_word_is_not_taken_for_a_misspelt_name() -> None:
    # "France" is a letter or two from the articles' "French", but it is a word of its own;
    # "European" is "Europe" with an ending, so it is theirs.
    texts = ["French officials and the European Union commented.", "Europe watched."]
    check = NameCheck.build(texts, Tokenizer(VARIANTS))
    assert check.unknown("What is the capital of France?") == ["France"]
    assert check.unknown("Was the European body keen?") == []
    assert check.unknown("What did the Franch say?") == []  # a misspelling still is one
    # an acronym is no shortening of a name it begins: "EU" is not "Europe"
    assert check.unknown("Did the EU impose sanctions?") == ["EU"]


def test_a_name_s_words_typed_apart_are_the_name(check: NameCheck) -> None:
    # The corpus writes Nur-Sultan; "Nur Sultan" is a spelling the variants know as a whole,
    # so neither word is a name the articles lack.
    assert check.unknown("Were there protests in Nur Sultan?") == []
    assert check.unknown("Were there protests in Nur Sultan or Istanbul?") == ["Istanbul"]


def test_common_words_are_kept_with_the_names_and_an_older_file_still_loads(tmp_path) -> None:
    check = NameCheck.build(["The ruling party won; the Communist Party did not."], Tokenizer())
    assert "parti" in check.common_terms and "communist" not in check.common_terms
    check.save(tmp_path / "names.json")
    loaded = NameCheck.load(tmp_path / "names.json", Tokenizer())
    assert loaded.common_terms == check.common_terms and loaded.names == check.names
    data = json.loads((tmp_path / "names.json").read_text(encoding="utf-8"))
    del data["common_terms"]  # an index built before they were kept
    (tmp_path / "old.json").write_text(json.dumps(data), encoding="utf-8")
    assert NameCheck.load(tmp_path / "old.json", Tokenizer()).common_terms == frozenset()


def test_a_full_name_reads_as_the_articles_write_it_after_the_first_mention() -> None:
    texts = [
        "Human rights defender Yevgeny Zhovtis thinks so. Oyan Qazaqstan agreed.",
        "According to Zhovtis, the authorities did not expect it. Zhovtis said more.",
        "On May Day the movement Oyan Qazaqstan marched.",
    ]
    proper = {"yevgeny", "zhovtis", "oyan", "qazaqstan"}.__contains__
    phrases = {
        "What did Yevgeny Zhovtis say?": ["Yevgeny Zhovtis"],
        "What did Oyan Qazaqstan say?": ["Oyan Qazaqstan"],
        "What happened on May Day?": ["May Day"],
    }
    short = Surnames(texts, proper, lambda text: phrases[text])
    assert short("What did Yevgeny Zhovtis say?") == "What did Zhovtis say?"
    # never written without its first word; and not a name of the corpus's proper words
    assert short("What did Oyan Qazaqstan say?") == "What did Oyan Qazaqstan say?"
    assert short("What happened on May Day?") == "What happened on May Day?"


def test_the_retriever_s_dense_side_reads_full_names_shortened(hash_retriever) -> None:
    r = hash_retriever
    assert r.surnames("What did Yevgeny Zhovtis say?") == "What did Zhovtis say?"
    assert r.surnames("Who is Oyan Qazaqstan?") == "Who is Oyan Qazaqstan?"


def test_a_dictionary_first_name_before_a_known_name_is_a_spelling_of_the_articles() -> None:
    texts = [*CORPUS_TEXTS, "Veteran correspondent Joanna Lillis filmed it in Almaty."]
    names = NameCheck.build(texts, Tokenizer(VARIANTS))
    assert names.unknown("What did Johanna Lilis film in Almaty?") == []
    # a dictionary name alone, or before an unknown one, is what it says
    assert names.unknown("What did Johanna film?") == ["Johanna"]
    assert names.unknown("Did Johanna Smith film it?") == ["Johanna", "Smith"]


def test_a_month_before_a_year_is_no_first_name_of_the_year() -> None:
    # "July" lies close to the articles' "Uly", but a year after it makes it no first name
    check = NameCheck.build(
        ["Candidate Sadybek Tugel of the Uly Dala party spoke in 2019."], Tokenizer(VARIANTS)
    )
    assert check.unknown("Did the protests continue in July 2019?") == ["July"]
    assert check.unknown("What did Uly Dala say in 2019?") == []
