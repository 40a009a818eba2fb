"""Definitional questions ("Who is X?") favour the passage that first names X in an article."""

from __future__ import annotations

import dataclasses

import pytest

from retrieval.lexical import Tokenizer, stop_words
from retrieval.questions import definitional_subject, introduces
from retrieval.retriever import Retriever


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("Who is Yevgeny Zhovtis?", "Yevgeny Zhovtis"),
        ("who was Nursultan Nazarbayev", "Nursultan Nazarbayev"),
        ("What is Oyan Qazaqstan?", "Oyan Qazaqstan"),
        ("What is ODIHR?", "ODIHR"),
        ("Who are the Nur Otan?", "Nur Otan"),
        ("What is 'Men oyandym'?", "Men oyandym"),
        ("  Who is   Zhovtis ?? ", "Zhovtis"),
        # as people type it
        ("who's Kasym-Zhomart Tokaev exactly?", "Kasym-Zhomart Tokaev"),
        ("what is Oyan Qazaqstan even", "Oyan Qazaqstan"),
        ("tell me about Tokayev", "Tokayev"),
        ("Can you tell me more about Oyan Qazaqstan.", "Oyan Qazaqstan"),
        ("What do you know about Nur Otan?", "Nur Otan"),
        ("who is Ablyazov again?", "Ablyazov"),
        # the name first, as Russian word order has it
        ("Evgeniy Jovtis who is this?", "Evgeniy Jovtis"),
        ("Oyan Qazaqstan - what is it?", "Oyan Qazaqstan"),
        ("Ablyazov, who is he?", "Ablyazov"),
        # what someone is, asked as their role
        ("Which international post did Kasym-Jomart Tokaev hold before?", "Kasym-Jomart Tokaev"),
        ("What was Amirjan Kosanov's background before the race?", "Amirjan Kosanov"),
        ("What does Zhaslan Nurbayev do?", "Zhaslan Nurbayev"),
        ("What did Aslan Sagutdinov do for a living?", "Aslan Sagutdinov"),
    ],
)
def test_definitional_questions_name_their_subject(question: str, subject: str) -> None:
    assert definitional_subject(question) == subject


@pytest.mark.parametrize(
    "question",
    [
        "Who is Nursultan Nazarbayev's successor?",  # a role, not a definition
        "What was the turnout?",
        "Who was the opposition candidate?",
        "What is Mukhtar Ablyazov wanted for?",
        "Who won the election?",
        "What did Tokayev tweet on June 6?",
        "Is Zhovtis a lawyer?",
        "",
        "Who is?",
        "What is One Two Three Four Five Six Seven?",  # too long to be a name
        "tell me about the protests",
        "What did Tokayev do?",  # what he did, not what he is
        "What was the turnout's role?",
        "what's the turnout?",
        "the winner who is he?",  # no name first
        "Tokayev won the election, who is he?",  # a sentence, not a name, before it
    ],
)
def test_other_questions_have_no_definitional_subject(question: str) -> None:
    assert definitional_subject(question) is None


def _sentences_naming(r: Retriever, word: str) -> dict[str, int]:
    """Per article, the number of the first sentence containing `word`."""
    first: dict[str, int] = {}
    for p in r.data.passages:
        for k, s in enumerate(p.sentences):
            if word in s and p.start + k < first.get(p.article_id, 10**9):
                first[p.article_id] = p.start + k
    return first


def test_first_mentions_mark_the_passages_that_introduce_a_name(hash_retriever: Retriever):
    r = hash_retriever
    first = _sentences_naming(r, "Zhovtis")
    assert first  # the corpus names him
    ids = list(range(len(r.data.passages)))
    marks = r.signals.first_mentions("Zhovtis", ids)
    marked = {i for i in ids if marks[i] == 1.0}
    expected = {
        p.id
        for p in r.data.passages
        if p.article_id in first and p.start <= first[p.article_id] < p.end
    }
    assert marked == expected and marked
    assert not r.signals.first_mentions("Qwzxv", ids).any()


