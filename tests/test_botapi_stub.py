"""The Bot API stand-in rejects what Telegram rejects, so the bot's tests can fail."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request

import pytest

from tests.botapi_stub import (
    TOKEN,
    ApiError,
    BotApiStub,
    Fault,
    check_markup,
    in_process_request,
    parse_html,
)


@pytest.mark.parametrize(
    "bad",
    [
        "<b>unclosed",
        "<b><i>crossed</b></i>",
        "</b>",
        "<div>block</div>",
        "<br/>",
        "<span>no class</span>",
        "<a>no href</a>",
        '<b class="x">attribute</b>',
        "Tom & Jerry",
        "&nbsp;",
        "&#0;",
        "1 < 2",
        "2 > 1",
        "<blockquote><blockquote>nested</blockquote></blockquote>",
        '<a href="https://a.test"><a href="https://b.test">x</a></a>',
        "<code><b>bold code</b></code>",
    ],
)
def test_rejects_malformed_html(bad: str) -> None:
    with pytest.raises(ApiError, match="(?i)can't parse entities"):
        parse_html(bad)


def test_parses_supported_html_with_entities_in_utf16() -> None:
    text, entities = parse_html(
        '😀 <b>bold &amp; &lt;safe&gt;</b> <a href="https://x.test/?a=1&amp;b=2">link</a> '
        '<blockquote expandable>q</blockquote> <span class="tg-spoiler">s</span> &#x27;&#39;'
        '<pre><code class="language-python">x</code></pre>'
    )
    assert text == "😀 bold & <safe> link q s ''x"
    bold = next(e for e in entities if e.type == "bold")
    assert (bold.offset, bold.length) == (3, 13)  # the emoji is two UTF-16 units
    assert next(e for e in entities if e.type == "text_link").url == "https://x.test/?a=1&b=2"
    assert any(e.type == "expandable_blockquote" for e in entities)


def test_rejects_callback_data_over_64_bytes() -> None:
    ok = {"inline_keyboard": [[{"text": "ok", "callback_data": "é" * 32}]]}
    assert check_markup(ok) == ok
    with pytest.raises(ApiError, match="BUTTON_DATA_INVALID"):
        check_markup({"inline_keyboard": [[{"text": "x", "callback_data": "é" * 32 + "x"}]]})


def _call(stub: BotApiStub, method: str, **params: object) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{stub.base_url}{TOKEN}/{method}",
        data=json.dumps(params).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_over_long_and_empty_text_are_rejected_with_telegrams_error(stub: BotApiStub) -> None:
    chat = stub.private_chat(stub.user())
    code, body = _call(stub, "sendMessage", chat_id=chat["id"], text="x" * 4097)
    assert (code, body) == (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"},
    )
    # 4096 UTF-16 units is fine even when the HTML source is longer; 2049 emoji are not.
    assert _call(stub, "sendMessage", chat_id=chat["id"], text="&amp;" * 4096,
                 parse_mode="HTML")[0] == 200  # fmt: skip
    assert _call(stub, "sendMessage", chat_id=chat["id"], text="😀" * 2049)[0] == 400
    assert (
        _call(stub, "sendMessage", chat_id=chat["id"], text="<b> </b>", parse_mode="HTML")[1][
            "description"
        ]
        == "Bad Request: message text is empty"
    )


def test_edit_that_changes_nothing_is_not_modified(stub: BotApiStub) -> None:
    chat = stub.private_chat(stub.user())
    _, sent = _call(stub, "sendMessage", chat_id=chat["id"], text="<b>hi</b>", parse_mode="HTML")
    message_id = sent["result"]["message_id"]
    code, body = _call(stub, "editMessageText", chat_id=chat["id"], message_id=message_id,
                       text="<b>hi</b>", parse_mode="HTML")  # fmt: skip
    assert code == 400 and "message is not modified" in body["description"]
    assert (
        _call(stub, "editMessageReplyMarkup", chat_id=chat["id"], message_id=message_id)[0] == 400
    )
    assert _call(stub, "editMessageText", chat_id=chat["id"], message_id=message_id,
                 text="<i>hi</i>", parse_mode="HTML")[0] == 200  # fmt: skip


def test_inline_results_are_capped_at_50(stub: BotApiStub) -> None:
    query_id = stub.inline_query(stub.user(), "q")
    result = {"type": "article", "title": "t", "input_message_content": {"message_text": "m"}}
    results = [{**result, "id": str(i)} for i in range(51)]
    code, body = _call(stub, "answerInlineQuery", inline_query_id=query_id, results=results)
    assert body["description"] == "Bad Request: RESULTS_TOO_MUCH"
    assert (
        _call(stub, "answerInlineQuery", inline_query_id=query_id, results=results[:50])[0] == 200
    )
    # a query is answered once
    assert _call(stub, "answerInlineQuery", inline_query_id=query_id, results=[])[0] == 400


def test_planned_faults_429_and_500_then_normal_service(stub: BotApiStub) -> None:
    stub.plan(Fault("getMe", status=429, retry_after=3), Fault("getMe", status=500))
    code, body = _call(stub, "getMe")
    assert code == 429 and body["parameters"] == {"retry_after": 3}
    assert _call(stub, "getMe")[0] == 500
    assert _call(stub, "getMe")[1]["result"]["username"] == stub.username


def test_wrong_token_is_unauthorized(stub: BotApiStub) -> None:
    request = urllib.request.Request(f"{stub.base_url}1:wrong/getMe", data=b"{}")
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=5)
    assert error.value.code == 401


def test_act_then_drop_delivers_the_message_but_no_answer(stub: BotApiStub) -> None:
    chat = stub.private_chat(stub.user())
    stub.plan(Fault("sendMessage", act_then_drop=True), Fault("sendMessage", drop=True))
    for _ in range(2):
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            _call(stub, "sendMessage", chat_id=chat["id"], text="hi")
    acted, dropped = stub.calls_to("sendMessage", ok=None)
    assert acted.ok and not acted.answered and acted.result["text"] == "hi"
    assert not dropped.ok and dropped.error == "dropped"


def test_gone_refuses_connections_then_comes_back_on_the_same_port(stub: BotApiStub) -> None:
    port = stub.port
    assert _call(stub, "getMe")[0] == 200
    stub.go_away(0.5)
    with pytest.raises(urllib.error.URLError):
        _call(stub, "getMe")
    time.sleep(0.8)
    assert stub.port == port and _call(stub, "getMe")[0] == 200


def test_gone_with_502_answers_bad_gateway_for_a_while(stub: BotApiStub) -> None:
    stub.go_away(0.3, refuse=False)
    assert _call(stub, "getMe") == (
        502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
    )  # fmt: skip
    time.sleep(0.4)
    assert _call(stub, "getMe")[0] == 200


def test_get_updates_delivers_only_the_allowed_kinds_like_telegram(stub: BotApiStub) -> None:
    user = stub.user()
    sent = stub.send_text(stub.private_chat(user), user, "hi")
    stub.edit_text(sent, "hello")
    code, body = _call(stub, "getUpdates", allowed_updates=["message"])
    assert [set(u) - {"update_id"} for u in body["result"]] == [{"message"}]
    stub.edit_text(sent, "hey")
    assert _call(stub, "getUpdates", offset=body["result"][0]["update_id"] + 1)[1]["result"] == []


async def test_in_process_request_serves_the_bot_without_a_socket(stub: BotApiStub) -> None:
    from telegram import Bot
    from telegram.error import BadRequest, NetworkError

    bot = Bot(TOKEN, base_url="http://stand-in.invalid/bot", request=in_process_request(stub))
    chat = stub.private_chat(stub.user())
    async with bot:
        assert (await bot.send_message(chat["id"], "<b>hi</b>", parse_mode="HTML")).text == "hi"
        with pytest.raises(BadRequest, match="(?i)can't parse entities"):
            await bot.send_message(chat["id"], "<b>hi", parse_mode="HTML")
        with pytest.raises(NetworkError, match="Unknown error"):  # not UTF-8: never sent
            await bot.send_message(chat["id"], "hi\ud800")
        stub.plan(Fault("sendMessage", act_then_drop=True))
        with pytest.raises(NetworkError, match="RemoteProtocolError"):
            await bot.send_message(chat["id"], "once")
    assert [c.params["text"] for c in stub.calls_to("sendMessage")] == ["<b>hi</b>", "once"]
