"""Spelling: misspelt words and texting shorthand put right against the corpus's words."""

from __future__ import annotations

import json

import pytest

from retrieval.spelling import Speller, Vocabulary, skeleton

TEXTS = [
    "Qasym-Zhomart Toqaev won the election. Officials said turnout was high.",
    "Police detained protesters in Almaty and Nur-Sultan. The internet was blocked.",
    "Human rights defender Yevgeny Zhovtis quoted a poem by Mirzhakyp Dulatov.",
    "French officials commented. Operators blocked access.",
    "The ODIHR chief said his team was ready.",
]
NAMES = ["Tokayev", "Tokaev", "Toqaev", "Nazarbayev", "Kozhayev"]


@pytest.fixture(scope="module")
def speller() -> Speller:
    vocabulary = Vocabulary.build(TEXTS, NAMES)
    names = [w for w in vocabulary.counts if vocabulary.is_proper(w)]
    return Speller(vocabulary.frequencies(), names, stop_words={"the", "was", "been"})


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("who won the electoin", "who won the election"),
        ("wat was the turnot", "what was the turnout"),
        ("did the internat get blokced", "did the internet get blocked"),
        ("what did tokayv say", "what did tokayev say"),
        ("Who is Evgeniy Jovtis?", "Who is Yevgeny Zhovtis?"),  # by sound
        ("Who is Mirjakip Dulatuly?", "Who is Mirzhakyp Dulatov?"),  # beyond edit distance
        ("ppl detained in almaty", "people detained in almaty"),
        ("who won pozhaluysta", "who won please"),  # a courtesy in Russian, in Latin letters
        ("hw old is tokayv", "how old is tokayev"),
        ("Tokaiev's win", "Toqaev's win"),  # the possessive stays as typed
    ],
)
def test_misspellings_become_the_corpus_s_words(speller: Speller, typed: str, meant: str):
    # Spellings of one name are all the corpus's (BM25 folds them): any of them will do.
    spellings = {"Toqaev", "Tokaev", "Tokayev"}
    assert speller.correct(typed) in {meant.replace("Toqaev", s) for s in spellings}


@pytest.mark.parametrize(
    "typed",
    [
        "What is the capital of France?",  # a real word is not the corpus's "French"
        "Will they unite?",  # nor "unite" its "united"
        "Was the body keen to send a team?",  # nor "keen" a stop word one letter away
        "Who is Putin?",  # an English dictionary word, so not a slip for anything
    ],
)
def test_real_words_are_left_alone(speller: Speller, typed: str) -> None:
    assert speller.correct(typed) == typed


def test_a_word_in_capitals_is_an_acronym_put_right_only_into_a_corpus_name(
    speller: Speller,
) -> None:
    # "CIS" is one letter from the corpus's "his": an acronym, not a slip for it.
    assert speller.correct("What did the CIS observers say?") == "What did the CIS observers say?"
    assert speller.correct("what did ODHIR say") == "what did ODIHR say"
    # A message all in capitals is shouted, not acronyms: its words are put right.
    assert speller.correct("WHO WON THE ELECTOIN") == "WHO WON THE ELECTION"


def test_a_correction_keeps_the_typed_capitals(speller: Speller) -> None:
    assert speller.correct("ELECTOIN in ALMATY") == "ELECTION in ALMATY"
    assert speller.correct("Electoin day") == "Election day"


@pytest.mark.parametrize(
    ("a", "b"),
    [("Tokayev", "Tokaiev"), ("Toqaev", "Tokaev"), ("Nazarbayev", "Nazarbaiev"),
     ("Zhovtis", "Jovtis"), ("Kozhayev", "Kojaev"), ("Ablyazov", "Abliazov"),
     ("Kassym", "Qasym"), ("Dulatov", "Dulatuly"), ("Sädibek", "Sadibek")],
)  # fmt: skip
def test_skeletons_meet_across_transliterations(a: str, b: str) -> None:
    assert skeleton(a) == skeleton(b)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("abljasow", "ablyazov"), ("nasarbajew", "nazarbayev"), ("schowtis", "zhovtis"),
     ("muchtar", "mukhtar"), ("noursoultan", "nursultan")],
)  # fmt: skip
def test_german_and_french_spellings_are_read_as_english_ones(typed: str, meant: str) -> None:
    from retrieval.spelling import foreign_readings

    assert any(skeleton(r) == skeleton(meant) for r in foreign_readings(typed))
    assert foreign_readings("tokayev") == []  # nothing to read otherwise


