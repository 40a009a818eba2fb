"""The terminal chat: the bot's answers as text, no Telegram token needed."""

from __future__ import annotations

import re
import sys
from typing import TextIO

from rich.console import Console
from rich.text import Text

from bot import answer, conversation
from bot.batching import Searcher
from bot.config import Settings
from bot.inbound import clean_text
from retrieval.followup import Recent
from retrieval.records import Hit

INTRO = (
    "Ask about Kazakhstan's 2019 presidential election; I answer with quotes from the articles.\n"
    "'more' shows the quotes whole, then further passages; 'quit', 'exit' or Ctrl-D "
    "leaves.\n"
    f"For example: {answer.EXAMPLE_QUESTIONS[0]}"
)
QUIT = {"quit", "exit", "q", "bye"}
PROMPT = "\n? "
CHAT = "terminal"  # the one chat a terminal has, for `Recent`
# The plain answer marks the sentence that answers best as **this** (bot/answer.py).
BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)


def styled(plain: str) -> Text:
    """The plain answer with its **marked** spans in bold and the stars gone."""
    text, at = Text(), 0
    for match in BOLD.finditer(plain):
        text.append(plain[at : match.start()])
        text.append(match[1], style="bold")
        at = match.end()
    text.append(plain[at:])
    return text


def run_chat(
    settings: Settings, retriever: Searcher, input: TextIO = sys.stdin, output: TextIO = sys.stdout
) -> None:
    """Answer questions typed in the terminal, with the same passages the bot would send.

    Bold is bold on a terminal; piped, the text comes out plain (rich decides, from the output).
    """
    paging: answer.Paging | None = None
    recent = Recent()  # the last question, for follow-ups ("Where does he live?")
    turn = conversation.Turn()
    note = ""  # said above the answer to the last question, and to its 'more'
    page: list[Hit] = []  # the passages last shown, at a glance until 'more' shows them whole
    whole, has_more = True, False
    # No wrapping (the terminal wraps; a pipe gets the lines as they are), no markup or emoji
    # codes read in the articles' text, no highlighting of numbers.
    console = Console(file=output, soft_wrap=True, markup=False, emoji=False, highlight=False)

    def say(text: str | Text) -> None:
        console.print(text)
        output.flush()

    say(INTRO)
    while True:
        console.print(PROMPT, end="")
        output.flush()
        try:
            line = input.readline()
        except KeyboardInterrupt:
            break
        if not line:  # EOF
            break
        text = clean_text(line).strip()
        if not text:  # a stray Enter is not a wish to leave
            continue
        if text.lower() in QUIT:
            break
        continued = text.lower() == "more"
        if continued and paging is not None and not whole:
            # 'more' first shows what Telegram keeps behind a tap: these quotes, whole.
            whole = True
            hint = "\n\n(type 'more' for more passages)" if has_more else ""
            say(styled(answer.whole_passages_plain(f"In full, on {paging.question}:", page) + hint))
            continue
        try:
            if continued:
                if paging is None:
                    say("Ask a question first.")
                    continue
            else:
                turn = conversation.read(text, recent, CHAT, retriever, settings.max_question_chars)
                if turn.reply is not None:
                    say(turn.reply.plain)
                    continue
                paging = answer.Paging(turn.query, settings.answer_passages)
            if continued:
                hits = retriever.search(paging.question, paging.wanted)
            else:
                found = retriever.search_with_reason(paging.question, paging.wanted)
                hits, note = found.hits, conversation.note(turn, found)
            page, has_more = paging.take(hits)
        except KeyboardInterrupt:
            break
        if continued and not page:
            say(answer.NOTHING_MORE)
            continue
        if not page:
            whole = True  # nothing shown, so nothing for 'more' to show whole
            say(conversation.nothing_found(turn).plain)
            continue
        if not continued:
            conversation.answered(recent, CHAT, turn, page)
        reply = answer.answer_reply(
            paging.question,
            page,
            more_data="more" if has_more else None,
            note=note,
            continued=continued,
            asked=turn.asked,
        )
        whole = not answer.glanced(page)
        say(styled(reply.plain))
    say("")
