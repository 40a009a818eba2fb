"""A stand-in of the Telegram Bot API on 127.0.0.1, strict where Telegram is strict.

    stub = BotApiStub().start()        # serves http://127.0.0.1:<port>/bot<token>/<method>
    stub.send_text(chat, user, "hi")    # an update the bot will get from getUpdates
    await stub.wait_for("sendMessage")  # what the bot sent, validated like Telegram would
    stub.plan(Fault("sendMessage", status=429, retry_after=1))   # faults, consumed in order
    stub.plan(Fault("sendMessage", act_then_drop=True))  # delivered, but the answer is lost
    stub.go_away(3.0)                   # connections refused (or 502s) for 3 seconds
    stub.stop()

`in_process_request(stub)` serves the same API to a bot without any socket, for tests that feed
thousands of updates through `process_update`.

It rejects what Telegram rejects, with Telegram's error JSON: malformed HTML or unsupported tags,
text over 4096 UTF-16 units after entity parsing, empty text, callback_data over 64 bytes, more
than 50 inline results, edits that change nothing. Every call is recorded in `stub.calls`.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import itertools
import json
import re
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from bot.batching import OneAtATime
from retrieval.records import Hit, Source

TOKEN = "123456789:" + "A" * 35
BOT_ID = 123456789
BOT_USERNAME = "election_test_bot"
MAX_TEXT_UNITS = 4096
MAX_CALLBACK_BYTES = 64
MAX_INLINE_RESULTS = 50
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
CHAT_ACTIONS = {
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
}  # fmt: skip

# Form-encoded requests carry everything as strings; these stay strings, the rest is JSON.
STRING_FIELDS = {
    "text", "parse_mode", "callback_query_id", "inline_query_id", "action", "caption", "url",
    "next_offset", "secret_token", "inline_message_id", "query", "switch_pm_text",
    "switch_pm_parameter", "language_code", "message_effect_id", "business_connection_id",
}  # fmt: skip


class ApiError(Exception):
    """A Bot API error response: Telegram's `{"ok": false, ...}` with this code and text."""

    def __init__(self, description: str, code: int = 400, parameters: dict | None = None):
        super().__init__(description)
        self.description, self.code, self.parameters = description, code, parameters


# --- Telegram's HTML, parsed as strictly as Telegram does -------------------------------------

ENTITY_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href"}, "span": {"class"}, "code": {"class"},
                      "blockquote": {"expandable"}, "tg-emoji": {"emoji-id"}}  # fmt: skip
ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[^<>]*?)?)\s*(/?)>")
ATTRIBUTE = re.compile(
    r"""\s*([A-Za-z][A-Za-z0-9_-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?"""
)
NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
MARKUP = re.compile(r"[&<>]")


@dataclass(frozen=True)
class Entity:
    type: str
    offset: int  # UTF-16 units, as Telegram reports them
    length: int
    url: str = ""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _parse_error(message: str, source: str, at: int) -> ApiError:
    offset = len(source[:at].encode("utf-8", "surrogatepass"))
    return ApiError(f"Bad Request: can't parse entities: {message} at byte offset {offset}")


def _decode_entity(source: str, at: int) -> tuple[str, int]:
    match = ENTITY.match(source, at)
    if not match:
        raise _parse_error("Character '&' is reserved and must be escaped", source, at)
    if match[1]:
        return NAMED[match[1]], match.end()
    point = int(match[2]) if match[2] else int(match[3], 16)
    if point == 0 or point > 0x10FFFF or 0xD800 <= point <= 0xDFFF:
        raise _parse_error(f"Invalid numeric entity {match[0]!r}", source, at)
    return chr(point), match.end()