def test_a_german_spelling_is_put_right_into_the_corpus_name(speller: Speller) -> None:
    assert speller.correct("Was sagte Nasarbajew?").endswith("Nazarbayev?")
    assert speller.correct("Kozhajew") == "Kozhayev"


def test_a_capitalised_word_inside_a_sentence_is_a_name_not_a_far_off_word(
    speller: Speller,
) -> None:
    # "Borat" is two letters off the corpus's "sort": a name the corpus lacks, kept as typed
    sorted_speller = Speller({"sort": 5, "the": 9, "was": 9}, stop_words={"the", "was"})
    assert sorted_speller.correct("Was Borat filmed there?") == "Was Borat filmed there?"
    assert sorted_speller.correct("Borat was filmed") == "Sort was filmed"  # opens a sentence
    # a message Capitalising Every Word says nothing of names by it
    assert speller.correct("Who Won The Electoin") == "Who Won The Election"


def test_skeletons_keep_different_names_apart() -> None:
    assert skeleton("Tokayev") != skeleton("Kossanov")
    assert skeleton("Almaty") != skeleton("Aktobe")


def test_names_are_what_the_corpus_capitalises_inside_sentences() -> None:
    vocabulary = Vocabulary.build(TEXTS, NAMES)
    assert vocabulary.is_proper("almaty") and vocabulary.is_proper("tokayev")
    assert not vocabulary.is_proper("operators")  # only ever opens a sentence
    assert not vocabulary.is_proper("police") and not vocabulary.is_proper("nowhere")


def test_shorthand_is_expanded_only_as_typed_in_lower_case(speller: Speller) -> None:
    assert speller.correct("can u tell me") == "can you tell me"
    assert speller.correct("Ppl detained?") == "People detained?"
    assert speller.correct("the U.S. said") == "the U.S. said"  # not "You.S."
    assert speller.correct("who filmed the vid") == "who filmed the video"  # not "did"
    assert speller.correct("noone came") == "no one came"
    assert speller.correct("til sum1 else takes over") == "until someone else takes over"
    # words run together or spelt as said
    assert speller.correct("the nite march") == "the night march"
    assert speller.correct("were there alot of ppl") == "were there a lot of people"
    assert speller.correct("is there gona be more") == "is there going to be more"
    # a network's short name is typed in capitals too, and read as texting.txt writes it
    assert speller.correct("why was FB down") == "why was Facebook down"
    assert speller.correct("was fb down") == "was Facebook down"
    assert speller.correct("the CIS said") == "the CIS said"  # capitals otherwise: a name
    assert speller.correct("did the ISPs block it") == "did the Internet providers block it"
    assert speller.correct("protests in KZ") == speller.correct("protests in kz")
    assert speller.correct("protests in kz") == "protests in Kazakhstan"


def test_russian_words_typed_in_latin_letters_are_read_in_english(speller: Speller) -> None:
    assert speller.correct("were ppl zaderzhali at the miting") == (
        "were people detained at the rally"
    )
    assert speller.correct("did the omon use force") == "did the riot police use force"
    assert speller.correct("did the OMON use force") == "did the riot police use force"
    assert speller.correct("who won the vybory") == "who won the elections"
    # and words of any day's talk, so that the kind they ask for is read
    assert speller.correct("pogoda v almaty zavtra") == "weather in almaty tomorrow"
    assert speller.correct("yavka on vybory how much") == "turnout on elections how much"
    assert speller.correct("what did the MVD say") == (
        "what did the ministry of interior affairs say"
    )
    # and a Russian question's own words: what it asks, and how
    assert speller.correct("gde tokaev prinimal prisyagu") == "where tokaev took oath"
    assert speller.correct("kosanov skolko procentov poluchil") == "kosanov how many percent got"
    assert speller.correct("kak zovut kandidata ot kommunistov") == (
        "what is the name of candidate from communists"
    )
    assert speller.correct("Tokaev v OON kem rabotal") == "Tokaev in United Nations as whom worked"


def test_words_the_model_reads_poorly_alone_are_read_as_the_articles_word(
    speller: Speller,
) -> None:
    # "tycoon" alone is nearest "main", "president", "names" to the model: read as "oligarch"
    assert speller.correct("what did the exiled tycoon say") == "what did the exiled oligarch say"
    assert speller.correct("media moguls") == "media oligarchs"
    assert speller.correct("what did government-run outlets show") == (
        "what did government-run media show"
    )
    # a phrase, in any case and spacing, its possessive kept; not inside other words
    assert speller.correct("who heads the Upper  House") == "who heads the Senate"
    assert speller.correct("the upper chamber's chair") == "the Senate's chair"
    assert speller.correct("the upper chambermaid") == "the upper chambermaid"
    assert speller.correct("was he locked up in france") == "was he detained in france"
    # a stand-in leader is what the articles call a transition figure, or interim
    assert speller.correct("is he just a placeholder") == "is he just a transition figure"
    assert speller.correct("the caretaker leader") == "the interim leader"
    assert speller.correct("backing the new leader") == "supporting the new leader"
    assert speller.correct("were the shutdowns a one-off") == "were the blocks a single"
    assert speller.correct("what do officials dread most") == "what do officials fear most"


