"""Follow-ups: a question leaning on the previous one is searched with its subject."""

from __future__ import annotations

import pytest

from retrieval.followup import Recent, Vocabulary, resolve


@pytest.fixture(scope="module")
def vocabulary(hash_index, hash_encoder) -> Vocabulary:
    """The real corpus's names and document frequencies (the hash index's)."""
    from retrieval import Retriever

    data = Retriever.load(hash_index, encoder=hash_encoder, progress=False).data
    return Vocabulary(data.names, data.lexical.doc_freq, data.lexical.n_docs)


@pytest.mark.parametrize(
    ("previous", "question", "query"),
    [
        # a pronoun with nothing before it to stand for: the previous question's names
        ("Who is Mukhtar Ablyazov?", "Where does he live?", "Where does Mukhtar Ablyazov live?"),
        ("What is Oyan Qazaqstan?", "Who founded it?", "Who founded Oyan Qazaqstan?"),
        ("Who is Amirzhan Kossanov?", "What was his job?", "What was Amirzhan Kossanov's job?"),
        ("Who is Asya Tulseova?", "Which group did she found?",
         "Which group did Asya Tulseova found?"),
        # the corpus's own subject is never what a pronoun stands for
        ("What did Tokayev say about Kazakhstan?", "Did he win?", "Did Tokayev win?"),
        # an opening connective: the previous question, completed
        ("Where were the largest demonstrations?", "and in Almaty?",
         "Where were the largest demonstrations, in Almaty?"),
        # ... its names giving way to the new question's
        ("Will the blocks continue, according to Nurbayev?", "What about Alzhanov?",
         "Will the blocks continue, according to Alzhanov?"),
        # nothing specific of its own
        ("How many police were injured?", "Who said that?",
         "How many police were injured, Who said that?"),
        ("Did ODIHR send observers?", "Why not?", "Did ODIHR send observers, Why not?"),
        # the word after "how" says what kind of answer, not what about
        ("who won?", "by how much?", "who won, by how much?"),
        ("When were people detained?", "how many?", "When were people detained, how many?"),
        # an adverb says how, not what about; a count with only where or when completes
        ("Who was driving the protests?", "how old mostly?",
         "Who was driving the protests, how old mostly?"),
        ("How many were arrested over the three days?", "how many on the first day",
         "How many were arrested over the three days, how many on the first day"),
        ("How many people were detained on election day?", "and how many protested",
         "How many people were detained on election day, how many protested"),
        # ... but one asking of a pronoun after the connective asks of what it stands for
        ("How many days after the vote was Tokayev sworn in?", "and who did he replace?",
         "who did Tokayev replace?"),
        ("What is Oyan Qazaqstan?", "and when did it appear?", "when did Oyan Qazaqstan appear?"),
        # a preposition before the question word is part of what is asked
        ("Is the DVK legal in Kazakhstan?", "since when?",
         "Is the DVK legal in Kazakhstan, since when?"),
        ("Was the curfew lifted?", "until when", "Was the curfew lifted, until when"),
        # "else": besides whom the last answer gave
        ("Who was the opposition candidate?", "who else ran?",
         "Who was the opposition candidate, who else ran?"),
    ],
)  # fmt: skip
def test_a_question_that_leans_on_the_last_gets_its_subject(
    vocabulary: Vocabulary, previous: str, question: str, query: str
) -> None:
    followup = resolve(previous, question, vocabulary)
    assert followup.query == query and followup.carried


@pytest.mark.parametrize(
    "question",
    [
        "Who is Dimash Alzhanov?",
        "How many policemen were injured on the first day?",
        "How did the president describe the election at his inauguration?",
        "What did Ablyazov say about the opposition movement he represents?",
        "Which movement put forward Amirjan Kosanov as its candidate?",
        "Were there protests in Almaty?",
        "What has Oyan Qazaqstan called for so far?",
        # about the corpus's common ground, yet about something
        "Were there protests?",
        "How many protesters were detained?",
        # a possessive whose name comes after it
        "In its preliminary report, what did ODIHR say the election was tarnished by?",
        # long enough to say what it is about, whatever its pronoun
        "Why is it hard to build a united opposition given where people and resources are located?",
        # asking how many of something it names
        "how many votes?",
        "How long did the internet blocks last?",
        # an opening connective before a question of its own
        "and what about the protests, how many people were detained?",
        "Also, when did the internet go down in Almaty?",
        "since when has the DVK been banned?",
    ],
)
def test_a_question_with_its_own_subject_is_searched_as_it_is(
    vocabulary: Vocabulary, question: str
) -> None:
    followup = resolve("Who is Mukhtar Ablyazov?", question, vocabulary)
    assert followup.query == question and not followup.carried