def _decode(source: str, value: str, at: int) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "&":
            char, i = _decode_entity(value, i)
            out.append(char)
        elif value[i] in "<>":
            raise _parse_error("Unescaped '<' or '>' in an attribute", source, at)
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def parse_html(source: str) -> tuple[str, list[Entity]]:
    """Telegram's `parse_mode=HTML`: the visible text and its entities, or ApiError."""
    text: list[str] = []
    units = 0
    stack: list[tuple[str, int, dict[str, str], int]] = []  # name, start units, attrs, at
    entities: list[Entity] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "&":
            decoded, i = _decode_entity(source, i)
            text.append(decoded)
            units += utf16_len(decoded)
            continue
        if char == ">":
            raise _parse_error("Character '>' is reserved and must be escaped", source, i)
        if char != "<":  # a run of plain text, up to the next markup character
            special = MARKUP.search(source, i)
            end = special.start() if special else len(source)
            text.append(source[i:end])
            units += utf16_len(source[i:end])
            i = end
            continue
        match = TAG.match(source, i)
        if not match:
            raise _parse_error("Unclosed start tag or unescaped '<'", source, i)
        closing, name, rest, self_closing = match[1], match[2].lower(), match[3], match[4]
        if name not in ENTITY_TYPES or self_closing:
            raise _parse_error(f'Unsupported start tag "{name}"', source, i)
        if closing:
            if rest.strip():
                raise _parse_error(f'Unexpected attributes in end tag "{name}"', source, i)
            if not stack:
                raise _parse_error(f'Unexpected end tag "{name}"', source, i)
            open_name, start, attrs, _ = stack.pop()
            if open_name != name:
                raise _parse_error(
                    f'Unmatched end tag, expected "</{open_name}>", found "</{name}>"', source, i
                )
            entities.append(_entity(open_name, start, units - start, attrs))
        else:
            attrs = _attributes(source, rest, name, i)
            open_names = [open_name for open_name, *_ in stack]
            if {"code", "pre"} & set(open_names) and not (
                name == "code" and open_names[-1:] == ["pre"]
            ):
                raise _parse_error(f'Tag "{name}" is not allowed inside pre or code', source, i)
            if name in ("a", "blockquote") and name in open_names:
                raise _parse_error(f'Tag "{name}" can\'t be nested', source, i)
            stack.append((name, units, attrs, i))
        i = match.end()
    if stack:
        name, _, _, at = stack[-1]
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{name}"', source, at)
    return "".join(text), sorted(entities, key=lambda e: (e.offset, -e.length))


def _attributes(source: str, rest: str, name: str, at: int) -> dict[str, str]:
    attrs: dict[str, str] = {}
    pos = 0
    while rest[pos:].strip():
        match = ATTRIBUTE.match(rest, pos)
        if not match or match.end() == pos:
            raise _parse_error(f'Malformed attributes in tag "{name}"', source, at)
        attr = match[1].lower()
        if attr not in ALLOWED_ATTRIBUTES.get(name, set()):
            raise _parse_error(f'Unsupported attribute "{attr}" in tag "{name}"', source, at)
        value = next((v for v in match.groups()[1:] if v is not None), "")
        attrs[attr] = _decode(source, value, at)
        pos = match.end()
    if name == "a" and not attrs.get("href"):
        raise _parse_error('Tag "a" must have an href', source, at)
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise _parse_error('Tag "span" must have class "tg-spoiler"', source, at)
    if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
        raise _parse_error('Tag "tg-emoji" must have an emoji-id', source, at)
    return attrs


def _entity(name: str, start: int, length: int, attrs: dict[str, str]) -> Entity:
    kind = ENTITY_TYPES[name]
    if name == "blockquote" and "expandable" in attrs:
        kind = "expandable_blockquote"
    return Entity(kind, start, length, attrs.get("href", ""))


def check_text(text: Any, parse_mode: str | None, what: str = "message text") -> tuple[str, list]:
    """Validate a message text as Telegram would; returns (visible text, entities)."""
    if not isinstance(text, str) or not text.strip():
        raise ApiError(f"Bad Request: {what} is empty")
    if parse_mode is None:
        visible, entities = text, []
    elif parse_mode.lower() == "html":
        visible, entities = parse_html(text)
    else:
        raise ApiError(f"Bad Request: unsupported parse_mode {parse_mode!r} in this stand-in")
    if not visible.strip():
        raise ApiError(f"Bad Request: {what} is empty")
    if utf16_len(visible) > MAX_TEXT_UNITS:
        raise ApiError("Bad Request: message is too long")
    return visible, entities