def test_a_common_word_with_its_letters_doubled_otherwise_is_that_word() -> None:
    # No corpus word lies within two letters of "dissapearing" (an s doubled, a p not):
    # English's "disappearing" does, but for its doubles
    speller = Speller(Vocabulary.build(["Pens with ink were handed out at polls."]).frequencies())
    assert speller.word("dissapearing") == "disappearing"
    assert speller.word("accomodation") == "accommodation"
    # a word no common one is but for its doubles, or too short to tell, stays as typed
    assert speller.word("amnistiya") == "amnistiya"
    assert speller.word("tomorrow") == "tomorrow"  # a word as it is
    # a name (capitalised inside a sentence) is not an English word
    assert speller.correct("Was Ocured there?") == "Was Ocured there?"


def test_a_kh_typed_as_k_is_the_commonest_name_that_sounds_so() -> None:
    # "Kazakstan" is Kazakhstan, written often, not the Qazaqstan of a movement's name, whose
    # q is a k too; "kh" also stays typed as "h" ("Muhtar").
    texts = [
        "Protests in Kazakhstan. Kazakhstan voted. Police in Kazakhstan detained Mukhtar's men.",
        "The movement Oyan Qazaqstan appeared on June 5.",
    ]
    vocabulary = Vocabulary.build(texts)
    names = [w for w in vocabulary.counts if vocabulary.is_proper(w)]
    speller = Speller(vocabulary.frequencies(), names)
    assert speller.word("kazakstan") == "kazakhstan"
    assert speller.word("qazakstan") == "kazakhstan"
    assert speller.word("muhtar") == "mukhtar"


def test_a_dropped_letter_is_preferred_to_a_changed_one() -> None:
    # "wher" is one letter from both "when" (commoner) and "where": phones drop letters.
    vocabulary = Vocabulary.build(["When and where did it happen? When? When?"])
    speller = Speller(vocabulary.frequencies())
    assert speller.word("wher") == "where"
    assert speller.word("whn") == "when"


def test_a_question_opening_with_letters_left_out_opens_on_its_question_word() -> None:
    # "wer" is a letter from "were" (commoner, in the corpus) and two from "where": where a
    # question opens, before the verb it asks on, it is where.
    vocabulary = Vocabulary.build(["They were detained where the rally was. They were."])
    speller = Speller(vocabulary.frequencies())
    assert speller.correct("wer did the rally happen") == "where did the rally happen"
    assert speller.correct("ok. Wer was he born?") == "ok. Where was he born?"
    assert speller.word("wer") == "were"  # elsewhere as edit distance reads it
    assert speller.correct("they wer detained") == "they were detained"
    assert speller.correct("were did they go") == "were did they go"  # a word, as typed


def test_a_word_spelt_as_it_sounds_is_the_corpus_word_that_sounds_alike() -> None:
    # Three letters or more off ("shun" for "tion"): no edit distance reaches it, its sound
    # does (metaphone). A word that sounds like none, or is too short to tell, stays as typed.
    speller = Speller(
        Vocabulary.build(
            ["The election and the opposition. Elections, national ones."]
        ).frequencies()
    )
    assert speller.correct("who won the elecshun") == "who won the election"
    assert speller.word("opozishun") == "opposition"
    assert speller.word("nashunal") == "national"
    assert speller.word("zqxwvy") == "zqxwvy"
    assert speller.word("shun") == "shun"
    assert speller.word("ELECSHUN") == "elecshun"  # capitals: an acronym, not a slip


def test_a_common_english_word_one_letter_off_beats_a_corpus_word_two_off() -> None:
    # The corpus has "again", two letters from "askin"; English "asking" is one.
    speller = Speller(Vocabulary.build(["They met again and again."]).frequencies())
    assert speller.word("askin") == "asking"
    assert speller.word("agian") == "again"  # the corpus's own word, one letter off, still wins