def test_without_a_previous_question_nothing_is_carried(vocabulary: Vocabulary) -> None:
    assert resolve("", "Where does he live?", vocabulary).query == "Where does he live?"


def test_without_an_index_names_are_told_by_their_capitals() -> None:
    followup = resolve("Who is Mukhtar Ablyazov?", "Where does he live?", Vocabulary.plain())
    assert followup.query == "Where does Mukhtar Ablyazov live?"


def test_recent_forgets_after_ten_minutes_and_keeps_a_bounded_number_of_chats() -> None:
    now = [0.0]
    recent = Recent(seconds=600, size=2, clock=lambda: now[0])
    recent.put(1, "Who is Mukhtar Ablyazov?")
    now[0] = 599
    assert recent.get(1) == "Who is Mukhtar Ablyazov?" and recent.get(2) == ""
    now[0] = 601
    assert recent.get(1) == ""
    for chat in (1, 2, 3):
        recent.put(chat, f"question {chat}")
    assert [recent.get(c) for c in (1, 2, 3)] == ["", "question 2", "question 3"]


WON = "Qasym-Zhomart Toqaev won the election."


@pytest.mark.parametrize(
    ("previous", "answered", "question", "query"),
    [
        # a question asking who, naming no one: "he" is whom its answer named first
        ("Who won the election?", WON, "How many votes did he get?",
         "How many votes did Qasym-Zhomart Toqaev get?"),
        ("who won?", WON, "what did he promise at his inauguration?",
         "what did Qasym-Zhomart Toqaev promise at his inauguration?"),
        # "they" or "it" may be anything the answer names first (a city): not carried
        ("Who protested?", "Protesters gathered in Almaty.", "Why were they detained?",
         "Who protested, Why were they detained?"),
        # after a question naming no one, "he" is whom its answer named
        ("When did the protests start?", WON, "What did he say?",
         "What did Qasym-Zhomart Toqaev say?"),
        # after asking who did something, the person the answer named, not the question's
        # place; of its names, the one introduced by what the person is
        ("Who filmed the police in Almaty on June 10?",
         "People were dragged away, including this video taken in Almaty by veteran Central "
         "Asia correspondent Joanna Lillis.", "who is she?", "who is Joanna Lillis?"),
        # of several names, the one beside what was asked ("won")
        ("who won the vote?",
         "Amirzhan Kossanov, commenting the exit poll results, which showed that Tokayev won"
         " by an overwhelming margin, said he won votes.",
         "how many votes did he get?", "how many votes did Tokayev get?"),
        # a question naming someone keeps its own name, whatever its answer says
        ("Who is Mukhtar Ablyazov?", WON, "How many votes did he get?",
         "How many votes did Mukhtar Ablyazov get?"),
        # but "he" is never the year or the day the question named
        ("Who won the 2019 election?", WON, "How many votes did he get?",
         "How many votes did Qasym-Zhomart Toqaev get?"),
        ("Who won on June 9?", "It was unclear on June 9.", "How many votes did he get?",
         "Who won on June 9, How many votes did he get?"),
        # a question of its own after an opening connective leans back as any other does
        ("Who won the election?", WON, "And how many votes did he get?",
         "how many votes did Qasym-Zhomart Toqaev get?"),
        # "he" is never a place the answer names: a capital, or a name after "in"
        ("How many days after the vote was the new president inaugurated?",
         "Qasym-Zhomart Toqaev takes the oath of office during his presidential inauguration"
         " ceremony in Nur-Sultan on June 12.", "and who did he replace?",
         "who did Qasym-Zhomart Toqaev replace?"),
        ("Who spoke first?", "Speaking first in Shymkent, the mayor greeted Amirzhan Kossanov.",
         "what did he say?", "what did Amirzhan Kossanov say?"),
        # but a person may follow "from"
        ("Who spoke first?", "First came a message from Amirzhan Kossanov in Shymkent.",
         "what did he say?", "what did Amirzhan Kossanov say?"),
    ],
)  # fmt: skip
def test_after_asking_who_a_pronoun_is_whom_the_answer_named(
    vocabulary: Vocabulary, previous: str, answered: str, question: str, query: str
) -> None:
    assert resolve(previous, question, vocabulary, answered).query == query


