"""Turn search hits into replies: Telegram HTML with buttons, and the same answer as plain text.

Pure functions, no `telegram` import, so the formatting is tested without Telegram and the
terminal chat shares it. Every piece of corpus or user text goes through `html.escape`; text is
shortened *before* escaping, so a cut never lands inside a tag or an entity.
"""

from __future__ import annotations

import html
import re
import textwrap
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from retrieval.answer_types import OPENS_ON_PRONOUN, names_no_one
from retrieval.chunking import split_sentences
from retrieval.records import Hit, Source, newest_first, published_parts

MAX_MESSAGE_UNITS = 4096  # Telegram's limit, in UTF-16 code units of the text after parsing
MAX_CALLBACK_BYTES = 64
MAX_ECHO_CHARS = 200  # how much of the question is repeated above the answer
MAX_ASIDE_CHARS = 100  # how much of each question the articles don't cover is repeated
_REPEATED_MARKS = re.compile(r"([?!])[?!]+")
MAX_LABEL_CHARS = 160  # a source line is one line, even for a run-on headline
MAX_SHORT_HEADLINE_CHARS = 40  # under a quote: about a phone's line with the outlet and date
# The words all the quotes of an answer show at a glance, key sentences and context together.
# Key sentences are shown whole even past it; over the development questions the three of an
# answer hold 80 words (median), so context mostly comes with short ones. With the header and
# source lines, what a reader sees is 111 words (median), 146 at most (`make bench`, glance).
GLANCE_WORDS = 80
# A key sentence opening on a pronoun for a person is shown with whom it speaks of, named this
# many sentences before it at most (`_whom`).
WHOM_SENTENCES = 2
ELLIPSIS = "…"

EXAMPLE_QUESTIONS: tuple[str, ...] = (
    "Who won the 2019 presidential election?",
    "What was the turnout?",
    "Were there protests on election day?",
    "How many people were detained?",
    "Was the internet blocked or slowed down?",
    "Who was the opposition candidate?",
)

NO_ANSWER = "The articles I have don't cover that."
EXPIRED = "This answer expired — please ask again."
ALREADY_SHOWN = "Already shown below."
NOTHING_MORE = "That's everything I have on this question."
NOT_TEXT = (
    "I can only read text. Send me your question about the 2019 election in Kazakhstan "
    "as a message, for example: "
)
ASK_USAGE = "Ask a question after the command, for example: /ask "
PROMPT = "Send me a question about Kazakhstan's 2019 presidential election, for example: "
RATE_LIMITED = "You're asking faster than I can answer — please wait a minute and ask again."
TOO_LONG = (
    "That message is too long for me to search. Please ask a shorter question, "
    "for example: Who won the election?"
)
OTHER_LANGUAGE = "For now I can only read questions in English. Please ask in English, for example:"
OTHER_LANGUAGE_RU = (
    "Пока я понимаю только вопросы на английском. Пожалуйста, спросите по-английски, например:"
)
SOMETHING_WRONG = "Sorry, something went wrong on my side. Please try again in a moment."
THANKS = "Thanks — noted."
VOTES = {1: "👍", -1: "👎"}
VOTED = " ✓"  # after the button of the vote given


@dataclass(frozen=True, slots=True)
class Button:
    """An inline keyboard button that sends `callback_data` back to the bot."""

    text: str
    callback_data: str

    def __post_init__(self) -> None:
        if len(self.callback_data.encode("utf-8")) > MAX_CALLBACK_BYTES:
            raise ValueError(
                f"callback_data is over {MAX_CALLBACK_BYTES} bytes: {self.callback_data!r}"
            )


@dataclass(frozen=True, slots=True)
class Reply:
    """One message: Telegram HTML, the same in plain text, and buttons (one per row, or all
    in one row when `one_row`: an answer's More, 👍 and 👎).

    The plain text may be given as a function: Telegram never needs it, the terminal does.
    """

    html: str
    plain_text: str | Callable[[], str]
    buttons: tuple[Button, ...] = ()
    one_row: bool = False

    @property
    def plain(self) -> str:
        return self.plain_text() if callable(self.plain_text) else self.plain_text