def test_a_corpus_word_holding_every_typed_letter_beats_an_english_word_losing_one() -> None:
    # "minstr" is "minister" with two letters dropped; English "instr" (an abbreviation, one
    # letter off) needs the typed "m" taken out: phones drop letters, they seldom add them.
    speller = Speller(Vocabulary.build(["The vice minister spoke."]).frequencies())
    assert speller.word("minstr") == "minister"


def test_a_letter_dropped_from_a_common_word_beats_a_corpus_word_with_one_added() -> None:
    # The corpus has "actual", not "actually": "actualy" is one letter from both, but only
    # "actually" holds every typed letter; the corpus word is still meant when it does too.
    speller = Speller(Vocabulary.build(["The actual arrests, and the arrested."]).frequencies())
    assert speller.word("actualy") == "actually"
    assert speller.word("arested") == "arrested"  # the corpus word, a letter dropped
    assert speller.word("Actualy") == "actual"  # only lower case is read as a slip of English


def test_a_letter_dropped_from_a_common_word_is_that_word() -> None:
    # "evry" is a letter from the corpus's "very" too, but holds every letter of "every"; a
    # rare English word a letter short of a far commoner one ("planed" 0.16M, "planned" 22M)
    # is a slip for it, though the corpus has neither.
    speller = Speller(Vocabulary.build(["It was very calm, and the plan worked."]).frequencies())
    assert speller.word("evry") == "every"
    assert speller.word("planed") == "planned"
    assert speller.word("very") == "very" and speller.word("plan") == "plan"
    assert speller.word("formed") == "formed"  # a common word, meant as typed


def test_a_rare_form_of_a_common_word_is_a_word_not_a_slip() -> None:
    # "readying" (0.15M uses) is "ready" + "ing", not a slip for the corpus's "reading" a
    # letter away; "internat" (0.36M) is no form of anything: the corpus's "internet".
    speller = Speller(
        Vocabulary.build(["He was reading the internet news, running late."]).frequencies()
    )
    assert speller.word("readying") == "readying"
    assert speller.word("internat") == "internet"
    assert speller.correct("officials were readying fire trucks") == (
        "officials were readying fire trucks"
    )


def test_contractions_typed_without_apostrophe_and_shorthand_with_digits(
    speller: Speller,
) -> None:
    # Edit distance alone made "wasnt" want and "arent" parent.
    assert speller.correct("wasnt it blocked") == "was not it blocked"
    assert speller.correct("arent they detained") == "are not they detained"
    assert speller.correct("who won b4 2019") == "who won before 2019"
    assert speller.correct("the 1st round in 2019") == "the 1st round in 2019"
    assert speller.correct("cant say") == "cant say"  # a word of its own: left alone
    # Shorthand that edit distance leaves as typed ("jus", "wz": too short to correct).
    assert speller.correct("was it jus tokayev") == "was it just tokayev"
    assert speller.correct("who wz the nxt one") == "who was the next one"
    # Vowels dropped from a word of three or four letters: edit distance made "cld" old,
    # "mins" minds, and left "evr" as typed.
    assert speller.correct("was he evr held 4 hrs") == "was he ever held 4 hours"
    assert speller.correct("cld they wait 10 mins") == "could they wait 10 minutes"


def test_a_short_word_is_not_taken_for_a_name_a_letter_away() -> None:
    # "rly" (texting's "really") is a letter from the corpus's party name "Uly Dala": a word
    # of three letters lies that close to a short name by chance.
    vocabulary = Vocabulary.build(["He ran for the Uly Dala party in the vote. The vote."])
    names = [w for w in vocabulary.counts if vocabulary.is_proper(w)]
    speller = Speller(vocabulary.frequencies(), names)
    assert "uly" in speller.names
    assert speller.word("ulz") == "ulz"
    assert speller.word("rly") == "really"
    assert speller.word("vot") == "vote"  # a common word still is what was meant
    assert speller.word("ulyy") == "uly"  # and a longer slip for the name


def test_asides_are_dropped_not_counted_as_words_the_articles_lack(speller: Speller) -> None:
    # Left in, "lol" was a term no passage holds: BM25's share of the question fell.
    assert speller.correct("who won lol") == "who won "
    assert speller.correct("idk who won") == " who won"
    assert speller.correct("LOL") == "LOL"  # capitals: what it says (an acronym, a name)