def test_the_introduction_only_moves_definitional_questions(hash_retriever: Retriever):
    r = hash_retriever
    plain = dataclasses.replace(r.scoring, introduction=0.0)
    boosted = dataclasses.replace(r.scoring, introduction=100.0)

    def top(question: str, scoring) -> list[int]:
        old = r.scoring, r.min_score
        r.scoring, r.min_score = scoring, -1.0  # rank only: the fake encoder's scores are low
        try:
            return [h.passage_id for h in r.search(question, k=3)]
        finally:
            r.scoring, r.min_score = old

    other = "What did Zhovtis say about the protests?"
    assert top(other, plain) == top(other, boosted)
    # A huge weight puts a passage with his first mention first, whatever the other signals.
    first = _sentences_naming(r, "Zhovtis")
    best = r.data.passages[top("Who is Zhovtis?", boosted)[0]]
    assert best.start <= first[best.article_id] < best.end


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("From his self-exile, fugitive banker Mukhtar Ablyazov has been calling for protests.",
         "Ablyazov"),
        ("Human rights defender Yevgeny Zhovtis thinks such measures fail.", "Zhovtis"),
        ("Voters deemed Amirzhan Kossanov, a candidate of the movement, a protest vote.",
         "Kossanov"),
        ("There was an opposition candidate, Amirzhan Qosanov -- a journalist of late.",
         "Qosanov"),
        ("Oyan Qazaqstan (Wake Up, Kazakhstan) appeared on June 5.", "Oyan Qazaqstan"),
        ("Reports from the Office for Democratic Institutions and Human Rights (ODIHR), a "
         "watchdog, differed.", "ODIHR"),
        ("Nur-Sultan, the recently renamed capital city, saw fewer demonstrations.",
         "Nur-Sultan"),
    ],
)  # fmt: skip
def test_a_sentence_introducing_a_name_describes_it_beside_it(sentence: str, name: str) -> None:
    tokenize = Tokenizer()
    assert introduces(sentence, frozenset(tokenize(name)), tokenize, stop_words())


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("The blocks were due to the fragile position of Tokayev.", "Tokayev"),
        ("According to Zhovtis, the authorities did not expect so many people.", "Zhovtis"),
        ("Voters elected Kassym-Jomart Tokayev in a criticised election.", "Tokayev"),
        ("Due to the neutralised political space Ablyazov's calls are voiced.", "Ablyazov"),
        ("Anyone at the spots Ablyazov designed was taken away.", "Ablyazov"),
        ("It might not have elected someone like Toqaev.", "Toqaev"),
        ("Or this one from Nur-Sultan.", "Nur-Sultan"),
        ("Fugitive banker Mukhtar Ablyazov called for protests.", "Tokayev"),  # another name
    ],
)  # fmt: skip
def test_a_sentence_only_naming_someone_does_not_introduce_them(sentence: str, name: str):
    tokenize = Tokenizer()
    assert not introduces(sentence, frozenset(tokenize(name)), tokenize, stop_words())


def _descriptions(sentences: list[str], groups=()):
    from retrieval.questions import Descriptions

    tokenizer = Tokenizer()
    proper = {
        "mukhtar",
        "ablyazov",
        "amirzhan",
        "kossanov",
        "sadybek",
        "tugel",
        "yevgeny",
        "zhovtis",
        "tokayev",
        "oyan",
        "tagdyry",
        "nursultan",
        "nazarbaev",
        "toqaev",
    }
    return Descriptions(
        sentences, tokenizer, proper.__contains__, tokenizer.stop_words, groups=groups
    )


DESCRIBED = [
    "From exile, fugitive banker Mukhtar Ablyazov called for rallies.",
    "The voters backed Amirzhan Kossanov, a candidate of the national patriotic movement.",
    "Another candidate Sadybek Tugel said little.",
    "So-called opposition candidate Amirzhan Kossanov was quiet.",
    "Human rights defender Yevgeny Zhovtis spoke.",
    "Opposition leader Mukhtar Ablyazov is abroad.",
    "The new leader took office. Every leader hopes so. A leader must lead.",
]


@pytest.mark.parametrize(
    ("question", "whom"),
    [
        # a noun for a person describing one name only, mostly written of it
        ("Did the exiled banker accept any blame?", ("Ablyazov", "the exiled banker")),
        # two candidates: the description's other words decide
        ("Why did some back the opposition candidate?", ("Kossanov", "the opposition candidate")),
        # a noun for a thing done ("movement") is no person, whatever its ending
        ("What did the patriotic movement's candidate say?", None),
        # a noun for a person describing no one, beside a word that describes someone
        (
            "How does the human rights activist explain it?",
            ("Zhovtis", "the human rights activist"),
        ),
        # "leader" describes Ablyazov here, but is mostly written of others
        ("Could foreign governments cool their backing for the new leader?", None),
        ("Who was the candidate?", None),  # two candidates, alike
        # an English word ending like a noun for a person ("ever") is none
        ("Has the country ever been certified?", None),
    ],
)
def test_a_description_is_of_the_one_name_the_passages_describe_so(question: str, whom) -> None:
    found = _descriptions(DESCRIBED).whom(question)
    if whom is None:
        assert found is None
    else:
        name, description = whom
        assert found is not None and found[0] == name
        assert question[: found[1]].endswith(description)