def check_markup(markup: Any) -> dict | None:
    """Validate an inline keyboard: button texts present, callback_data 1..64 bytes."""
    if markup is None:
        return None
    if isinstance(markup, str):
        markup = json.loads(markup)
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list):
        raise ApiError("Bad Request: object expected as reply markup")
    for row in rows:
        for button in row:
            if not str(button.get("text", "")).strip():
                raise ApiError("Bad Request: text buttons are unallowed in the inline keyboard")
            if "callback_data" in button:
                size = len(str(button["callback_data"]).encode("utf-8"))
                if not 1 <= size <= MAX_CALLBACK_BYTES:
                    raise ApiError("Bad Request: BUTTON_DATA_INVALID")
            elif not (
                {"url", "switch_inline_query", "switch_inline_query_current_chat"} & set(button)
            ):
                raise ApiError("Bad Request: BUTTON_TYPE_INVALID")
    return markup if any(rows) else None


# --- faults ----------------------------------------------------------------------------------


@dataclass
class Fault:
    """A planned failure for the next call of `method` (None: any method but getUpdates).

    `status` 429 answers "Too Many Requests" with `retry_after`; other statuses answer an error
    JSON; `delay` sleeps before answering (or before the fault); `drop` closes the connection
    without an answer and without acting; `act_then_drop` acts on the call (a message is sent)
    and then closes the connection without an answer, as when Telegram's answer is lost on the
    way back. `times` is how many calls it affects.
    """

    method: str | None = None
    status: int | None = None
    retry_after: int = 1
    delay: float = 0.0
    drop: bool = False
    act_then_drop: bool = False
    times: int = 1

    def matches(self, method: str) -> bool:
        return self.method == method if self.method else method != "getUpdates"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    ok: bool = True
    error: str = ""
    result: Any = None
    at: float = field(default_factory=time.monotonic)
    answered: bool = True  # False: acted on, but the connection was closed before the answer


# --- the server ------------------------------------------------------------------------------