def test_names_of_several_words_are_those_never_written_as_common_words(tmp_path) -> None:
    texts = [
        "Results of the Central Election Commission came. He stood in the central square.",
        "Kazakhstan's Central Election Commission spoke. Human rights defenders spoke.",
        "Observers of the Office for Democratic Institutions and Human Rights came to watch.",
        "Kazakhstan Turns A Blind Eye To The Riddle",  # a headline: Most Words Capitalised
    ]
    vocabulary = Vocabulary.build(texts)
    assert vocabulary.phrases == {
        "central election commission": "Central Election Commission",
        "democratic institutions": "Democratic Institutions",
    }  # not "Human Rights" (words opening a sentence), nor "Kazakhstan's Central …"
    vocabulary.save(tmp_path / "vocabulary.json")
    assert Vocabulary.load(tmp_path / "vocabulary.json") == vocabulary
    # An index built before they were kept has the words alone, and still loads.
    (tmp_path / "old.json").write_text(json.dumps(vocabulary.counts), encoding="utf-8")
    assert Vocabulary.load(tmp_path / "old.json") == Vocabulary(vocabulary.counts)


def test_a_name_of_several_words_typed_in_lower_case_gets_its_capitals() -> None:
    from retrieval.query import capitalise_names

    vocabulary = Vocabulary.build(["The Central Election Commission met in the central square."])
    assert (
        capitalise_names("who chairs the central election commission's board", vocabulary)
        == "who chairs the Central Election Commission's board"
    )
    # texting leaves the possessive's apostrophe out: put back, so the name is read as one
    assert (
        capitalise_names("who chairs the central election commissions board", vocabulary)
        == "who chairs the Central Election Commission's board"
    )
    assert capitalise_names("the central square", vocabulary) == "the central square"
    assert capitalise_names("central election results", vocabulary) == "central election results"


def test_a_month_typed_in_lower_case_beside_a_day_is_a_date() -> None:
    from retrieval.query import capitalise_names

    vocabulary = Vocabulary.build(["On May 9, protests took place; they may go on in March."])
    assert capitalise_names("the may 9 protests", vocabulary) == "the May 9 protests"
    assert capitalise_names("on 31 march pls", vocabulary) == "on 31 March pls"
    assert capitalise_names("june 12th", vocabulary) == "June 12th"
    # the verb, and a month without a day, stay as typed
    assert capitalise_names("it may be 9", vocabulary) == "it may be 9"
    assert capitalise_names("protests in may", vocabulary) == "protests in may"


def test_a_country_or_capital_typed_in_lower_case_is_a_name() -> None:
    from retrieval.query import capitalise_names

    vocabulary = Vocabulary.build(["Tokayev won."])
    assert capitalise_names("did france react", vocabulary) == "did France react"
    assert capitalise_names("what did new zealand say", vocabulary) == "what did New Zealand say"
    assert capitalise_names("anyone in moscow", vocabulary) == "anyone in Moscow"
    # those that are everyday words too stay as typed, as do words inside others
    for typed in ("were male voters turned away", "fine china", "the valley", "parisian"):
        assert capitalise_names(typed, vocabulary) == typed


def test_a_word_typed_with_two_letters_swapped_is_put_back_before_a_commoner_one() -> None:
    from retrieval.spelling import _common_neighbour, english_counts

    english = english_counts()
    # "price" is ten times commoner and also one letter off, but swapped letters are the slip
    assert _common_neighbour("peice", english) == "piece"
    assert _common_neighbour("wierd", english) == "weird"
    # a letter left out still comes first
    assert _common_neighbour("writng", english) == "writing"


def test_two_corpus_names_typed_as_one_word_are_both() -> None:
    # "rferl" is two letters from the English "real"; the corpus writes RFE/RL
    speller = Speller(
        Vocabulary.build(
            ["The RFE/RL blog said it was real. OSCE/ODIHR observers came."]
        ).frequencies()
    )
    assert speller.word("rferl") == "rfe rl"
    assert speller.word("osceodihr") == "osce odihr"
    assert speller.correct("the RFERL blog") == "the RFE RL blog"
    # English words split nothing: "blogsaid" is no pair of names
    assert speller.word("blogsaid") != "blog said"


def test_two_words_typed_without_the_space_between_them_are_both() -> None:
    vocabulary = Vocabulary.build(TEXTS, NAMES).frequencies()
    speller = Speller(vocabulary, stop_words={"how", "who", "on", "the"})
    assert speller.correct("howmany candidates were there") == "how many candidates were there"
    assert speller.word("whowon") == "who won"
    # a letter from a corpus word is a slip for it, not two words ("elect on")
    assert speller.word("electon") == "election"
    # two content words are more often a compound the dictionary is too old for
    assert speller.word("lockdown") == "lockdown"
    # and a capitalised word is a name, not two words
    assert speller.correct("Did Howmany win?") == "Did Howmany win?"
