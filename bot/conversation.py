"""What a message is before anything is searched: small talk, another language, a question
(perhaps a follow-up), and what to say when nothing is found. The bot and the terminal chat
share it, so they answer a conversation the same way."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from bot import answer, language
from bot.batching import Searcher
from retrieval import smalltalk
from retrieval.followup import Followup, Recent
from retrieval.records import Hit, SearchResult


@dataclass(frozen=True, slots=True)
class Turn:
    """One message read: a reply made without searching, or a query to search."""

    reply: answer.Reply | None = None
    query: str = ""  # what to search: the question, or with the previous one's subject
    topic: str = ""  # the question it completed, if it did ("who won?" for "and by how much?")
    asked: str = ""  # the question as the user put it (a greeting before it dropped)
    note: str = ""  # said above the answer (a long message searched on its first part)


def read(text: str, recent: Recent, chat: Hashable, searcher: Searcher, max_chars: int) -> Turn:
    """Read `text`, sent in `chat` after the question `recent` remembers for it (a follow-up
    leans on that question and on what answered it); a question read is remembered in turn."""
    previous = (recent.get(chat), recent.answer(chat), recent.topic(chat))
    turn = _read(text, previous, searcher, max_chars)
    if turn.reply is None:
        recent.put(chat, turn.query, topic=turn.topic)
    return turn


def answered(recent: Recent, chat: Hashable, turn: Turn, shown: Sequence[Hit]) -> None:
    """Remember what answered `turn`'s question, for a follow-up: its first quote's best
    sentence ("Who won?" "How many votes did he get?")."""
    if shown:
        recent.put(chat, turn.query, shown[0].best_sentence, turn.topic)


def _read(text: str, previous: tuple[str, str, str], searcher: Searcher, max_chars: int) -> Turn:
    """`text` read after `previous`: the last question, what answered it, what it completed."""
    question, note = answer.clip_question(text, max_chars)
    if not question:
        return Turn(answer.ask_usage_reply())
    reading = smalltalk.default().read(question)
    if reading.kind is not None:
        kind = reading.kind
        return Turn(answer.small_talk_reply(kind.reply, kind.examples, question))
    question = reading.question
    script = language.script(question)
    if script is not None:
        return Turn(answer.language_reply(script, question))
    last, answered, topic = previous
    followup = searcher.followup(last, question, answered, topic) if last else Followup(question)
    note = "\n".join(n for n in (note, answer.since_note(question)) if n)
    return Turn(query=followup.query, topic=followup.topic, asked=question, note=note)


def note(turn: Turn, found: SearchResult) -> str:
    """What is said above the answer to `turn`: its own note, and the questions of the message
    that were left unsearched because the articles don't cover them."""
    return "\n".join(n for n in (turn.note, answer.set_aside_note(found.set_aside)) if n)


def nothing_found(turn: Turn) -> answer.Reply:
    """The reply when the articles don't answer `turn`: unless it isn't English at all, the
    honest "not covered". (Checked only now, so a real English question is never told to ask in
    English; it costs lingua's first load, 0.1 s, once.)"""
    if language.looks_foreign(turn.asked):
        return answer.language_reply(language.LATIN, turn.asked)
    return answer.no_answer_reply(turn.query, note=turn.note)