# --- measuring and shortening ---------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def visible_text(message_html: str) -> str:
    """The text Telegram shows for HTML this module built (all text in it is escaped)."""
    return html.unescape(re.sub(r"<[^>]*>", "", message_html))


def _units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def _is_glue(char: str) -> bool:
    # Joiners, variation selectors and combining marks belong to the character before them:
    # cutting right before one would leave half an emoji or a bare accent.
    return char in "\u200d\ufe0e\ufe0f" or unicodedata.combining(char) > 0


def shorten(text: str, limit: int) -> str:
    """`text` within `limit` UTF-16 units, cut at a word boundary and ended with "…"."""
    if utf16_len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    used, end = 0, 0
    for end, char in enumerate(text):  # noqa: B007 - `end` is used after the loop
        if used + _units(char) > limit - 1:
            break
        used += _units(char)
    cut = text[:end]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space > len(cut) // 2:
        cut = cut[:space]
    elif end < len(text) and (_is_glue(text[end]) or (cut and _is_glue(cut[-1]))):
        while cut and _is_glue(cut[-1]):
            cut = cut[:-1]
        cut = cut[:-1]
    # No "Recently,…": a comma or colon left at the cut reads like a typo.
    return cut.rstrip().rstrip(",;:") + ELLIPSIS


def shorten_start(text: str, limit: int) -> str:
    """`text` within `limit` units, keeping its end: "…" and the last whole words."""
    if utf16_len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    used, start = 0, len(text)
    while start > 0 and used + _units(text[start - 1]) <= limit - 1:
        start -= 1
        used += _units(text[start])
    tail = text[start:]
    space = tail.find(" ")
    if 0 <= space < len(tail) // 2:
        tail = tail[space + 1 :]
    while tail and _is_glue(tail[0]):
        tail = tail[1:]
    return ELLIPSIS + tail.lstrip()


# A question asking how things stand now ("what is kossanov doing these days?", "Is Nazarbayev
# still alive?"): the articles answer as of when they were written, and the reply says so.
_NOW = re.compile(
    r"\b(?:nowadays|these\s+days|currently|at\s+present|right\s+now|any\s?more|since\s+then"
    r"|ever\s+since|to\s+this\s+day|(?:doing|living|working)\s+now)\b|\bnow\s*[?!.]*\s*$"
    r"|\b(?:is|are|was|were|does|do|has|have)\s+(?:[\w’'-]+\s+){1,3}?still\b",
    re.I,
)
SINCE = "The articles answer as of when they were written; they can't say what has happened since."


def since_note(question: str) -> str:
    """SINCE when `question` asks how things stand now, else ""."""
    return SINCE if _NOW.search(question) else ""


def set_aside_note(sentences: Sequence[str]) -> str:
    """Said above an answer to part of a message: the questions in it the articles don't
    cover ("What was the weather like in Turkistan? And what did state TV avoid showing?" is
    answered on state TV), so no one reads the quotes as an answer to them."""
    if not sentences:
        return ""
    asked = " ".join(f"“{shorten(s, MAX_ASIDE_CHARS)}”" for s in sentences)
    return f"The articles don't cover {asked}"


