"""The benchmark suite behind `python -m benchmarks` (`make bench`): one run, one table, one JSON.

Everything is measured in the same run on the real bundled model and the real index, and the
targets are stated as ratios of numbers from that run: these shared 2-core machines are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from retrieval.config import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "benchmarks" / "results" / "bench.json"
DEV_QUESTIONS = PROJECT_ROOT / "tests" / "data" / "dev_questions.jsonl"
TEMPLATES = (
    "What did the articles say about {w}?",
    "Why is {w} mentioned in the election coverage?",
    "How was {w} involved in the vote?",
    "What happened with {w} on election day?",
    "Who criticised {w}?",
    "Was {w} important for Tokayev?",
    "What do observers think of {w}?",
    "Tell me about {w} and the protests",
    "When did {w} come up in the campaign?",
    "Is there anything about {w} and Nazarbayev?",
)
_WORD = re.compile(r"\b[A-Za-z][a-z]{5,}\b")


# --- helpers -----------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear between the closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def questions(count: int, seed: int = 0) -> list[str]:
    """`count` distinct questions: templates filled with words from the corpus (no cache hits)."""
    text = " ".join(
        p.read_text(encoding="utf-8") for p in sorted((PROJECT_ROOT / "corpus").glob("*.md"))
    )
    words = sorted({w for w in _WORD.findall(text)})
    rng = random.Random(seed)
    pairs = [(t, w) for t in TEMPLATES for w in words]
    rng.shuffle(pairs)
    if len(pairs) < count:
        raise SystemExit(f"the corpus gives only {len(pairs)} distinct questions")
    return [t.format(w=w) for t, w in pairs[:count]]


def _cli() -> list[str]:
    script = Path(sys.executable).parent / "election-bot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def _wall(cmd: Sequence[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env, cwd=PROJECT_ROOT)
    return time.perf_counter() - started


# --- 1. single-question latency ----------------------------------------------------------------


def bench_latency(retriever: Any, qs: Sequence[str]) -> dict:
    """search vs the bare torch sentence-transformers encode vs the query encoder alone."""
    from sentence_transformers import SentenceTransformer

    from retrieval.encoders.base import resolve_model

    model = SentenceTransformer(resolve_model(retriever.data.model), device="cpu")
    encoder = retriever.encoder
    warm = ["warm-up question one", "Who won?", "What was the turnout on election day?"]
    for q in warm:
        model.encode([q], normalize_embeddings=True)
        encoder.encode([q])
        retriever.search(q, 5)
    runs: dict[str, list[float]] = {"search": [], "torch": [], "encoder": [], "fusion": []}
    # Everything search(q, 5) does besides encoding: scoring, fusion, picking the 5 best that
    # do not overlap, abstention (vectors made ahead).
    # The encoder as search uses it: the question's vector and its token vectors in one run.
    # (Straight from the encoder: the retriever's question cache must not see these.)
    if retriever.signals.late:
        encode = encoder.encode_with_tokens
        made, made_tokens = encoder.encode_with_tokens(list(qs))
    else:
        encode = encoder.encode
        made, made_tokens = encoder.encode(list(qs)), [None] * len(qs)
    vectors = dict(zip(qs, made, strict=True))
    tokens = dict(zip(qs, made_tokens, strict=True))
    # The synonyms of the words a question has that the corpus lacks: their vectors are an
    # encode too (made ahead, as the question's); their BM25 is scoring, timed below.
    extras = {q: retriever.synonyms.near(q) for q in qs}
    # search() is timed on other questions than the steps it is made of: the answers it
    # keeps of a question (its names, its kind of answer) must not make them look cheaper.
    taken = set(qs)
    others = iter([q for q in questions(3 * len(qs), seed=7) if q not in taken][: len(qs)])
    searched = {q: next(others, q) for q in qs}
    steps: dict[str, Callable[[str], object]] = {
        "search": lambda q: retriever.search(searched[q], 5),
        "torch": lambda q: model.encode([q], normalize_embeddings=True),
        "encoder": lambda q: encode([q]),
        "fusion": lambda q: retriever.refusal(
            q, retriever.rank(q, vectors[q], limit=5, tokens=tokens[q], expansion=extras[q])
        ),
    }
    # torch runs apart, after the others: its OpenMP threads spin on both cores for a while
    # after each encode, so whatever runs next in this process is timed against them (the bot
    # never loads torch). The rest rotate: no systematic bias from the order.
    ours = [name for name in steps if name != "torch"]
    for i, q in enumerate(qs):
        for name in ours[i % len(ours) :] + ours[: i % len(ours)]:
            started = time.perf_counter()
            steps[name](q)
            runs[name].append(time.perf_counter() - started)
    for q in qs:
        started = time.perf_counter()
        steps["torch"](q)
        runs["torch"].append(time.perf_counter() - started)
    out: dict[str, Any] = {"questions": len(qs), "encoder": type(encoder).__name__}
    for name, values in runs.items():
        out[f"{name}_p50_ms"] = ms(percentile(values, 50))
        out[f"{name}_p95_ms"] = ms(percentile(values, 95))
    out["steps_p50_ms"] = _scoring_steps(retriever, qs, vectors, tokens, extras)
    # What batching can gain at most under load, where CPU is what runs out: the encoder's CPU
    # time per question, one question a call vs 32 a call (both cores' time counted).
    cpu = {}
    for name, size in (("alone", 1), ("batched", 32)):
        started = time.process_time()
        for start in range(0, len(qs), size):
            encoder.encode(list(qs[start : start + size]), batch_size=size)
        cpu[name] = (time.process_time() - started) / len(qs)
    out["encoder_cpu_alone_ms"] = ms(cpu["alone"])
    out["encoder_cpu_batched_ms"] = ms(cpu["batched"])
    out["encoder_cpu_batch_gain"] = round(cpu["alone"] / cpu["batched"], 2)
    out["search_over_torch_p50"] = round(out["search_p50_ms"] / out["torch_p50_ms"], 3)
    out["other_work_over_encode_p50"] = round(out["fusion_p50_ms"] / out["encoder_p50_ms"], 3)
    return out


def _scoring_steps(
    retriever: Any,
    qs: Sequence[str],
    vectors: dict[str, Any],
    tokens: dict[str, Any],
    extras: dict[str, Any],
) -> dict[str, float]:
    """Where the scoring step's time goes, p50 of each part, each timed as the benchmark
    times the whole: right after an encode (the encoder's run leaves the caches cold)."""
    from retrieval.fusion import fused, order

    signals, w = retriever.signals, retriever.scoring
    parts: dict[str, list[float]] = {"signals": [], "late": [], "fusion": [], "refusal": []}
    for q in qs:
        retriever.encoder.encode([q])
        started = time.perf_counter()
        s = signals.compute(q, vectors[q], expansion=extras[q])
        parts["signals"].append(time.perf_counter() - started)
        late = None
        if signals.late and tokens[q] is not None:
            retriever.encoder.encode([q])
            started = time.perf_counter()
            late = signals.late_interaction(tokens[q], s.candidates)
            parts["late"].append(time.perf_counter() - started)
        retriever.encoder.encode([q])
        started = time.perf_counter()
        order(fused(s, w), w, late)
        parts["fusion"].append(time.perf_counter() - started)
        ranked = retriever.rank(q, vectors[q], limit=5, tokens=tokens[q], expansion=extras[q])
        retriever.encoder.encode([q])
        started = time.perf_counter()
        retriever.refusal(q, ranked)
        parts["refusal"].append(time.perf_counter() - started)
    return {name: ms(percentile(v, 50)) for name, v in parts.items() if v}


# --- 2. end-to-end through the real bot and the Bot API stand-in -------------------------------


async def _wait_replies(
    stub: Any, chat_ids: set[int], since: int, timeout: float = 60.0
) -> dict[int, float]:
    """When each chat's first sendMessage after `since` arrived (stub clock)."""
    from benchmarks.remote_stub import replies

    deadline = time.monotonic() + timeout
    got = replies(stub, chat_ids, since)
    while len(got) < len(chat_ids) and time.monotonic() < deadline:
        await asyncio.sleep(0.005)
        got = replies(stub, chat_ids, since)
    return got


def _settings_for(base_url: str, window_ms: float, **overrides: Any) -> Any:
    from tests.botapi_stub import bot_settings

    return bot_settings(base_url, batch_window_ms=window_ms, **overrides)


def _unpaced(application: Any) -> Any:
    # Telegram's flood limit (30 messages/s, AIORateLimiter) alone would cap 100 chats at over
    # 3 s whatever the bot does; the benchmark measures what the bot itself can serve.
    application.bot._rate_limiter = None
    return application


async def _repeat_run(retriever: Any, user_id: int) -> dict:
    """The example button pressed twice (in-process stand-in: it can press buttons)."""
    from bot.app import build_application
    from tests.botapi_stub import BotApiStub, polling

    with BotApiStub() as stub:
        application = _unpaced(build_application(_settings_for(stub.base_url, 5.0), retriever))
        async with polling(application):
            return await _repeat_example(stub, user_id)


async def _e2e_remote_run(
    retriever: Any,
    qs: Sequence[str],
    window_ms: float,
    first: int,
    *,
    paced: bool = False,
    **settings: Any,
) -> dict:
    """Chats asking at once through the real bot; the stand-in runs in a process of its own.

    `paced` keeps the production rate limiter (Telegram's ~30 messages a second) on;
    `settings` override the bot's.
    """
    from benchmarks.remote_stub import remote_stub
    from bot.app import build_application
    from tests.botapi_stub import polling

    async with remote_stub() as stub:
        application = build_application(
            _settings_for(stub.base_url, window_ms, **settings), retriever
        )
        if not paced:
            _unpaced(application)
        async with polling(application):
            chats = [(first + i, q) for i, q in enumerate(qs)]
            mark = await stub.mark()
            bot_cpu, stub_cpu = time.process_time(), _cpu_seconds(stub.process.pid)
            pushed = await stub.ask(chats)
            got = await stub.wait([c for c, _ in chats], mark)
            bot_cpu = time.process_time() - bot_cpu
            stub_cpu = _cpu_seconds(stub.process.pid) - stub_cpu
        started = min(pushed.values())
        elapsed = max(got.values(), default=started) - started
        latencies = [got[c] - pushed[c] for c in got]
        return {
            "chats": len(qs),
            "answered": len(got),
            "lost": len(qs) - len(got),
            "seconds": round(elapsed, 3),
            "answers_per_s": round(len(got) / elapsed, 1) if elapsed else 0.0,
            "reply_p50_ms": ms(percentile(latencies, 50)),
            "reply_p95_ms": ms(percentile(latencies, 95)),
            "batches": application.bot_data["deps"].batcher.batches,
            "typing_sent": await stub.count("sendChatAction", mark),
            # CPU seconds both processes spent while the chats were answered (2 cores shared)
            "bot_cpu_s": round(bot_cpu, 3),
            "stub_cpu_s": round(stub_cpu, 3),
        }


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process `pid` so far (Linux /proc; 0.0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _repeat_example(stub: Any, user_id: int) -> dict:
    """The first example button pressed twice: the second answer comes from the query cache."""
    user = stub.user(user_id, "Repeat")
    chat = stub.private_chat(user)
    mark = stub.mark()
    start = stub.send_text(chat, user, "/start")
    await _wait_replies(stub, {chat["id"]}, mark)
    welcome = stub.sent_since(mark)[0]
    out = {}
    for name in ("first_ms", "second_ms"):
        mark = stub.mark()
        pushed = time.monotonic()
        stub.press({**welcome.result, "chat": start["chat"]}, "ex:0", user)
        got = await _wait_replies(stub, {chat["id"]}, mark)
        out[name] = ms(got[chat["id"]] - pushed)
    return out


async def _concurrent(retriever: Any, qs: Sequence[str], window_ms: float) -> dict:
    """The questions asked at once through the batcher alone, without Telegram."""
    from bot.batching import MicroBatcher

    batcher = MicroBatcher(retriever, window_ms=window_ms)

    async def one(q: str) -> float:
        started = time.perf_counter()
        await batcher.search(q, 4)
        return time.perf_counter() - started

    started = time.perf_counter()
    latencies = await asyncio.gather(*(one(q) for q in qs))
    elapsed = time.perf_counter() - started
    return {
        "answers_per_s": round(len(qs) / elapsed, 1),
        "p50_ms": ms(percentile(latencies, 50)),
        "p95_ms": ms(percentile(latencies, 95)),
        "batches": batcher.batches,
    }


def bench_e2e(
    retriever: Any, qs_off: Sequence[str], qs_on: Sequence[str], qs_direct: Sequence[str]
) -> dict:
    from tests.botapi_stub import FakeRetriever

    # The stand-in runs in its own process, as Telegram's servers would: in-process, its HTTP
    # server would share the bot's interpreter and be measured with it.
    asyncio.run(_e2e_remote_run(retriever, ["Who won the election?"] * 3, 5.0, 900))  # warm-up
    off = asyncio.run(_e2e_remote_run(retriever, qs_off, 0.0, 10_000))
    on = asyncio.run(_e2e_remote_run(retriever, qs_on, 5.0, 20_000))
    # The floor: the same run with an instant keyword retriever, i.e. Telegram plumbing only.
    floor = asyncio.run(_e2e_remote_run(FakeRetriever(), qs_on, 0.0, 30_000))
    on["repeat"] = asyncio.run(_repeat_run(retriever, 40_000))
    half = len(qs_direct) // 2
    direct_off = asyncio.run(_concurrent(retriever, qs_direct[:half], 0.0))
    direct_on = asyncio.run(_concurrent(retriever, qs_direct[half:], 5.0))
    speedup = on["answers_per_s"] / off["answers_per_s"] if off["answers_per_s"] else 0.0
    direct = direct_on["answers_per_s"] / direct_off["answers_per_s"]
    return {
        "batching_off": off,
        "batching_on": on,
        "speedup": round(speedup, 2),
        "bot_floor_instant_retriever": floor,
        "direct_chats": half,
        "direct_off": direct_off,
        "direct_on": direct_on,
        "direct_speedup": round(direct, 2),
    }


def bench_spike(retriever: Any, qs: Sequence[str]) -> dict:
    """Everyone asks at once with the production rate limiter on: Telegram's ceiling is ~30
    messages a second, and every request with a chat_id counts, "typing…" included."""
    from tests.botapi_stub import FakeRetriever

    asyncio.run(_e2e_remote_run(retriever, ["Who won the election?"] * 3, 5.0, 900))  # warm-up
    out = asyncio.run(_e2e_remote_run(retriever, qs, 5.0, 70_000, paced=True))
    # The same with an instant keyword retriever: the rate limiter and Telegram plumbing alone.
    out["floor"] = asyncio.run(_e2e_remote_run(FakeRetriever(), qs, 5.0, 80_000, paced=True))
    # ... and with "typing…" asked for on every answer (TYPING_DELAY_MS=0): what a spike of
    # slow answers asks of the limiter, measured apart from the CPU the searching takes.
    out["floor_typing"] = asyncio.run(
        _e2e_remote_run(FakeRetriever(), qs, 5.0, 90_000, paced=True, typing_delay_ms=0)
    )
    # And the searching alone, at the same time (the CPU is shared with whatever else runs).
    out["search_alone"] = asyncio.run(_concurrent(retriever, qs, 5.0))
    return out


# --- 3 and 4. cold start, and serve's start and memory ------------------------------------------


def bench_cold_start(repeats: int = 3) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    ask = [_wall([*_cli(), "ask", "Who won the election?"], env) for _ in range(repeats)]
    imp = [
        _wall([sys.executable, "-c", "import sentence_transformers"], env) for _ in range(repeats)
    ]
    out = {
        "ask_s": round(statistics.median(ask), 3),
        "import_sentence_transformers_s": round(statistics.median(imp), 3),
    }
    out["ask_over_import"] = round(out["ask_s"] / out["import_sentence_transformers_s"], 3)
    return out


def _peak_rss_poller(pid: int, stop: threading.Event, peak: list[int]) -> None:
    import psutil

    proc = psutil.Process(pid)
    while not stop.is_set():
        try:
            peak[0] = max(peak[0], proc.memory_info().rss)
        except psutil.Error:
            return
        time.sleep(0.01)


def _vm_hwm(pid: int) -> int | None:
    """The kernel's own peak RSS of the process (Linux), in bytes."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def bench_serve(qs: Sequence[str]) -> dict:
    """`election-bot serve` as a subprocess against the stand-in: start to first answer, then
    100 concurrent chats while its RSS is polled (psutil, every 10 ms) and read from VmHWM."""
    from retrieval.config import RetrievalSettings
    from tests.botapi_stub import TOKEN, BotApiStub

    index_dir = RetrievalSettings.load().index_dir  # the index `make bench` uses everywhere
    with BotApiStub() as stub, tempfile.TemporaryDirectory() as scratch:
        env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            # Its votes, questions and heartbeat go to a scratch DATA_DIR, never the operator's.
            "DATA_DIR": scratch,
            "INDEX_DIR": str(index_dir),
            "FEEDBACK_DB": f"{scratch}/feedback.sqlite3",
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": stub.base_url,
            "WEBHOOK_URL": "",
            "LOG_LEVEL": "WARNING",
        }
        user = stub.user(50_000, "First")
        chat = stub.private_chat(user)
        started = time.monotonic()
        proc = subprocess.Popen(
            [*_cli(), "serve"], env=env, cwd=PROJECT_ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        stop, peak = threading.Event(), [0]
        poller = threading.Thread(target=_peak_rss_poller, args=(proc.pid, stop, peak))
        poller.start()
        try:
            mark = stub.mark()
            stub.send_text(chat, user, "Who won the election?")
            first = asyncio.run(_wait_replies(stub, {chat["id"]}, mark, timeout=120))
            if not first:
                raise RuntimeError("serve never answered: " + proc.stderr.read(2000).decode())
            first_answer = first[chat["id"]] - started
            users = [stub.user(60_000 + i, f"U{i}") for i in range(len(qs))]
            chats = [stub.private_chat(u) for u in users]
            mark = stub.mark()
            for c, u, q in zip(chats, users, qs, strict=True):
                stub.send_text(c, u, q)
            got = asyncio.run(_wait_replies(stub, {c["id"] for c in chats}, mark, timeout=120))
            hwm = _vm_hwm(proc.pid)
        finally:
            stop.set()
            poller.join()
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return {
        "start_to_first_answer_s": round(first_answer, 3),
        "load_chats": len(qs),
        "load_answered": len(got),
        "peak_rss_mb_polled": round(peak[0] / 2**20, 1),
        "peak_rss_mb_vmhwm": round(hwm / 2**20, 1) if hwm else None,
    }


# --- 5. answers at a glance -------------------------------------------------------------------


def bench_glance(retriever: Any, path: Path = DEV_QUESTIONS) -> dict:
    """Words a reader sees of each answer without a tap (all but the expandable quotes), over
    the development questions the bot answers, as the bot builds its first page."""
    from bot.answer import answer_reply, visible_words
    from bot.config import Settings
    from retrieval.evaluate import load_questions

    size = Settings.model_fields["answer_passages"].default
    questions = load_questions(path)
    words = []
    for q in questions:
        hits = retriever.search(q.question, size)
        if hits:
            reply = answer_reply(q.question, hits, asked=q.question)
            words.append(visible_words(reply.html))
    return {
        "questions": len(questions),
        "answered": len(words),
        "median_words": statistics.median(words),
        "max_words": max(words),
    }


# --- 6. index build ----------------------------------------------------------------------------


def bench_index_build(repeat: int = 3) -> dict:
    """A full build in-process (its passages/s from the manifest); then whole `election-bot
    index` processes, start included: a full build against one after adding an article."""
    import shutil

    from retrieval.build import build_index
    from retrieval.config import RetrievalSettings
    from retrieval.store import current_build, read_manifest

    page = PROJECT_ROOT / "tests" / "data" / "pages" / "steppe-herald-observers.html"
    with tempfile.TemporaryDirectory() as tmp:
        corpus, index_dir = Path(tmp) / "corpus", Path(tmp) / "index"
        shutil.copytree(PROJECT_ROOT / "corpus", corpus)
        settings = RetrievalSettings.from_values(index_dir=index_dir, corpus_dir=corpus)
        started = time.perf_counter()
        build_index(settings, progress=False, reuse=False)
        seconds = time.perf_counter() - started
        m = read_manifest(current_build(index_dir))
        env = {**os.environ, "INDEX_DIR": str(index_dir), "CORPUS_DIR": str(corpus)}
        index = [*_cli(), "index", "-q"]
        _wall(index, env)  # exports the question encoder: what any later build finds
        full = [_wall([*index, "--full"], env) for _ in range(repeat)]
        added: list[float] = []
        for _ in range(repeat):
            before = set(corpus.iterdir())
            subprocess.run([*_cli(), "add", str(page)], check=True, capture_output=True, env=env)
            added.append(_wall(index, env))
            incremental = read_manifest(current_build(index_dir))
            for path in set(corpus.iterdir()) - before:
                path.unlink()
            _wall(index, env)  # back to the corpus as it was
    embedded = m["embedded"]
    return {
        "seconds": round(seconds, 2),
        "passages": m["passages"],
        "articles": m["articles"],
        "index_type": m["index_type"],
        "encoder": m["encoder"],
        "passages_per_s": round(embedded["passages"] / embedded["passage_seconds"], 1),
        "sentences_per_s": round(embedded["sentences"] / embedded["sentence_seconds"], 1),
        "full_process_s": [round(x, 2) for x in full],
        "added_article_process_s": [round(x, 2) for x in added],
        "added_article_embedded": incremental["embedded"]["passages"],
        "added_article_encoder": incremental["encoder"],
        "added_over_full_min": round(min(added) / min(full), 3),
        "added_over_full_median": round(statistics.median(added) / statistics.median(full), 3),
    }


# --- 7. scale (the scaling benchmark, slow) -------------------------------------------------------


def bench_scale() -> dict:
    subprocess.run([sys.executable, "-m", "benchmarks.scale"], check=True, cwd=PROJECT_ROOT)
    path = PROJECT_ROOT / "benchmarks" / "results" / "scale.json"
    return json.loads(path.read_text()) if path.exists() else {}


# --- the table ---------------------------------------------------------------------------------


def table(r: dict) -> str:
    lat, e2e, cold, serve, build, glance, spike = (
        r.get(k, {}) for k in ("latency", "e2e", "cold", "serve", "build", "glance", "spike")
    )
    off, on = e2e.get("batching_off", {}), e2e.get("batching_on", {})
    rows: list[tuple[str, str, str]] = []

    def row(name: str, value: object, target: str = "") -> None:
        rows.append((name, str(value), target))

    def holds(ok: bool) -> str:
        return "yes" if ok else "NO"

    if lat:
        row(f"search p50 / p95 ({lat['questions']} new questions)",
            f"{lat['search_p50_ms']} / {lat['search_p95_ms']} ms")  # fmt: skip
        row("torch sentence-transformers encode p50 / p95",
            f"{lat['torch_p50_ms']} / {lat['torch_p95_ms']} ms")  # fmt: skip
        row(f"query encoder alone ({lat['encoder']}) p50 / p95",
            f"{lat['encoder_p50_ms']} / {lat['encoder_p95_ms']} ms")  # fmt: skip
        ratio = lat["search_over_torch_p50"]
        row("search / torch encode (p50)", ratio, f"<= 0.6: {holds(ratio <= 0.6)}")
        row(
            "scoring and fusion alone p50 / p95",
            f"{lat['fusion_p50_ms']} / {lat['fusion_p95_ms']} ms",
        )
        other = lat["other_work_over_encode_p50"]
        row("non-encode work / encode (p50)", other, f"<= 0.2: {holds(other <= 0.2)}")
        steps = lat.get("steps_p50_ms", {})
        if steps:
            row("its parts, cold, p50: " + " / ".join(steps),
                " / ".join(f"{v}" for v in steps.values()) + " ms")  # fmt: skip
        row("query encoder CPU per question: alone / in batches of 32",
            f"{lat['encoder_cpu_alone_ms']} / {lat['encoder_cpu_batched_ms']} ms "
            f"(batching's ceiling: {lat['encoder_cpu_batch_gain']}x)")  # fmt: skip
    if off and on:
        for name, run in (("off", off), ("on", on)):
            row(f"e2e {run['chats']} chats, batching {name}: answers/s",
                f"{run['answers_per_s']} ({run['answered']}/{run['chats']} answered, "
                f"{run['batches']} batches)")  # fmt: skip
            row(f"e2e batching {name}: reply p50 / p95",
                f"{run['reply_p50_ms']} / {run['reply_p95_ms']} ms")  # fmt: skip
            row(f"e2e batching {name}: CPU of bot / of the stand-in",
                f"{run['bot_cpu_s']} / {run['stub_cpu_s']} s")  # fmt: skip
        speed = e2e["speedup"]
        row("e2e speed-up, batching on / off", speed, f">= 2: {holds(speed >= 2)}")
        p95 = on["reply_p95_ms"]
        row("e2e p95 with batching on", f"{p95} ms", f"< 300 ms: {holds(p95 < 300)}")
        lost = off["lost"] + on["lost"]
        row("answers lost", lost, f"0: {holds(lost == 0)}")
        fl = e2e["bot_floor_instant_retriever"]
        floor = f"{fl['reply_p50_ms']} / {fl['reply_p95_ms']} ms"
        row("e2e floor (instant fake retriever): answers/s",
            f"{fl['answers_per_s']}, reply p50 / p95 {floor}")  # fmt: skip
        row("e2e floor: CPU of bot / of the stand-in", f"{fl['bot_cpu_s']} / {fl['stub_cpu_s']} s")
        for name in ("off", "on"):
            d = e2e[f"direct_{name}"]
            row(f"batcher alone, {e2e['direct_chats']} at once, batching {name}",
                f"{d['answers_per_s']}/s, p50 / p95 {d['p50_ms']} / {d['p95_ms']} ms")  # fmt: skip
        row("batcher alone speed-up, on / off", e2e["direct_speedup"],
            f">= 2: {holds(e2e['direct_speedup'] >= 2)}")  # fmt: skip
        if "repeat" in on:
            rep = on["repeat"]
            row(
                "example button twice: 1st / 2nd reply",
                f"{rep['first_ms']} / {rep['second_ms']} ms",
            )
    if cold:
        row("`election-bot ask` whole process", f"{cold['ask_s']} s")
        row(
            "`python -c 'import sentence_transformers'`",
            f"{cold['import_sentence_transformers_s']} s",
        )
        ratio = cold["ask_over_import"]
        row("ask / import sentence_transformers", ratio, f"< 0.5: {holds(ratio < 0.5)}")
    if serve:
        row("`serve` start to first answer", f"{serve['start_to_first_answer_s']} s")
        row(f"`serve` peak RSS (subprocess, {serve['load_chats']} chats; polled / VmHWM)",
            f"{serve['peak_rss_mb_polled']} / {serve['peak_rss_mb_vmhwm']} MB")  # fmt: skip
    if spike:
        rate = spike["answers_per_s"]
        row(f"spike: {spike['chats']} chats at once, rate limiter on: answers/s",
            f"{rate} ({spike['answered']}/{spike['chats']} answered in {spike['seconds']} s, "
            f"{spike['typing_sent']} typing…)",
            f">= 27, all: {holds(rate >= 27 and spike['lost'] == 0)}")  # fmt: skip
        row("spike: reply p50 / p95; CPU of bot / of the stand-in",
            f"{spike['reply_p50_ms']} / {spike['reply_p95_ms']} ms; "
            f"{spike['bot_cpu_s']} / {spike['stub_cpu_s']} s")  # fmt: skip
        if "floor" in spike:
            fl, alone = spike["floor"], spike["search_alone"]
            row("spike floor (instant fake retriever): answers/s",
                f"{fl['answers_per_s']} ({fl['answered']}/{fl['chats']}, "
                f"{fl['typing_sent']} typing…)",
                f">= 27: {holds(fl['answers_per_s'] >= 27)}")  # fmt: skip
            ft = spike["floor_typing"]
            row("spike floor, typing… asked on every answer: answers/s",
                f"{ft['answers_per_s']} ({ft['answered']}/{ft['chats']}, "
                f"{ft['typing_sent']} typing… sent)",
                f">= 27: {holds(ft['answers_per_s'] >= 27)}")  # fmt: skip
            row("spike: the same questions searched alone (batcher)",
                f"{alone['answers_per_s']}/s")  # fmt: skip
    if glance:
        median, most = glance["median_words"], glance["max_words"]
        row(f"answer words seen at a glance ({glance['answered']} answered dev questions): "
            "median / max", f"{median} / {most}",
            f"<= 120 / <= 180: {holds(median <= 120 and most <= 180)}")  # fmt: skip
    if build:
        row(f"index build in-process ({build['passages']} passages, {build['articles']} articles)",
            f"{build['seconds']} s")  # fmt: skip
        rate = build["passages_per_s"]
        row(f"index build: passages/s, sentences/s ({build['encoder']})",
            f"{rate} / {build['sentences_per_s']}", f">= 100: {holds(rate >= 100)}")  # fmt: skip
        full, added = build["full_process_s"], build["added_article_process_s"]
        row("`election-bot index --full` whole process min / median",
            f"{min(full)} / {statistics.median(full)} s")  # fmt: skip
        row(f"`election-bot index` after adding an article ({build['added_article_embedded']} "
            f"passages, {build['added_article_encoder']}) min / median",
            f"{min(added)} / {statistics.median(added)} s")  # fmt: skip
        ratio, low = build["added_over_full_median"], build["added_over_full_min"]
        row("added article / full build (min; median)", f"{low}; {ratio}",
            f"<= 0.5: {holds(ratio <= 0.5)}")  # fmt: skip
    width = [max(len(x[i]) for x in rows + [("metric", "value", "target")]) for i in range(3)]
    lines = [f"{'metric':<{width[0]}}  {'value':<{width[1]}}  target", "-" * (sum(width) + 4)]
    lines += [f"{a:<{width[0]}}  {b:<{width[1]}}  {c}".rstrip() for a, b, c in rows]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    ap.add_argument("--scale", action="store_true", help="also run benchmarks.scale (slow)")
    ap.add_argument("--chats", type=int, default=100, help="concurrent chats in the e2e runs")
    ap.add_argument("--questions", type=int, default=100, help="questions for the latency run")
    ap.add_argument("--spike", type=int, default=300, help="chats at once, rate limiter on")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument(
        "--only",
        default="",
        help="run these steps alone, comma-separated (latency, e2e, cold, serve, build, "
        "glance, spike); their results replace theirs in --out, the rest stay",
    )
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from retrieval import Retriever

    qs = questions(args.questions + 4 * args.chats + args.spike)
    lat_qs, rest = qs[: args.questions], qs[args.questions :]
    off_qs, on_qs, serve_qs, direct_qs = (
        rest[i * args.chats : (i + 1) * args.chats] for i in range(4)
    )
    spike_qs = rest[4 * args.chats :]
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    steps: list[tuple[str, Callable[[], dict]]] = []
    retriever = Retriever.load(progress=False)
    results["retriever"] = repr(retriever)
    steps += [
        ("latency", lambda: bench_latency(retriever, lat_qs)),
        ("e2e", lambda: bench_e2e(retriever, off_qs, on_qs, direct_qs)),
        ("cold", bench_cold_start),
        ("serve", lambda: bench_serve(serve_qs)),
        ("build", bench_index_build),
        ("glance", lambda: bench_glance(retriever)),
        ("spike", lambda: bench_spike(retriever, spike_qs)),
    ]
    if args.scale:
        steps.append(("scale", bench_scale))
    if args.only:
        wanted = {name.strip() for name in args.only.split(",")}
        unknown = wanted - {name for name, _ in steps}
        if unknown:
            raise SystemExit(f"python -m benchmarks: no step {', '.join(sorted(unknown))}")
        steps = [(name, step) for name, step in steps if name in wanted]
        if args.out.exists():
            results = {**json.loads(args.out.read_text(encoding="utf-8")), **results}
    for name, step in steps:
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        results[name] = step()
        print(f"[bench] {name}: {time.perf_counter() - started:.1f}s", file=sys.stderr, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    print(f"\nJSON: {args.out}")
    return 0