def test_recent_keeps_what_answered_the_last_question() -> None:
    recent = Recent()
    recent.put(1, "Who won?", WON)
    assert (recent.get(1), recent.answer(1)) == ("Who won?", WON)
    recent.put(1, "What is the capital of France?")  # refused: nothing answered it
    assert recent.answer(1) == "" and recent.answer(2) == ""


def test_a_name_typed_in_lower_case_takes_the_previous_name_s_place(hash_retriever) -> None:
    """The retriever reads a follow-up as a search reads it: "what about kosanov?" names
    Kosanov, whom the previous question's answer kind is then asked of."""
    followup = hash_retriever.followup("How many votes did Tokayev get?", "what about kosanov?")
    assert followup.query == "How many votes did Kosanov get?" and followup.carried
    alone = hash_retriever.followup("How many votes did Tokayev get?", "who is kosanov?")
    assert not alone.carried
    # and the previous question's, typed in lower case, is what a pronoun stands for
    followup = hash_retriever.followup("tell me about oyan qazaqstan", "who founded it?")
    assert followup.query == "who founded Oyan Qazaqstan?"


def test_a_pronoun_with_nothing_to_stand_for_before_it_asks_on_its_own(
    vocabulary: Vocabulary,
) -> None:
    # The question before named no one and was not answered: "they" are whoever the
    # articles say, as in a first question.
    alone = resolve("Did anyone get hurt?", "why did they block the internet", vocabulary)
    assert alone.query == "why did they block the internet" and not alone.carried
    # Answered, it may still be what the pronoun means ("they": the protests it named).
    answered = "Several thousand people demonstrated against the election."
    leaning = resolve("Were there protests?", "why did they start", vocabulary, answered)
    assert leaning.carried
    # A name asked about is there to stand for, answered or not; so is what "that" points to.
    assert resolve("Who is Mukhtar Ablyazov?", "where does he live", vocabulary).carried
    assert resolve("How many police were injured?", "Who said that?", vocabulary).carried


def test_a_question_completing_another_gives_the_next_one_that_question(
    vocabulary: Vocabulary,
) -> None:
    """Sibling follow-ups each complete the question they follow up, not one another: "and
    after the inauguration?" after "and on the first day?" asks how many were detained."""
    first = resolve("How many people were detained?", "and on the first day?", vocabulary)
    assert first.query == "How many people were detained, on the first day?"
    assert first.topic == "How many people were detained?"
    second = resolve(first.query, "and after the inauguration?", vocabulary, topic=first.topic)
    assert second.query == "How many people were detained, after the inauguration?"
    # the names a follow-up put in stay in the question it completes
    named = resolve(
        "Will the blocks continue, according to Nurbayev?", "What about Alzhanov?", vocabulary
    )
    assert named.topic == "Will the blocks continue, according to Alzhanov?"
    why = resolve(named.query, "and why?", vocabulary, topic=named.topic)
    assert why.query == "Will the blocks continue, according to Alzhanov, why?"
    # a question of its own completes nothing: the next connective completes it
    assert resolve("who won?", "Where is Ablyazov now?", vocabulary).topic == ""


def test_a_conversation_s_follow_ups_complete_the_question_they_follow(hash_retriever) -> None:
    """The bot and the terminal chat remember what a follow-up completed (bot.conversation):
    "who won?", "and by how much?", "and in Almaty?" asks who won in Almaty."""
    from bot import conversation

    recent = Recent()
    asked = ["who won?", "and by how much?", "and in Almaty?", "Who is Ablyazov?", "and why?"]
    queries = [conversation.read(q, recent, 1, hash_retriever, 500).query for q in asked]
    assert queries == [
        "who won?",
        "who won, by how much?",
        "who won, in Almaty?",
        "Who is Ablyazov?",
        "Who is Ablyazov, why?",
    ]