def test_words_the_passages_lack_describe_as_the_words_meaning_the_same() -> None:
    described = _descriptions(
        [*DESCRIBED, "Former politician Amirzhan Kossanov spoke.", "Tokayev, ex-speaker, won."]
    )
    alike = {"runaway": ["fugitive"], "financier": ["banker"], "businessman": ["politician"]}

    def whom(question: str):
        return described.whom(question, lambda word: alike.get(word, []))

    runaway = "Why can't the runaway financier go home?"
    assert whom(runaway) == ("Ablyazov", runaway.index(" go"))
    assert described.whom(runaway) is None
    # a word alone names someone in its own words only: a businessman is no politician
    assert whom("Did the businessman speak?") is None
    # "ex-" is no word describing anyone ("ex-speaker"): the ex-banker is the banker
    exiled = "Did the exiled ex-banker speak?"
    assert described.whom(exiled) == ("Ablyazov", exiled.index(" speak"))


def test_what_someone_is_said_to_be_around_their_name_describes_them() -> None:
    # A title before the name, an apposition before it, what they became after it; not the
    # words before a name going on into a clause of its own ("the new era Nazarbaev … had").
    described = _descriptions(
        [
            "Some objected while longtime President Nursultan Nazarbaev resigned.",
            "Kazakhstan's first and only previous president, Nursultan Nazarbaev, resigned.",
            "It is not the new era Nazarbaev and his circle had in mind.",
            "He backed Toqaev, who as speaker immediately became interim president when asked.",
            "After Toqaev had been elected and legitimised as the head of state, it changed.",
            "According to the results, the winner is Qasym-Zhomart Toqaev with 70 percent.",
            "The reason is Nazarbaev himself.",
        ]
    )
    # what the sentence says someone is, before the name: "the winner is …"
    winner = "What job did the winner have before?"
    assert described.whom(winner) == ("Toqaev", winner.index(" have"))
    assert described.whom("What did the reason say?") is None  # no noun for a person
    assert described.whom("What did the longtime president say?")[0] == "Nazarbaev"
    assert described.whom("What did the first president say?")[0] == "Nazarbaev"
    assert described.whom("What did the interim president say?")[0] == "Toqaev"
    head = "Did the new head of state speak?"
    assert described.whom(head) == ("Toqaev", head.index(" speak"))
    assert described.whom("What did the new president say?") is None  # both presidents
    # "of" goes on only into a word describing someone
    assert described.whom("What caused the new wave of discontent?") is None


def test_things_described_alike_are_told_apart_by_what_their_passages_say() -> None:
    # Two movements: "the youth movement" is the one whose passage speaks of the young;
    # two people described alike stay alike, however their passages read.
    passages = [
        ["Oyan, a new civic movement, rallied.", "Its voices are those of the young."],
        ["Kossanov ran for Tagdyry, a national patriotic movement.", "Voters were old."],
        [DESCRIBED[1], "The young voted."],
        [DESCRIBED[2], DESCRIBED[3]],
    ]
    sentences = [s for p in passages for s in p]
    alike = {"youth": ["young"]}

    def whom(question: str, groups=passages):
        return _descriptions(sentences, groups).whom(question, lambda w: alike.get(w, []))

    question = "Who started the youth movement?"
    assert whom(question) == ("Oyan", len(question) - 1)
    # a noun for a body describing no one is any that does: the new group is the movement
    # described as new; a movement is not any body
    assert whom("What does the new youth group want?") == (
        "Oyan",
        len("What does the new youth group"),
    )
    assert whom("What does the new group want?") == ("Oyan", len("What does the new group"))
    assert whom("What did the new party want?") == ("Oyan", len("What did the new party"))
    assert whom(question, groups=()) is None  # each sentence read alone: no young beside Oyan
    assert whom("What did the movement want?") is None  # nothing else said: alike
    assert whom("What did the youth candidate say?") is None  # people: Kossanov, Tugel


def test_a_long_message_s_he_is_the_one_person_named_before_it(hash_retriever: Retriever):
    r = hash_retriever
    q = r.prepare("I keep seeing the name Kozhayev in the articles. Who is he exactly? Thanks.")
    assert q.text == q.asking == "Who is Kozhayev exactly?"
    # two people before it, or a name of its own, or a question alone: left as it is
    two = r.prepare("Kozhayev and Zhovtis both spoke. Who is he exactly?")
    assert "he" in two.asking.split()
    own = r.prepare("I read about Kozhayev. Did Zhovtis say he was right?")
    assert own.asking == "Did Zhovtis say he was right?"
    assert r.prepare("Who is he?").text == "Who is he?"


def test_the_searched_question_names_whom_it_describes(hash_retriever: Retriever) -> None:
    r = hash_retriever
    assert r.described("Did the exiled banker accept any blame?") == (
        "Did the exiled banker Ablyazov accept any blame?"
    )
    # a word of a name the variants fold to one token is the name in full, as indexed
    assert r.described("What does the new civic movement want?") == (
        "What does the new civic movement Oyan Qazaqstan want?"
    )
    # named already: left as it is
    named = "Did the fugitive banker Ablyazov accept any blame?"
    assert r.described(named) == named