class BotApiStub:
    """The Bot API on 127.0.0.1 for one bot token; thread-safe, for tests."""

    def __init__(self, token: str = TOKEN, username: str = BOT_USERNAME, bot_id: int = BOT_ID):
        self.token, self.username, self.bot_id = token, username, bot_id
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.messages: dict[tuple[int, int], dict] = {}
        self.commands: list[dict] = []
        self.chats: dict[int, dict] = {}
        self.webhook_url = ""
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = {}
        self._open_queries: set[str] = set()
        self._query_ids = itertools.count(1)
        self._lock = threading.Condition()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._closing = False
        self._port = 0
        self.allowed_updates: set[str] | None = None  # None: every kind of update
        self._gone_until = 0.0  # until then every call is answered 502 (go_away(refuse=False))

    # lifecycle
    def start(self) -> BotApiStub:
        self._serve(("127.0.0.1", 0))
        return self

    def _serve(self, address: tuple[str, int]) -> None:
        stub = self

        class Handler(_Handler):
            pass

        Handler.stub = stub
        self._server = server = _Server(address, Handler)
        self._port = server.server_address[1]
        self._thread = threading.Thread(
            target=lambda: server.serve_forever(poll_interval=0.05), daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        with self._lock:
            self._closing = True
            self._lock.notify_all()
            server = self._server
        if server:
            server.shutdown()
            server.server_close()

    def __enter__(self) -> BotApiStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._port, "start() the stub first"
        return self._port

    @property
    def base_url(self) -> str:
        """What TELEGRAM_API_BASE_URL should be: the token is appended by the library."""
        return f"http://127.0.0.1:{self.port}/bot"

    # faults
    def plan(self, *faults: Fault) -> None:
        with self._lock:
            self.faults.extend(faults)

    def _take_fault(self, method: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(method):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    # recorded calls
    def calls_to(self, method: str, ok: bool | None = True) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and (ok is None or c.ok == ok)]

    def sent_since(self, mark: int, methods: tuple[str, ...] = ("sendMessage",)) -> list[Call]:
        with self._lock:
            return [c for c in self.calls[mark:] if c.method in methods and c.ok]

    def mark(self) -> int:
        with self._lock:
            return len(self.calls)

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        *,
        since: int = 0,
        where: Callable[[Call], bool] = lambda call: True,
        timeout: float = 10.0,
        ok: bool | None = True,
    ) -> list[Call]:
        """The first `count` calls to `method` after `since` matching `where`; waits for them."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = [
                    c for c in self.calls[since:]
                    if c.method == method and (ok is None or c.ok == ok) and where(c)
                ]  # fmt: skip
            if len(found) >= count:
                return found[:count]
            if time.monotonic() > deadline:
                raise AssertionError(f"{count} × {method} not received; got {self.summary(since)}")
            await asyncio.sleep(0.01)

    async def settle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until the bot has made no call but getUpdates for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                last = max((c.at for c in self.calls if c.method != "getUpdates"), default=0.0)
            if time.monotonic() - last >= quiet:
                return
            await asyncio.sleep(0.05)

    def summary(self, since: int = 0) -> list[str]:
        with self._lock:
            return [
                f"{c.method}{'' if c.ok else ' ✗ ' + c.error}"
                for c in self.calls[since:]
                if c.method != "getUpdates"
            ]

    # updates the test pushes
    def user(self, user_id: int = 1001, first_name: str = "Aigerim") -> dict:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}

    def private_chat(self, user: dict) -> dict:
        return self._chat({"id": user["id"], "type": "private", "first_name": user["first_name"]})

    def group_chat(self, chat_id: int = -100200300, title: str = "Election watchers") -> dict:
        return self._chat({"id": chat_id, "type": "supergroup", "title": title})

    def _chat(self, chat: dict) -> dict:
        with self._lock:
            self.chats[chat["id"]] = chat
        return chat

    def _next_message_id(self, chat_id: int) -> int:
        with self._lock:
            counter = self._message_ids.setdefault(chat_id, itertools.count(1))
            return next(counter)

    def push(self, **update: Any) -> int:
        """Queue an update for getUpdates; returns its update_id."""
        with self._lock:
            update_id = next(self._update_ids)
            self._updates.append({"update_id": update_id, **update})
            self._lock.notify_all()
        return update_id

    def take_updates(self) -> list[dict]:
        """Remove and return the queued updates, for tests that feed them in-process."""
        with self._lock:
            updates, self._updates = self._updates, []
        return updates

    def incoming(self, chat: dict, user: dict, **content: Any) -> dict:
        message = {
            "message_id": self._next_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            **content,
        }
        self.push(message=message)
        return message

    def send_text(self, chat: dict, user: dict, text: str, reply_to: dict | None = None) -> dict:
        """A text message from `user`, with the entities Telegram would add."""
        content: dict[str, Any] = {"text": text}
        entities = []
        if text.startswith("/"):
            command = text.split()[0]
            entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command)})
        for match in re.finditer(r"@[A-Za-z0-9_]{5,32}", text):
            entities.append({"type": "mention", "offset": utf16_len(text[: match.start()]),
                             "length": utf16_len(match[0])})  # fmt: skip
        if entities:
            content["entities"] = entities
        if reply_to is not None:
            content["reply_to_message"] = reply_to
        return self.incoming(chat, user, **content)

    def edit_text(self, message: dict, text: str) -> dict:
        """The user edits a message they sent: an `edited_message` update."""
        edited = {**message, "text": text, "edit_date": int(time.time())}
        edited.pop("entities", None)
        self.push(edited_message=edited)
        return edited

    def send_photo(self, chat: dict, user: dict, caption: str | None = None) -> dict:
        photo = [{"file_id": "AgACAgIAAxk", "file_unique_id": "AQAD", "width": 90,
                  "height": 60, "file_size": 1200}]  # fmt: skip
        content: dict[str, Any] = {"photo": photo}
        if caption is not None:
            content["caption"] = caption
        return self.incoming(chat, user, **content)

    def send_sticker(self, chat: dict, user: dict) -> dict:
        sticker = {"file_id": "CAACAgIAAxk", "file_unique_id": "AgAD", "width": 512,
                   "height": 512, "is_animated": False, "is_video": False, "type": "regular",
                   "emoji": "🗳"}  # fmt: skip
        return self.incoming(chat, user, sticker=sticker)

    def press(self, message: dict, data: str, user: dict) -> str:
        """The user presses a button of a message the bot sent; returns the callback query id."""
        query_id = str(next(self._query_ids) * 1000003)
        with self._lock:
            self._open_queries.add(query_id)
            current = self.messages.get((message["chat"]["id"], message["message_id"]), message)
        self.push(callback_query={"id": query_id, "from": user, "message": current,
                                  "chat_instance": "42", "data": data})  # fmt: skip
        return query_id

    def inline_query(self, user: dict, query: str) -> str:
        query_id = str(next(self._query_ids) * 1000033)
        with self._lock:
            self._open_queries.add(query_id)
        self.push(inline_query={"id": query_id, "from": user, "query": query, "offset": "",
                                "chat_type": "sender"})  # fmt: skip
        return query_id

    # serving one call: HTTP and in-process alike
    def respond(self, path: str, params: dict[str, Any]) -> tuple[int, dict | None]:
        """The answer to a call of `/bot<token>/<method>`: (status, JSON), JSON None = dropped."""
        prefix = f"/bot{self.token}/"
        if not path.startswith("/bot"):
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        if not path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = path[len(prefix) :]
        call = Call(method, params)
        if self._gone_until > time.monotonic():  # "gone" answering 502s, like a proxy would
            return self._failed(call, 502, "gone")
        fault = self._take_fault(method)
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.drop:
            return self._failed(call, 0, "dropped")
        if fault and fault.status == 429:
            self._failed(call, 429, "HTTP 429")
            return 429, {"ok": False, "error_code": 429,
                         "description": f"Too Many Requests: retry after {fault.retry_after}",
                         "parameters": {"retry_after": fault.retry_after}}  # fmt: skip
        if fault and fault.status:
            return self._failed(call, fault.status, f"HTTP {fault.status}")
        try:
            result = self.handle(method, params)
        except ApiError as exc:
            call.ok, call.error = False, exc.description
            with self._lock:
                self.calls.append(call)
            payload = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                payload["parameters"] = exc.parameters
            return exc.code, payload
        call.result = result
        call.answered = not (fault and fault.act_then_drop)
        if method != "getUpdates" or result:
            with self._lock:
                self.calls.append(call)
        return 200, ({"ok": True, "result": result} if call.answered else None)

    def _failed(self, call: Call, status: int, error: str) -> tuple[int, dict | None]:
        call.ok, call.error = False, error
        with self._lock:
            self.calls.append(call)
        if not status:
            return 0, None
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        return status, {"ok": False, "error_code": status, "description": phrase}

    def go_away(self, seconds: float, *, refuse: bool = True) -> None:
        """Be unreachable for `seconds`: connections refused (open ones closed), or 502 answers.

        Returns at once; service resumes on the same port by itself.
        """
        if not refuse:
            with self._lock:
                self._gone_until = time.monotonic() + seconds
            return
        assert self._server, "start() the stub first"
        port, server = self.port, self._server
        server.shutdown()
        server.server_close()
        server.close_connections()

        def come_back() -> None:
            time.sleep(seconds)
            with self._lock:
                if not self._closing:
                    self._serve(("127.0.0.1", port))

        threading.Thread(target=come_back, daemon=True).start()

    # the Bot API methods
    def handle(self, method: str, params: dict[str, Any]) -> Any:
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            raise ApiError("Not Found", 404)
        return handler(params)

    def _bot_user(self) -> dict:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Election answers",
                "username": self.username, "can_join_groups": True,
                "can_read_all_group_messages": False, "supports_inline_queries": True}  # fmt: skip

    def api_getMe(self, params: dict) -> dict:
        return self._bot_user()

    def api_deleteWebhook(self, params: dict) -> bool:
        return True

    def api_setWebhook(self, params: dict) -> bool:
        self.webhook_url = params.get("url", "")
        return True

    def api_getWebhookInfo(self, params: dict) -> dict:
        return {"url": self.webhook_url, "has_custom_certificate": False,
                "pending_update_count": 0}  # fmt: skip

    def api_close(self, params: dict) -> bool:
        return True

    def api_logOut(self, params: dict) -> bool:
        return True

    def api_getUpdates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        with self._lock:
            if "allowed_updates" in params:  # like Telegram: kept until the next one given
                self.allowed_updates = set(params["allowed_updates"] or ()) or None
            if offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if self.allowed_updates is not None:  # the others are never delivered
                self._updates = [u for u in self._updates if set(u) & self.allowed_updates]
            while not self._updates and not self._closing:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._lock.wait(min(left, 0.5))
            return self._updates[:limit]

    def _chat_for(self, chat_id: Any) -> dict:
        try:
            chat_id = int(chat_id)
        except (TypeError, ValueError):
            raise ApiError("Bad Request: chat not found") from None
        with self._lock:
            chat = self.chats.get(chat_id)
        if chat is None:
            raise ApiError("Bad Request: chat not found")
        return chat

    def api_sendMessage(self, params: dict) -> dict:
        chat = self._chat_for(params.get("chat_id"))
        visible, entities = check_text(params.get("text"), params.get("parse_mode"))
        markup = check_markup(params.get("reply_markup"))
        message = {"message_id": self._next_message_id(chat["id"]), "date": int(time.time()),
                   "chat": chat, "from": self._bot_user(), "text": visible}  # fmt: skip
        if entities:
            message["entities"] = [_entity_json(e) for e in entities]
        if markup:
            message["reply_markup"] = markup
        with self._lock:
            self.messages[(chat["id"], message["message_id"])] = message
        return message

    def _stored(self, params: dict) -> dict:
        if params.get("inline_message_id"):
            raise ApiError("Bad Request: inline messages aren't kept by this stand-in")
        chat = self._chat_for(params.get("chat_id"))
        with self._lock:
            message = self.messages.get((chat["id"], int(params.get("message_id") or 0)))
        if message is None:
            raise ApiError("Bad Request: message to edit not found")
        return message

    def api_editMessageText(self, params: dict) -> dict:
        message = self._stored(params)
        visible, entities = check_text(params.get("text"), params.get("parse_mode"))
        markup = check_markup(params.get("reply_markup"))
        new = {**message, "text": visible}
        new.pop("entities", None)
        new.pop("reply_markup", None)
        if entities:
            new["entities"] = [_entity_json(e) for e in entities]
        if markup:
            new["reply_markup"] = markup
        return self._replace(message, new)

    def api_editMessageReplyMarkup(self, params: dict) -> dict:
        message = self._stored(params)
        markup = check_markup(params.get("reply_markup"))
        new = {k: v for k, v in message.items() if k != "reply_markup"}
        if markup:
            new["reply_markup"] = markup
        return self._replace(message, new)

    def _replace(self, old: dict, new: dict) -> dict:
        if new == old:
            raise ApiError(NOT_MODIFIED)
        new["edit_date"] = int(time.time())
        with self._lock:
            self.messages[(new["chat"]["id"], new["message_id"])] = new
        return new

    def _close_query(self, query_id: Any) -> None:
        with self._lock:
            if str(query_id) not in self._open_queries:
                raise ApiError(QUERY_INVALID)
            self._open_queries.discard(str(query_id))

    def api_answerCallbackQuery(self, params: dict) -> bool:
        if len(str(params.get("text") or "")) > 200:
            raise ApiError("Bad Request: MESSAGE_TOO_LONG")
        self._close_query(params.get("callback_query_id"))
        return True

    def api_answerInlineQuery(self, params: dict) -> bool:
        results = params.get("results")
        if isinstance(results, str):
            results = json.loads(results)
        if not isinstance(results, list):
            raise ApiError("Bad Request: results must be an array")
        if len(results) > MAX_INLINE_RESULTS:
            raise ApiError("Bad Request: RESULTS_TOO_MUCH")
        ids = [str(r.get("id", "")) for r in results]
        if len(set(ids)) != len(ids):
            raise ApiError("Bad Request: RESULT_ID_DUPLICATE")
        for result in results:
            if not 1 <= len(str(result.get("id", "")).encode()) <= 64:
                raise ApiError("Bad Request: RESULT_ID_INVALID")
            if result.get("type") == "article" and not str(result.get("title", "")).strip():
                raise ApiError("Bad Request: RESULT_TITLE_EMPTY")
            content = result.get("input_message_content") or {}
            if "message_text" in content:
                check_text(content["message_text"], content.get("parse_mode"))
            elif result.get("type") == "article":
                raise ApiError("Bad Request: MESSAGE_EMPTY")
            check_markup(result.get("reply_markup"))
        self._close_query(params.get("inline_query_id"))
        return True

    def api_sendChatAction(self, params: dict) -> bool:
        self._chat_for(params.get("chat_id"))
        if params.get("action") not in CHAT_ACTIONS:
            raise ApiError("Bad Request: wrong parameter action in request")
        return True

    def api_setMyCommands(self, params: dict) -> bool:
        commands = params.get("commands")
        if isinstance(commands, str):
            commands = json.loads(commands)
        for command in commands or []:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise ApiError("Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise ApiError("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        with self._lock:
            self.commands = list(commands or [])
        return True

    def api_getMyCommands(self, params: dict) -> list[dict]:
        with self._lock:
            return list(self.commands)

    def api_deleteMyCommands(self, params: dict) -> bool:
        with self._lock:
            self.commands = []
        return True


def _entity_json(entity: Entity) -> dict:
    data = {"type": entity.type, "offset": entity.offset, "length": entity.length}
    if entity.url:
        data["url"] = entity.url
    return data


def _read_params(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        return json.loads(body)
    if content_type.startswith("multipart/"):
        raise ApiError("Bad Request: file uploads aren't supported by this stand-in")
    pairs = parse_qsl(body.decode("utf-8", "surrogatepass"), keep_blank_values=True)
    return {key: _typed(key, value) for key, value in pairs}


def _typed(key: str, value: str) -> Any:
    """A form field's value: text fields as sent, the others JSON-decoded when they parse."""
    if key in STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def in_process_request(stub: BotApiStub) -> Any:
    """A python-telegram-bot request that asks `stub` directly: no socket, no HTTP, no thread.

    For tests that feed thousands of updates through `process_update` (PTB's own tests do the
    same). As strict as the HTTP path: text that isn't valid UTF-8 can't be sent, and a dropped
    call raises what httpx would.
    """
    import httpx
    from telegram.error import NetworkError
    from telegram.request import BaseRequest, RequestData

    class Request(BaseRequest):
        async def initialize(self) -> None:
            pass

        async def shutdown(self) -> None:
            pass

        @property
        def read_timeout(self) -> float:
            return 1.0

        async def do_request(
            self, url: str, method: str, request_data: RequestData | None = None, **_: Any
        ) -> tuple[int, bytes]:
            fields = request_data.json_parameters if request_data else {}
            for value in fields.values():
                value.encode("utf-8")  # httpx can't send what isn't UTF-8 either
            params = {key: _typed(key, value) for key, value in fields.items()}
            status, payload = stub.respond("/" + url.split("/", 3)[3], params)
            if payload is None:
                dropped = httpx.RemoteProtocolError(
                    "Server disconnected without sending a response."
                )
                raise NetworkError(f"httpx.RemoteProtocolError: {dropped}") from dropped
            return status, json.dumps(payload).encode("utf-8")

    return Request()


