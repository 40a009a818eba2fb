"""The Bot API stand-in in a process of its own, driven over stdin/stdout with JSON lines.

In-process, the stand-in's HTTP server shares the bot's interpreter (and its GIL), so an
end-to-end run measures both; Telegram's servers are another machine. Commands, one a line:
    {"op": "ask", "chats": [[chat_id, text], ...]}   -> {"pushed": {chat_id: t}}
    {"op": "wait", "chats": [chat_id, ...], "since": n, "timeout": s} -> {"got": {chat_id: t}}
    {"op": "mark"} -> {"mark": n}
    {"op": "count", "method": m, "since": n} -> {"count": calls of m since call n}
Times are time.monotonic(), which is one clock for every process on the machine.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any


def serve() -> None:
    """Run the stand-in and answer commands until stdin closes."""
    from tests.botapi_stub import BotApiStub

    with BotApiStub() as stub:
        print(json.dumps({"base_url": stub.base_url}), flush=True)
        for line in sys.stdin:
            cmd = json.loads(line)
            if cmd["op"] == "mark":
                reply: dict[str, Any] = {"mark": stub.mark()}
            elif cmd["op"] == "ask":
                pushed = {}
                for chat_id, text in cmd["chats"]:
                    user = stub.user(chat_id, f"User{chat_id}")
                    pushed[chat_id] = time.monotonic()
                    stub.send_text(stub.private_chat(user), user, text)
                reply = {"pushed": pushed}
            elif cmd["op"] == "count":
                calls = stub.sent_since(cmd["since"], (cmd["method"],))
                reply = {"count": len(calls)}
            elif cmd["op"] == "wait":
                reply = {"got": _wait(stub, set(cmd["chats"]), cmd["since"], cmd["timeout"])}
            else:
                reply = {"error": f"unknown op {cmd['op']!r}"}
            print(json.dumps(reply), flush=True)


def replies(stub: Any, chats: set[int], since: int) -> dict[int, float]:
    """When each of `chats` got its first sendMessage after call number `since` (so far)."""
    got: dict[int, float] = {}
    for call in stub.sent_since(since):
        chat = int(call.params["chat_id"])
        if chat in chats and chat not in got:
            got[chat] = call.at
    return got


def _wait(stub: Any, chats: set[int], since: int, timeout: float) -> dict[int, float]:
    deadline = time.monotonic() + timeout
    got = replies(stub, chats, since)
    while len(got) < len(chats) and time.monotonic() < deadline:
        time.sleep(0.005)
        got = replies(stub, chats, since)
    return got


class RemoteStub:
    """The parent's handle on a stand-in process."""

    def __init__(self, process: asyncio.subprocess.Process, base_url: str) -> None:
        self.process, self.base_url = process, base_url

    async def _call(self, **cmd: Any) -> dict:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write((json.dumps(cmd) + "\n").encode())
        await self.process.stdin.drain()
        return json.loads(await self.process.stdout.readline())

    async def mark(self) -> int:
        return (await self._call(op="mark"))["mark"]

    async def ask(self, chats: list[tuple[int, str]]) -> dict[int, float]:
        pushed = (await self._call(op="ask", chats=chats))["pushed"]
        return {int(k): v for k, v in pushed.items()}

    async def count(self, method: str, since: int) -> int:
        """How many successful calls of `method` the bot made since call number `since`."""
        return (await self._call(op="count", method=method, since=since))["count"]

    async def wait(self, chats: list[int], since: int, timeout: float = 60) -> dict[int, float]:
        got = (await self._call(op="wait", chats=chats, since=since, timeout=timeout))["got"]
        return {int(k): v for k, v in got.items()}


@asynccontextmanager
async def remote_stub() -> AsyncIterator[RemoteStub]:
    """Start the stand-in process, yield its handle, and stop it."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.remote_stub",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout
        hello = json.loads(await process.stdout.readline())
        yield RemoteStub(process, hello["base_url"])
    finally:
        if process.stdin:
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 5)
        except TimeoutError:
            process.kill()


if __name__ == "__main__":
    serve()