def clip_question(text: str, limit: int) -> tuple[str, str]:
    """The part of a message to search, and a note when it had to be cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text, ""
    return shorten(text, limit).removesuffix(ELLIPSIS), (
        f"Your message was long, so I searched its first {limit} characters."
    )


# --- pieces ------------------------------------------------------------------------------------


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def format_date(published: str) -> str:
    """'2019-06-10' → '10 June 2019', '2019-06' → 'June 2019'; other text is shown as it is."""
    try:
        when = datetime.fromisoformat(published.replace("Z", "+00:00"))
    except ValueError:
        parts = published_parts(published)
        if parts is None or len(parts) == 3:
            return published.strip()
        return f"{datetime(*parts, 1):%B %Y}" if len(parts) == 2 else str(parts[0])
    return f"{when.day} {when:%B %Y}"


def short_outlet(outlet: str) -> str:
    """The outlet's name alone: 'RFE/RL, blog "Qishloq Ovozi"' → 'RFE/RL', 'CABAR.asia (…)' →
    'CABAR.asia'."""
    return re.split(r",| \(", outlet.strip())[0].strip()


def source_label(source: Source, *, short: bool = False) -> str:
    """'Outlet — Headline', or the outlet alone when there is no headline.

    `short` is the line under a quote: the outlet's name alone and the headline's first words,
    so it stays one line on a phone; /sources gives them whole.
    """
    outlet, title = source.outlet.strip(), " ".join(source.title.split())
    if short and title:
        outlet, title = short_outlet(outlet), shorten(title, MAX_SHORT_HEADLINE_CHARS)
    label = f"{outlet} — {title}" if outlet and title else outlet or title or "Source"
    return shorten(label, MAX_LABEL_CHARS)


def _linkable(url: str) -> bool:
    return url.startswith(("https://", "http://")) and not any(c.isspace() for c in url)


def source_html(source: Source, *, short: bool = False) -> tuple[str, str]:
    """The source line as HTML (a link when there is a URL) and as the visible text."""
    label, date = source_label(source, short=short), format_date(source.published)
    shown = _esc(label)
    if _linkable(source.url):
        shown = f'<a href="{_esc(source.url)}">{shown}</a>'
    if date:
        return f"{shown}, {_esc(date)}", f"{label}, {date}"
    return shown, label


def source_line(source: Source) -> tuple[str, str]:
    """The one short line under a quote, as HTML and as the visible text."""
    return source_html(source, short=True)


def _split_best(hit: Hit) -> tuple[str, str, str]:
    text, best = hit.text.strip(), hit.best_sentence.strip()
    at = text.find(best) if best else -1
    if at < 0:
        return text, "", ""
    return text[:at], best, text[at + len(best) :]


def _fit(parts: tuple[str, str, str], budget: int) -> tuple[str, str, str]:
    """(before, best, after) within `budget` units, keeping the best sentence."""
    before, best, after = parts
    if utf16_len(before) + utf16_len(best) + utf16_len(after) <= budget:
        return before, best, after
    if not best:
        return shorten(before, budget), "", ""
    lead = ELLIPSIS if before.strip() else ""
    if utf16_len(best) + len(lead) >= budget:
        return lead, shorten(best, budget - len(lead)), ""
    room = budget - utf16_len(best)
    # Context on both sides of the best sentence, what one side doesn't need goes to the other.
    after_room = min(utf16_len(after), room - min(utf16_len(before), room // 2))
    before_room = room - after_room
    return shorten_start(before, before_room), best, shorten(after, after_room)


def _fit_quote(hit: Hit, budget: int) -> tuple[str, str, str]:
    """(before, best, after) of the passage within `budget` units, keeping the best sentence."""
    return _fit(_split_best(hit), budget)


def _length(parts: tuple[str, str, str]) -> int:
    return sum(utf16_len(part) for part in parts)


def quote_length(hit: Hit) -> int:
    """Visible length of the whole passage."""
    return _length(_split_best(hit))


def balanced(parts: tuple[str, str, str]) -> tuple[str, str, str]:
    """(before, best, after) with a quotation the excerpt enters or leaves halfway made whole.

    An excerpt may start inside a quotation of the article ("… panicking before the election
    (to be held within a month).” On May 6, …"): its first mark closes a quotation whose
    opening was cut, and read as it is, the quotation seems to be the rest. The missing
    opening mark goes before the excerpt, a missing closing mark after it (curly double marks;
    straight ones can't tell opening from closing).
    """
    depth = opened = 0
    for c in "".join(parts):
        if c == "“":
            depth += 1
        elif c == "”":
            if depth:
                depth -= 1
            else:
                opened += 1
    if not opened and not depth:
        return parts
    out = list(parts)
    first = next((i for i, part in enumerate(out) if part), 0)
    last = max((i for i, part in enumerate(out) if part), default=2)
    out[first] = "“" * opened + out[first]
    out[last] = out[last] + "”" * depth
    return out[0], out[1], out[2]


def quote_html(parts: tuple[str, str, str], *, expandable: bool = False) -> str:
    before, best, after = balanced(parts)
    bold = f"<b>{_esc(best)}</b>" if best else ""
    tag = "blockquote expandable" if expandable else "blockquote"
    return f"<{tag}>{_esc(before)}{bold}{_esc(after)}</blockquote>"


def _shares(lengths: Sequence[int], total: int) -> list[int]:
    """Split `total` units among quotes: short ones take what they need, long ones share."""
    shares = [0] * len(lengths)
    left, remaining = total, len(lengths)
    for i in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        shares[i] = max(0, min(lengths[i], left // remaining))
        left -= shares[i]
        remaining -= 1
    return shares


# --- at a glance -------------------------------------------------------------------------------


def word_count(text: str) -> int:
    """Words as a reader counts them: runs of text holding a letter or a digit ("—" is none)."""
    return sum(1 for token in text.split() if any(c.isalnum() for c in token))


def visible_words(message_html: str) -> int:
    """Words of a message a reader sees without a tap: everything but expandable quotes."""
    shown = re.sub(r"<blockquote expandable>.*?</blockquote>", "", message_html, flags=re.S)
    return word_count(visible_text(shown))


def _neighbours(before: str, after: str) -> tuple[str, str]:
    """The sentence right before the key sentence and the one right after it (or "")."""
    previous = split_sentences(before)[-1:] if before.strip() else []
    following = split_sentences(after)[:1] if after.strip() else []
    # Sliced from the passage itself, so its spacing and paragraph breaks stay as they are.
    start = before.rfind(previous[0]) if previous else len(before)
    end = after.find(following[0]) + len(following[0]) if following else 0
    return before[start:], after[:end]


def _whom(before: str, best: str) -> str:
    """For a key sentence opening on a pronoun for a person ("He readily accepted …"), the
    sentences before it from the nearest naming someone, if within WHOM_SENTENCES: whom it
    speaks of ("Qosanov did criticize … After that, he was mainly quiet."). Else ""."""
    if not OPENS_ON_PRONOUN.match(best) or not before.strip():
        return ""
    sentences = split_sentences(before)[-WHOM_SENTENCES:]
    naming = [i for i, s in enumerate(sentences) if not names_no_one(s)]
    if not naming:
        return ""
    return before[before.rfind(sentences[naming[-1]]) :]


def glances(hits: Sequence[Hit], budget: int = GLANCE_WORDS) -> list[tuple[str, str, str]]:
    """What each quote shows at a glance: (context before, key sentence, context after).

    Every key sentence is shown whole, and one opening on "he", "she" or "they" with the
    sentence before it naming whom it speaks of (`_whom`), whatever the budget. Then, best hit
    first, each other quote gets one neighbouring sentence (the one before it, which often
    says who is speaking, else the one after) as long as all the glances together stay within
    `budget` words; the rest waits behind a tap. A passage without a key sentence shows its
    first sentence, in plain type.
    """
    parts = [_split_best(hit) for hit in hits]
    shown = [[_whom(before, best), best, ""] if best else [_first_sentence(before), "", ""]
             for before, best, _ in parts]  # fmt: skip
    used = sum(word_count("".join(glance)) for glance in shown)
    for (before, best, after), glance in zip(parts, shown, strict=True):
        if not best or glance[0]:
            continue
        for side, context in zip((0, 2), _neighbours(before, after), strict=True):
            if context and used + word_count(context) <= budget:
                glance[side] = context
                used += word_count(context)
                break
    return [(before, best, after) for before, best, after in shown]


def glanced(hits: Sequence[Hit]) -> bool:
    """Whether the glances at `hits` leave some of a passage out (behind a tap, or 'more')."""
    return any(_rests(glances(hits), [_split_best(hit) for hit in hits]))


def _rests(
    shown: Sequence[tuple[str, str, str]], whole: Sequence[tuple[str, str, str]]
) -> list[bool]:
    return [_length(g) < _length(w) for g, w in zip(shown, whole, strict=True)]


def _first_sentence(text: str) -> str:
    sentences = split_sentences(text)
    return text[: text.find(sentences[0]) + len(sentences[0])] if sentences else text


# --- replies ---------------------------------------------------------------------------------


def answer_reply(
    question: str,
    hits: Sequence[Hit],
    *,
    more_data: str | None = None,
    vote_key: str | None = None,
    note: str = "",
    continued: bool = False,
    asked: str | None = None,
) -> Reply:
    """The passages that answer `question`, each quoted with its source; "More" if `more_data`,
    👍 and 👎 if `vote_key` (the answer's key in the feedback store).

    The header repeats the question searched, unless it is just what the user `asked`: the
    answer sits right under their message (in groups, as a reply to it), so ten words more
    would say nothing. When a follow-up's subject was carried over, or a long message cut, it
    shows what was really searched.
    """
    if not hits:
        return no_answer_reply(question, note=note)
    # "Almaty??" echoed once is enough: "… on Almaty?:".
    echo = shorten(_REPEATED_MARKS.sub(r"\1", " ".join(question.split())), MAX_ECHO_CHARS)
    if continued:
        head_html, head_text = f"More on <i>{_esc(echo)}</i>:", f"More on {echo}:"
    elif asked is not None and " ".join(asked.split()) == " ".join(question.split()):
        head_html = head_text = "From the articles:"
    else:
        head_html = f"From the articles, on <i>{_esc(echo)}</i>:"
        head_text = f"From the articles, on {echo}:"
    if note:
        head_html += f"\n<i>{_esc(note)}</i>"
        head_text += f"\n{note}"
    sources = [source_line(hit.source) for hit in hits]
    shown = glances(hits)
    whole = [_split_best(hit) for hit in hits]
    # The whole passage goes behind a tap only when the glance leaves some of it out.
    rests = _rests(shown, whole)
    # Layout: head, then per hit "\n\n" + glance + ("\n" + whole passage) + "\n" + source.
    fixed = utf16_len(head_text) + sum(3 + utf16_len(text) for _, text in sources) + sum(rests)
    budget = MAX_MESSAGE_UNITS - fixed
    while True:
        message = "\n\n".join([head_html, *_quote_blocks(shown, whole, rests, sources, budget)])
        over = utf16_len(visible_text(message)) - MAX_MESSAGE_UNITS
        if over <= 0 or budget <= 0:
            break
        budget -= over  # a safety net; the arithmetic above is meant to be exact
    buttons: tuple[Button, ...] = (Button("More ›", more_data),) if more_data else ()
    if vote_key:
        buttons += vote_buttons(vote_key)

    def plain() -> str:  # wrapped for a terminal: most of the work, and only a terminal needs it
        quotes = (_plain_quote(g, hit.source) for g, hit in zip(shown, hits, strict=True))
        text = "\n\n".join([head_text, *quotes])
        if any(rests):
            return text + "\n\n(type 'more' for the whole passages)"
        return text + "\n\n(type 'more' for more passages)" if more_data else text

    return Reply(message, plain, buttons, one_row=True)


def _quote_blocks(
    shown: Sequence[tuple[str, str, str]],
    whole: Sequence[tuple[str, str, str]],
    rests: Sequence[bool],
    sources: Sequence[tuple[str, str]],
    budget: int,
) -> list[str]:
    """Each hit's glance, its whole passage behind a tap, and its source, in `budget` units.

    Glances come first: when even they don't fit (only ever with enormous passages), they
    share the space and no passage is repeated behind a tap.
    """
    glance_units = [_length(g) for g in shown]
    if sum(glance_units) > budget:
        shares = _shares(glance_units, budget)
        fitted = [_fit(g, share) for g, share in zip(shown, shares, strict=True)]
        return [f"{quote_html(g)}\n{line}" for g, (line, _) in zip(fitted, sources, strict=True)]
    lengths = [_length(w) if rest else 0 for w, rest in zip(whole, rests, strict=True)]
    shares = _shares(lengths, budget - sum(glance_units))
    blocks = []
    for glance, passage, share, (source, _) in zip(shown, whole, shares, sources, strict=True):
        block = quote_html(glance)
        if share > 0:
            block += "\n" + quote_html(_fit(passage, share), expandable=True)
        blocks.append(f"{block}\n{source}")
    return blocks


def plain_answer(question: str, hits: Sequence[Hit], note: str = "") -> str:
    """The answer as plain text for a terminal (`election-bot ask`): all hits, whole, under
    `note` (see `answer_reply`)."""
    if not hits:
        return no_answer_reply(question, note=note).plain
    head = f"From the articles, on {' '.join(question.split())}:"
    return whole_passages_plain(f"{head}\n{note}" if note else head, hits)


def whole_passages_plain(head: str, hits: Sequence[Hit]) -> str:
    """`head`, then each passage whole (what the terminal chat's 'more' shows first)."""
    return "\n\n".join([head, *(passage_plain(hit) for hit in hits)])


def passage_plain(hit: Hit) -> str:
    """One passage for the terminal: the quote with the best sentence in **stars**, its source."""
    return _plain_quote(_split_best(hit), hit.source, short=False)


def _plain_quote(parts: tuple[str, str, str], source: Source, *, short: bool = True) -> str:
    before, best, after = balanced(parts)
    # Quote marks around the passage, unless it opens and closes with its own ("“We will
    # win,” he said. “Vote!”"); inside ours, its own marks are single ones, as nested
    # quotations are.
    text = (before + best + after).strip()
    opening, closing = "“", "”"
    if text[:1] in _QUOTE_MARKS and text[-1:] in _QUOTE_MARKS:
        opening = closing = ""
    else:
        before, best, after = (part.translate(_NESTED) for part in (before, best, after))
    quote = " ".join((f"{before}**{best}**{after}" if best else before + after).split())
    body = textwrap.fill(quote, width=88, initial_indent=f"  {opening}", subsequent_indent="   ")
    _, line = source_html(source, short=short)
    url = f"\n     {source.url}" if source.url else ""
    return f"{body}{closing}\n   — {line}{url}"


_QUOTE_MARKS = frozenset("“”\"«»‘’'")
_NESTED = str.maketrans("“”", "‘’")


def passage_html(hit: Hit) -> str:
    """One passage as a message of its own (inline mode): the quote and its source."""
    source, source_text = source_html(hit.source)
    budget = MAX_MESSAGE_UNITS - utf16_len(source_text) - 1
    return f"{quote_html(_fit_quote(hit, budget))}\n{source}"


def examples_for(question: str, count: int = 2) -> list[str]:
    """A few example questions, varied by the question but the same for the same question."""
    start = zlib.crc32(question.encode("utf-8", "surrogatepass")) % len(EXAMPLE_QUESTIONS)
    picks = [EXAMPLE_QUESTIONS[(start + i) % len(EXAMPLE_QUESTIONS)] for i in range(count)]
    return picks


def no_answer_reply(question: str, note: str = "") -> Reply:
    """The honest "not covered" line and two example questions to try instead."""
    examples = examples_for(question)
    lines = [NO_ANSWER, "You could ask, for example:", *(f"• {q}" for q in examples)]
    if note:
        lines.insert(0, note)
    text = "\n".join(lines)
    return Reply(_esc(text), text, example_buttons(examples))


def small_talk_reply(text: str, examples: int, seed: str) -> Reply:
    """A person's reply to small talk (`text`), with `examples` example questions as buttons."""
    picks = examples_for(seed, examples) if examples else []
    plain = "\n".join([text, *(f"• {q}" for q in picks)])
    return Reply(_esc(text), plain, example_buttons(picks))


def language_reply(script: str, seed: str) -> Reply:
    """Questions are read in English for now: said in Russian too to Cyrillic, with examples."""
    lines = [OTHER_LANGUAGE_RU, OTHER_LANGUAGE] if script == "CYRILLIC" else [OTHER_LANGUAGE]
    return small_talk_reply("\n".join(lines), 2, seed)


def example_buttons(questions: Iterable[str]) -> tuple[Button, ...]:
    return tuple(Button(q, example_callback(EXAMPLE_QUESTIONS.index(q))) for q in questions)


def start_reply(sources: Sequence[Source] = ()) -> Reply:
    """/start: what the bot knows and three example questions as buttons."""
    # "RFE/RL, blog "Qishloq Ovozi"" and "CABAR.asia (Central …)" name the outlet first.
    outlets = sorted({short_outlet(s.outlet) for s in sources if s.outlet})
    count = f"{len(sources)} news articles" if sources else "a handful of news articles"
    where = f" ({', '.join(outlets)})" if outlets else ""
    text = (
        "Hello! I answer questions about Kazakhstan's presidential election of 9 June 2019 "
        f"and the protests around it, by quoting {count}{where}.\n"
        "Every answer is a quotation with a link to its source, so you can check it.\n\n"
        "Ask me anything, or try one of these:"
    )
    examples = EXAMPLE_QUESTIONS[:3]
    return Reply(
        _esc(text), text + "\n" + "\n".join(f"• {q}" for q in examples), example_buttons(examples)
    )


def help_reply(bot_username: str = "") -> Reply:
    """/help: how to ask in a private chat, in groups and inline."""
    at = f"@{bot_username}" if bot_username else "@this_bot"
    lines = [
        ("<b>How to ask</b>", "How to ask"),
        ("• Here: just type your question.", "• Here: just type your question."),
        (
            f"• In a group: <code>/ask your question</code>, reply to one of my messages, "
            f"or mention me ({_esc(at)}).",
            f"• In a group: /ask your question, reply to one of my messages, or mention me ({at}).",
        ),
        (
            f"• In any chat: type <code>{_esc(at)} your question</code> and pick a passage "
            "to send it.",
            f"• In any chat: type {at} your question and pick a passage to send it.",
        ),
        (
            "I answer with quotations from the articles, the key sentence in bold and a link "
            "to the source; tap ▸ under a quote for the whole passage. “More ›” shows further "
            "passages. You can ask a follow-up (“Where does he live?”). /sources lists the "
            "articles.",
            "I answer with quotations from the articles, the key sentence in **bold** and a link "
            "to the source. 'more' shows the quotes whole, then further passages. You can ask a "
            "follow-up ('Where does he live?').",
        ),
    ]
    return Reply("\n".join(h for h, _ in lines), "\n".join(t for _, t in lines))


def sources_reply(sources: Sequence[Source]) -> Reply:
    """/sources: the articles, newest first, each with outlet, headline, date and link."""
    if not sources:
        text = "I can't list the articles right now."
        return Reply(_esc(text), text)
    html_lines, text_lines = ["<b>The articles I quote</b>"], ["The articles I quote"]
    for i, source in enumerate(newest_first(sources), 1):
        line_html, line_text = source_html(source)
        html_lines.append(f"{i}. {line_html}")
        text_lines.append(f"{i}. {line_text}" + (f"\n   {source.url}" if source.url else ""))
    message = "\n".join(html_lines)
    # Five articles fit easily; a much larger corpus is cut to the limit rather than rejected.
    while utf16_len(visible_text(message)) > MAX_MESSAGE_UNITS and len(html_lines) > 2:
        html_lines.pop()
        message = "\n".join([*html_lines, "…"])
    return Reply(message, "\n".join(text_lines))


def _with_example(lead: str) -> Reply:
    text = lead + EXAMPLE_QUESTIONS[0]
    return Reply(_esc(text), text)


def not_text_reply() -> Reply:
    return _with_example(NOT_TEXT)


def ask_usage_reply() -> Reply:
    return _with_example(ASK_USAGE)


def prompt_reply() -> Reply:
    """For a message with nothing to search (only spaces) in a private chat."""
    return _with_example(PROMPT)


# --- inline results --------------------------------------------------------------------------


def inline_title(hit: Hit) -> str:
    return shorten(source_label(hit.source), 64)


def inline_description(hit: Hit) -> str:
    _, best, _ = _split_best(hit)
    return shorten(" ".join((best or hit.text).split()), 120)


# --- paging and button data ------------------------------------------------------------------


def hit_key(hit: Hit) -> str:
    """What makes two hits the same passage, for never showing one twice."""
    if hit.passage_id >= 0:
        return f"#{hit.passage_id}"
    return f"{hit.source.url}\n{hit.text}"


def next_page(hits: Sequence[Hit], shown: Iterable[str], size: int) -> tuple[list[Hit], bool]:
    """The next `size` hits not shown yet (duplicates dropped), and whether more remain."""
    seen = set(shown)
    fresh: list[Hit] = []
    for hit in hits:
        key = hit_key(hit)
        if key not in seen:
            seen.add(key)
            fresh.append(hit)
    return fresh[:size], len(fresh) > size


@dataclass
class Paging:
    """One question's answer page by page ("More"): the bot and the terminal chat share it.

    Each page asks the retriever for everything shown so far plus a page and one more (to know
    whether a further page exists), and never shows a passage twice.
    """

    question: str
    size: int
    shown: list[str] = field(default_factory=list)

    @property
    def wanted(self) -> int:
        """How many hits to search for, for the next page."""
        return len(self.shown) + self.size + 1

    def take(self, hits: Sequence[Hit]) -> tuple[list[Hit], bool]:
        """The next page of `hits`, now counted as shown, and whether more remain."""
        page, has_more = next_page(hits, self.shown, self.size)
        self.shown.extend(hit_key(hit) for hit in page)
        return page, has_more


MORE_DATA = re.compile(r"^m:([A-Za-z0-9_-]{1,24}):(\d{1,4})$")
EXAMPLE_DATA = re.compile(r"^ex:(\d{1,2})$")
VOTE_DATA = re.compile(r"^v:([A-Za-z0-9_-]{1,24}):([+-])$")


def more_callback(key: str, offset: int) -> str:
    return f"m:{key}:{offset}"


def parse_more(data: str | None) -> tuple[str, int] | None:
    """(key, offset) from a More button's data, None when it isn't one of ours."""
    match = MORE_DATA.match(data or "")
    return (match[1], int(match[2])) if match else None


def example_callback(index: int) -> str:
    return f"ex:{index}"


def parse_example(data: str | None) -> str | None:
    match = EXAMPLE_DATA.match(data or "")
    if match and int(match[1]) < len(EXAMPLE_QUESTIONS):
        return EXAMPLE_QUESTIONS[int(match[1])]
    return None


# --- votes -------------------------------------------------------------------------------------


def vote_buttons(key: str, chosen: int | None = None) -> tuple[Button, Button]:
    """👍 and 👎 for the answer `key`; the `chosen` one marked."""
    up, down = (
        Button(VOTES[value] + (VOTED if value == chosen else ""), vote_callback(key, value))
        for value in (1, -1)
    )
    return up, down


def vote_callback(key: str, value: int) -> str:
    return f"v:{key}:{'+' if value > 0 else '-'}"


def parse_vote(data: str | None) -> tuple[str, int] | None:
    """(answer key, 1 or -1) from a vote button's data, None when it isn't one of ours."""
    match = VOTE_DATA.fullmatch(data or "")  # fullmatch: "$" alone lets a final "\n" through
    return (match[1], 1 if match[2] == "+" else -1) if match else None


Keyboard = list[list[Button]]


def with_vote(rows: Sequence[Sequence[Button]], key: str, value: int) -> Keyboard:
    """An answer's keyboard once `value` was voted on it: that button marked, the other not."""
    marked = dict(zip((1, -1), vote_buttons(key, value), strict=True))
    return [
        [marked[vote[1]] if (vote := parse_vote(b.callback_data)) and vote[0] == key else b
         for b in row]
        for row in rows
    ]  # fmt: skip


def without_more(rows: Sequence[Sequence[Button]]) -> Keyboard:
    """An answer's keyboard once its More was pressed: the votes stay."""
    kept = [[b for b in row if parse_more(b.callback_data) is None] for row in rows]
    return [row for row in kept if row]
