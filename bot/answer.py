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

from retrieval.records import Hit, Source, newest_first, published_parts

MAX_MESSAGE_UNITS = 4096  # Telegram's limit, in UTF-16 code units of the text after parsing
MAX_CALLBACK_BYTES = 64
MAX_ECHO_CHARS = 200  # how much of the question is repeated above the answer
MAX_LABEL_CHARS = 160  # a source line is one line, even for a run-on headline
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
RATE_LIMITED = "You're asking faster than I can answer — please wait a minute and ask again."
TOO_LONG = (
    "That message is too long for me to search. Please ask a shorter question, "
    "for example: Who won the election?"
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
    return cut.rstrip() + ELLIPSIS


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
        when = datetime.fromisoformat(published.strip().replace("Z", "+00:00"))
    except ValueError:
        parts = published_parts(published)
        if parts is None or len(parts) == 3:
            return published.strip()
        return f"{datetime(*parts, 1):%B %Y}" if len(parts) == 2 else str(parts[0])
    return f"{when.day} {when:%B %Y}"


def source_label(source: Source) -> str:
    """'Outlet — Headline', or the outlet alone when there is no headline."""
    outlet, title = source.outlet.strip(), " ".join(source.title.split())
    label = f"{outlet} — {title}" if outlet and title else outlet or title or "Source"
    return shorten(label, MAX_LABEL_CHARS)


def _linkable(url: str) -> bool:
    return url.startswith(("https://", "http://")) and not any(c.isspace() for c in url)


def source_html(source: Source) -> tuple[str, str]:
    """The source line as HTML (a link when there is a URL) and as the visible text."""
    label, date = source_label(source), format_date(source.published)
    shown = _esc(label)
    if _linkable(source.url):
        shown = f'<a href="{_esc(source.url)}">{shown}</a>'
    if date:
        return f"{shown}, {_esc(date)}", f"{label}, {date}"
    return shown, label


def _split_best(hit: Hit) -> tuple[str, str, str]:
    text, best = hit.text.strip(), hit.best_sentence.strip()
    at = text.find(best) if best else -1
    if at < 0:
        return text, "", ""
    return text[:at], best, text[at + len(best) :]


def _fit_quote(hit: Hit, budget: int) -> tuple[str, str, str]:
    """(before, best, after) of the passage within `budget` units, keeping the best sentence."""
    before, best, after = _split_best(hit)
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


def quote_length(hit: Hit) -> int:
    """Visible length of the whole passage."""
    return sum(utf16_len(part) for part in _split_best(hit))


def quote_html(parts: tuple[str, str, str]) -> str:
    before, best, after = parts
    bold = f"<b>{_esc(best)}</b>" if best else ""
    return f"<blockquote>{_esc(before)}{bold}{_esc(after)}</blockquote>"


def _shares(lengths: Sequence[int], total: int) -> list[int]:
    """Split `total` units among quotes: short ones take what they need, long ones share."""
    shares = [0] * len(lengths)
    left, remaining = total, len(lengths)
    for i in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        shares[i] = max(0, min(lengths[i], left // remaining))
        left -= shares[i]
        remaining -= 1
    return shares


# --- replies ---------------------------------------------------------------------------------


def answer_reply(
    question: str,
    hits: Sequence[Hit],
    *,
    more_data: str | None = None,
    vote_key: str | None = None,
    note: str = "",
    continued: bool = False,
) -> Reply:
    """The passages that answer `question`, each quoted with its source; "More" if `more_data`,
    👍 and 👎 if `vote_key` (the answer's key in the feedback store)."""
    if not hits:
        return no_answer_reply(question, note=note)
    echo = shorten(" ".join(question.split()), MAX_ECHO_CHARS)
    intro = "More on" if continued else "From the articles, on"
    head_html = f"{intro} <i>{_esc(echo)}</i>:"
    head_text = f"{intro} {echo}:"
    if note:
        head_html += f"\n<i>{_esc(note)}</i>"
        head_text += f"\n{note}"
    sources = [source_html(hit.source) for hit in hits]
    # Layout: head, then per hit "\n\n" + quote + "\n" + source line.
    fixed = utf16_len(head_text) + sum(3 + utf16_len(text) for _, text in sources)
    budget = MAX_MESSAGE_UNITS - fixed
    lengths = [quote_length(hit) for hit in hits]
    while True:
        shares = _shares(lengths, budget)
        blocks = [
            f"{quote_html(_fit_quote(hit, share))}\n{source}"
            for hit, share, (source, _) in zip(hits, shares, sources, strict=True)
        ]
        message = "\n\n".join([head_html, *blocks])
        over = utf16_len(visible_text(message)) - MAX_MESSAGE_UNITS
        if over <= 0 or budget <= 0:
            break
        budget -= over  # a safety net; the arithmetic above is meant to be exact
    buttons: tuple[Button, ...] = (Button("More ›", more_data),) if more_data else ()
    if vote_key:
        buttons += vote_buttons(vote_key)

    def plain() -> str:  # wrapped for a terminal: most of the work, and only a terminal needs it
        text = "\n\n".join([head_text, *(passage_plain(hit) for hit in hits)])
        return text + "\n\n(type 'more' for more passages)" if more_data else text

    return Reply(message, plain, buttons, one_row=True)


def plain_answer(question: str, hits: Sequence[Hit]) -> str:
    """The answer as plain text for a terminal (`election-bot ask`), all hits, no More."""
    return answer_reply(question, hits).plain


def passage_plain(hit: Hit) -> str:
    """One passage for the terminal: the quote with the best sentence in **stars**, its source."""
    before, best, after = _split_best(hit)
    quote = " ".join((f"{before}**{best}**{after}" if best else before).split())
    # Quote marks around the passage, unless it opens (or closes) with one of its own.
    opening = "" if quote[:1] in _QUOTE_MARKS else "“"
    closing = "" if quote[-1:] in _QUOTE_MARKS else "”"
    body = textwrap.fill(quote, width=88, initial_indent=f"  {opening}", subsequent_indent="   ")
    _, source = source_html(hit.source)
    url = f"\n     {hit.source.url}" if hit.source.url else ""
    return f"{body}{closing}\n   — {source}{url}"


_QUOTE_MARKS = frozenset("“”\"«»‘’'")


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


def example_buttons(questions: Iterable[str]) -> tuple[Button, ...]:
    return tuple(Button(q, example_callback(EXAMPLE_QUESTIONS.index(q))) for q in questions)


def start_reply(sources: Sequence[Source] = ()) -> Reply:
    """/start: what the bot knows and three example questions as buttons."""
    # "RFE/RL, blog "Qishloq Ovozi"" and "CABAR.asia (Central …)" name the outlet first.
    outlets = sorted({re.split(r",| \(", s.outlet)[0] for s in sources if s.outlet})
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
            "to the source. “More ›” shows further passages. /sources lists the articles.",
            "I answer with quotations from the articles, the key sentence in **bold** and a link "
            "to the source. 'more' shows further passages.",
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


def not_text_reply() -> Reply:
    text = NOT_TEXT + EXAMPLE_QUESTIONS[0]
    return Reply(_esc(text), text)


def ask_usage_reply() -> Reply:
    text = ASK_USAGE + EXAMPLE_QUESTIONS[0]
    return Reply(_esc(text), text)


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