class _Server(ThreadingHTTPServer):
    # socketserver's default backlog is 5: a burst of new connections (100 chats answered at
    # once) overflows it, and every dropped SYN costs the client a 1 s retransmission.
    request_queue_size = 1024
    daemon_threads = True

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.connections: set[socket.socket] = set()

    def close_connections(self) -> None:
        """Close every kept-alive connection, as a server that went away would."""
        for connection in list(self.connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like api.telegram.org
    stub: BotApiStub

    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.connections.add(self.connection)
        # The response goes out in several small writes (status, headers, body); with Nagle's
        # algorithm on, a keep-alive client's delayed ACK then stalls each reply by ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def finish(self) -> None:
        self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's signature
        pass  # the URL holds the token; tests read `stub.calls` instead

    def do_GET(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        stub = self.stub
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        try:
            params = _read_params(self.headers.get("Content-Type", ""), body)
            if query:
                params = {**dict(parse_qsl(query)), **params}
        except (ApiError, ValueError) as exc:
            description = (
                exc.description if isinstance(exc, ApiError) else "Bad Request: " + str(exc)
            )
            return self._send(400, {"ok": False, "error_code": 400, "description": description})
        status, payload = stub.respond(path, params)
        if payload is None:  # dropped: no answer, the connection closed
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return None
        return self._send(status, payload)

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except OSError:
            self.close_connection = True  # the client gave up (a cancelled long poll), or we left


def visible(call: Call) -> str:
    """The text of a sendMessage/editMessageText call as the user would see it."""
    return (
        parse_html(call.params["text"])[0] if call.params.get("parse_mode") else call.params["text"]
    )


# --- a fake retriever for the bot's tests ------------------------------------------------------
# Lives here with the other test doubles: the bot's tests need both, and neither needs a model.

SOURCES = [
    Source("Kazakhstan's Tokayev wins election <as expected>", "Reuters",
           "https://example.test/reuters?id=1&lang=en", "2019-06-10"),
    Source("Hundreds detained in election-day protests", "RFE/RL",
           "https://example.test/rferl/protests", "2019-06-09"),
    Source("", "Eurasianet", "https://example.test/eurasianet", "2019-06-11"),
]  # fmt: skip

PASSAGES = [
    (0, "Kassym-Jomart Tokayev won the election with about 71 percent of the vote, the central "
        "election commission said. Observers criticised the count.",
     "Kassym-Jomart Tokayev won the election with about 71 percent of the vote, the central "
     "election commission said."),
    (0, "Turnout was 77.4 percent, according to officials. Critics said the figure & others "
        "were inflated.", "Turnout was 77.4 percent, according to officials."),
    (1, "Police detained hundreds of protesters in Almaty and Nur-Sultan on election day. "
        "Protests continued the next evening.",
     "Police detained hundreds of protesters in Almaty and Nur-Sultan on election day."),
    (1, "Protesters chanted \"Shame!\" and <carried> blank placards; police detained them within "
        "minutes.", "police detained them within minutes."),
    (1, "The interior ministry said about 500 protesters were detained on Sunday and more on "
        "Monday.", "about 500 protesters were detained"),
    (2, "Mobile internet was blocked in the capital during the protests, users reported.",
     "Mobile internet was blocked in the capital during the protests"),
    (2, "Opposition candidate Amirzhan Kosanov came second with 16 percent; he did not call "
        "for protests.", "Amirzhan Kosanov came second with 16 percent"),
    (2, "Human rights groups said detentions of protesters were arbitrary. 😀 Some were "
        "fined, others jailed for up to 15 days.", "detentions of protesters were arbitrary."),
    (1, "Journalists covering the protests were among those detained, RFE/RL reported.", ""),
]  # fmt: skip

STOP_WORDS = {"what", "were", "there", "was", "the", "who", "how", "many", "and", "did", "about"}


def bot_settings(base_url: str, **overrides: Any) -> Any:
    """The bot's settings pointed at a stand-in, never at .env or the environment's token.

    The feedback database is a fresh one in a temporary directory unless `feedback_db` is given:
    a test never writes into the repository's data/. Nothing comes from the environment, so
    questions are kept (the default) unless told otherwise.
    """
    from bot.config import Settings

    if "feedback_db" not in overrides:
        scratch = tempfile.mkdtemp(prefix="election-bot-feedback-")
        atexit.register(shutil.rmtree, scratch, True)
        overrides["feedback_db"] = f"{scratch}/feedback.sqlite3"
    return Settings.from_values(
        telegram_bot_token=TOKEN, telegram_api_base_url=base_url, **overrides
    )


@contextlib.asynccontextmanager
async def polling(application: Any) -> AsyncIterator[Any]:
    """Run `application` as `run_polling` does (post_init, polling, handlers), then stop it."""
    from bot.app import ALLOWED_UPDATES  # the kinds of update `serve` asks Telegram for

    def polling_failed(exc: Exception) -> None:  # what run_polling does with them
        application.create_task(application.process_error(error=exc, update=None))

    async with application:
        if application.post_init:
            await application.post_init(application)
        await application.updater.start_polling(
            poll_interval=0,
            timeout=1,
            allowed_updates=ALLOWED_UPDATES,
            error_callback=polling_failed,
        )
        await application.start()
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)


class FakeRetriever(OneAtATime):
    """Deterministic keyword search over `PASSAGES`: instant, exact, no model."""

    fingerprint = "fake-corpus-fingerprint"

    def __init__(self, delay: float = 0.0, fail: bool = False):
        self.delay, self.fail = delay, fail
        self.questions: list[tuple[str, int]] = []
        self.hits = [
            Hit(text, 1.0, SOURCES[s], passage_id=i, best_sentence=best)
            for i, (s, text, best) in enumerate(PASSAGES)
        ]

    def search(self, question: str, k: int) -> list[Hit]:
        # Strict like the model's tokenizer, which refuses text that isn't valid Unicode.
        question.encode("utf-8")
        self.questions.append((question, k))
        if self.delay:
            time.sleep(self.delay)  # CPU-bound in real life: blocks its thread like this
        if self.fail:
            raise RuntimeError("index exploded")
        words = {w[:6] for w in re.findall(r"\w+", question.lower()) if len(w) > 2} - STOP_WORDS
        scored = []
        for hit in self.hits:
            score = len(words & {w[:6] for w in re.findall(r"\w+", hit.text.lower())})
            scored.append((score, -hit.passage_id, hit))
        return [hit for score, _, hit in sorted(scored, reverse=True) if score > 0][:k]

    def sources(self) -> list[Source]:
        return list(SOURCES)
