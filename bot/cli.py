"""`election-bot`: add articles, build the index, ask, chat, serve the bot, evaluate, and
report the feedback.

Imports stay inside the commands: `ask` must not pay for Telegram or torch.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings
from retrieval.config import ENV_FILE_VARIABLE, IN_CHECKOUT, PROJECT_ROOT, default_env_file

if TYPE_CHECKING:
    from retrieval import Retriever
    from retrieval.records import SearchResult

# A checkout's copy of the development questions; an installed package has none, so there
# `eval` needs its FILE.
CHECKOUT_EVAL_FILE = PROJECT_ROOT / "tests" / "data" / "dev_questions.jsonl"
DEFAULT_EVAL_FILE = CHECKOUT_EVAL_FILE if IN_CHECKOUT and CHECKOUT_EVAL_FILE.is_file() else None
# The settings file read is said on stderr by the commands that start something long-lived
# (the bot, the chat, a build); the others, whose output is an answer or a report often read
# by a program, log it at INFO (LOG_LEVEL=INFO shows it).
SAY_SETTINGS_FILE = {"serve", "run", "chat", "index"}


def _say_settings_file(args: argparse.Namespace, settings: Settings) -> None:
    line = f"Settings: {settings.describe_source()}"
    if args.command in SAY_SETTINGS_FILE:
        print(line, file=sys.stderr)
    else:
        logging.getLogger("election-bot").info("%s", line)


def _load_retriever(settings, progress: bool = True):
    from retrieval import Retriever

    retriever = Retriever.load(settings, progress=progress)
    for warning in retriever.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return retriever


def cmd_index(args: argparse.Namespace, settings) -> int:
    """Build the index from the corpus."""
    from retrieval.build import build_index
    from retrieval.loading import ensure_export
    from retrieval.store import read_manifest

    if args.quiet:  # transformers' own "Loading weights" bar too (read when it is imported)
        os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    print(f"Indexing {settings.corpus_dir} ...", file=sys.stderr)
    m = read_manifest(build_index(settings, progress=not args.quiet, reuse=not args.full))
    print(
        f"Indexed {m['passages']} passages from {m['articles']} articles "
        f"({m['index_type']} index, model {m['model']}) in {m['build_seconds']}s "
        f"-> {settings.index_dir}"
    )
    print(embedding_summary(m))
    ensure_export(settings, progress=not args.quiet)
    return 0


def embedding_summary(manifest: dict) -> str:
    """What a build embedded, how fast, with what, and what it reused: one line."""
    new, old, encoder = manifest["embedded"], manifest["reused"], manifest["encoder"]

    def rate(count: int, seconds: float) -> str:
        return f" ({count / seconds:.0f}/s)" if count and seconds else ""

    passages = rate(new["passages"], new["passage_seconds"])
    sentences = rate(new["sentences"], new["sentence_seconds"])
    return (
        f"Embedded {new['passages']} passages{passages} and {new['sentences']} sentences"
        f"{sentences}{f' with {encoder}' if encoder else ''}; reused "
        f"{old['passages']} passages and {old['sentences']} sentences from the previous build"
    )


def cmd_ask(args: argparse.Namespace, settings) -> int:
    """Answer one question with quoted passages."""
    from bot.inbound import clean_text

    question = clean_text(args.question)
    if not question.strip():
        print('election-bot: ask needs a question: election-bot ask "Who won?"', file=sys.stderr)
        return 2
    if question != args.question:  # bytes that aren't UTF-8 reach Python as lone surrogates
        print(
            "warning: the question has bytes that are not UTF-8, read as \ufffd "
            "(is the terminal's encoding UTF-8?)",
            file=sys.stderr,
        )
    retriever = _load_retriever(settings, progress=not args.json)
    k = args.k or settings.top_k
    if args.json:
        found = retriever.search_with_reason(question, k=k)
        print(json.dumps([h.to_dict() for h in found.hits], ensure_ascii=False, indent=2))
        if args.explain:  # stdout stays JSON
            print("\n".join(explained(retriever, question, found, settings)), file=sys.stderr)
        return 0
    from bot import conversation
    from bot.answer import plain_answer
    from retrieval.followup import Recent

    # Read as the chat reads a first message: small talk and another language get the chat's
    # replies without a search, and a question nothing answers the chat's honest "not covered".
    turn = conversation.read(question, Recent(), "ask", retriever, settings.max_question_chars)
    if turn.reply is not None:
        print(turn.reply.plain)
        if args.explain:
            print("\nwhy: the chat's own reply, no search (small talk, or not in English)")
        return 0
    found = retriever.search_with_reason(question, k=k)
    if found.hits:
        print(plain_answer(question, found.hits, conversation.note(turn, found)))
    else:
        print(conversation.nothing_found(turn).plain)
    if args.explain:
        print("\n" + "\n".join(explained(retriever, question, found, settings)))
    return 0


def explained(
    retriever: Retriever, question: str, found: SearchResult, settings: Settings
) -> list[str]:
    """What `ask --explain` prints: how the question was read as searched (a greeting left
    out, its spelling mended; the kind of answer it asks for) and why the best passage
    answered it or did not, so that an operator can tell a refusal's cause without reading
    code."""
    read = retriever.searched(question)
    lines = []
    if read.text != question:
        lines.append(f"why: read as “{read.text}”")
    wants = retriever.signals.asked(read.asking)
    kind = wants.kind.kind if wants is not None else "none in particular"
    lines.append(f"why: the kind of answer asked for: {kind}")
    best = f"the best passage's relevance {found.relevance:.3f} (MIN_SCORE {settings.min_score})"
    if found.refusal is None:
        lines.append(f"why: answered; {best}")
    else:
        detail = f" ({found.detail})" if found.detail else ""
        lines.append(f"why: refused: {found.refusal.value}{detail}; {best}")
    lines += [f"why: set aside “{s}”" for s in found.set_aside]
    return lines


def cmd_chat(args: argparse.Namespace, settings) -> int:
    """A terminal chat with the same answers as the bot."""
    from bot.chat import run_chat

    if hasattr(sys.stdin, "reconfigure"):  # a byte that isn't UTF-8 is read as U+FFFD
        sys.stdin.reconfigure(errors="replace")
    run_chat(settings, _load_retriever(settings))
    return 0


def cmd_serve(args: argparse.Namespace, settings) -> int:
    """Run the Telegram bot."""
    from bot.config import ServeError, serve_problem

    problem = serve_problem(settings)  # before the index loads: a typo shouldn't wait for it
    if problem:
        raise ServeError(problem)
    from bot.app import run

    run(settings, _load_retriever(settings))
    return 0


def cmd_run(args: argparse.Namespace, settings) -> int:
    """The main job: the bot when a token is set, else the terminal chat."""
    token = settings.telegram_bot_token
    if token is not None and token.get_secret_value().strip():
        # serve reports a malformed token: a mistake to report, not to work around.
        return cmd_serve(args, settings)
    print(
        "No TELEGRAM_BOT_TOKEN set (see .env.example): opening the terminal chat instead.",
        file=sys.stderr,
    )
    return cmd_chat(args, settings)


def cmd_eval(args: argparse.Namespace, settings) -> int:
    """Evaluate retrieval on a questions file."""
    from retrieval import evaluate as ev

    if args.file is None:
        print("election-bot: eval needs FILE, a questions.jsonl (see --help)", file=sys.stderr)
        return 2
    if ev.is_followup_file(Path(args.file)):
        pairs = ev.load_pairs(Path(args.file))
        outcomes = ev.evaluate_followups(_load_retriever(settings), pairs)
        print(ev.format_followups(outcomes), end="")
        return 0
    evaluate, format_report, load_questions = ev.evaluate, ev.format_report, ev.load_questions
    questions = load_questions(Path(args.file))
    retriever = _load_retriever(settings)
    modes = ["hybrid", "dense", "lexical"] if args.compare else ["hybrid"]
    reports = [evaluate(retriever, questions, mode) for mode in modes]
    if args.json:
        print(json.dumps([r.as_dict() for r in reports], indent=2))
    else:
        print(format_report(reports))
    return 0


def cmd_add(args: argparse.Namespace, settings) -> int:
    """Add an article to the corpus from a saved page or a URL."""
    from bot.answer import shorten
    from retrieval.chunking import split_sentences
    from retrieval.config import PACKAGED_CORPUS
    from retrieval.errors import IngestError
    from retrieval.ingest import OVERRIDABLE, add_page

    given = {name: getattr(args, name) for name in OVERRIDABLE}
    overrides = {name: value for name, value in given.items() if value is not None}
    corpus_dir = Path(args.corpus_dir or settings.corpus_dir)
    if corpus_dir.resolve() == PACKAGED_CORPUS.resolve():
        # Written into site-packages, the article would vanish with the next upgrade.
        raise IngestError(
            f"the corpus shipped with the package ({corpus_dir}) is replaced on every upgrade: "
            f"copy it to a directory of your own (cp -r {corpus_dir} ~/election-corpus) and "
            "set CORPUS_DIR to it, or pass --corpus-dir"
        )
    added = add_page(args.page, corpus_dir, overrides)
    source, extracted = added.article.source, added.extracted
    subheads = sum(b.subhead for b in extracted.blocks)
    shown = {
        "title": source.title,
        "published": source.published,
        "outlet": source.outlet,
        "author": source.author,
        "url": source.url,
        "words": f"{extracted.words} in {len(extracted.paragraphs)} paragraphs, "
        f"{subheads} subhead{'s' * (subheads != 1)}",
        "first": shorten(split_sentences(extracted.paragraphs[0])[0], 100),
    }
    print(f"Extracted from {args.page}:")
    for name, value in shown.items():
        print(f"  {name + ':':<11}{value or '(none)'}")
    for note in extracted.notes:
        print(f"  note: {note}")
    print(f"Wrote {added.path}")
    print("Next: election-bot index  (makes the article searchable)")
    return 0


def cmd_sources(args: argparse.Namespace, settings) -> int:
    """List the corpus's articles, newest first: no index or model needed."""
    from bot.answer import sources_reply
    from retrieval.corpus import load_corpus

    articles = load_corpus(args.corpus_dir or settings.corpus_dir)
    print(sources_reply([a.source for a in articles]).plain)
    return 0


def cmd_feedback(args: argparse.Namespace, settings) -> int:
    """Report the votes and unanswered questions; optionally export the misses."""
    from bot.feedback import FeedbackError
    from bot.feedback_report import (
        NoFeedback,
        build_report,
        export_misses,
        format_report,
        open_readonly,
    )

    if args.days is not None and args.days < 1:
        raise SystemExit("election-bot: --days must be at least 1")
    if args.top < 1:
        raise SystemExit("election-bot: --top must be at least 1")
    try:
        conn = open_readonly(settings.feedback_db)
    except NoFeedback as e:
        print(e, file=sys.stderr)
        return 0
    except FeedbackError as e:
        print(f"election-bot: {e}", file=sys.stderr)
        return 1
    try:
        report = build_report(
            conn, days=args.days, embed=_question_embedder(settings), path=str(settings.feedback_db)
        )
        if args.export:
            added, skipped = export_misses(report, Path(args.export))
            print(
                f"Exported {added} question(s) to {args.export}"
                + (f" ({skipped} already there)" if skipped else ""),
                file=sys.stderr,
            )
    except FeedbackError as e:
        print(f"election-bot: {e}", file=sys.stderr)
        return 1
    finally:
        conn.close()
    if args.json:
        print(json.dumps(report.as_dict(args.top), ensure_ascii=False, indent=2))
    else:
        print(format_report(report, args.top), end="")
    return 0


def _question_embedder(settings):
    """The retriever's question encoder as an embedding function, loaded on its first call."""
    encoder = None

    def embed(texts):
        nonlocal encoder
        if encoder is None:
            from retrieval.encoders import load_query_encoder

            encoder = load_query_encoder(settings, settings.embedding_model)
        return encoder.encode(texts)

    return embed


def cmd_health(args: argparse.Namespace, settings) -> int:
    """Check the settings, the index, the token and the last contact with Telegram."""
    from bot.health import format_checks, report, run_checks

    checks = run_checks(settings)
    if args.json:
        print(json.dumps(report(checks), ensure_ascii=False, indent=2))
    else:
        print(format_checks(checks))
    return 0 if all(c.ok for c in checks) else 1


@dataclass(frozen=True)
class Command:
    """A subcommand: what runs it, its one-line summary, its --help text, the settings it reads
    (every command also reads LOG_LEVEL; all are listed in .env.example)."""

    run: Callable[[argparse.Namespace, Settings], int]
    summary: str
    description: str
    settings: tuple[str, ...]


COMMANDS = {
    "add": Command(
        cmd_add,
        "add an article to the corpus from a saved page or a URL",
        "Add a news article to the corpus from a saved page (.html) or its URL: its text, "
        "title, outlet, date and URL are extracted (options override them), checked, and "
        "written as one new Markdown file; nothing is written when the page holds no article "
        "or its text is already in the corpus. `election-bot index` then makes it searchable.",
        ("CORPUS_DIR",),
    ),
    "sources": Command(
        cmd_sources,
        "list the corpus's articles, newest first",
        "List the corpus's articles, newest first, with outlet, title, date and URL; no index "
        "or model needed.",
        ("CORPUS_DIR",),
    ),
    "index": Command(
        cmd_index,
        "build the index from the corpus",
        "Build the index from the corpus (atomic: the old index serves until the new one is "
        "complete; one build at a time), embedding only passages that are new or changed "
        "since the previous build (--full: all), then export the question encoder to ONNX, once.",
        ("CORPUS_DIR", "INDEX_DIR", "DATA_DIR", "EMBEDDING_MODEL", "INDEX_TYPE"),
    ),
    "ask": Command(
        cmd_ask,
        "answer one question",
        "Answer one question with the best passages, their relevance and sources, or say that "
        "the articles don't answer it. Builds a missing or stale index first.",
        ("TOP_K", "MIN_SCORE", "INDEX_DIR", "ENCODER_BACKEND", "AUTO_REBUILD"),
    ),
    "chat": Command(
        cmd_chat,
        "chat in the terminal",
        "A terminal chat with the same answers as the bot: 'more' shows further passages; "
        "'quit', 'exit' or Ctrl-D leaves.",
        ("ANSWER_PASSAGES", "MAX_QUESTION_CHARS", "MIN_SCORE", "INDEX_DIR", "AUTO_REBUILD"),
    ),
    "serve": Command(
        cmd_serve,
        "run the Telegram bot",
        "Run the Telegram bot: long polling, or a webhook when WEBHOOK_URL is set (then GET "
        "/healthz on the same listener reports its health). `python -m bot` does the same.",
        (
            "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "WEBHOOK_URL", "WEBHOOK_LISTEN",
            "WEBHOOK_PORT", "WEBHOOK_SECRET", "ADMIN_USER_IDS", "RATE_LIMIT_PER_MINUTE",
            "ANSWER_PASSAGES", "SEND_TIMEOUT_SECONDS", "DATA_DIR", "INDEX_DIR",
        ),
    ),
    "run": Command(
        cmd_run,
        "serve the bot if a token is set, else chat in the terminal",
        "What `make run` calls: serve the bot when TELEGRAM_BOT_TOKEN is set, else open the "
        "terminal chat (`serve --help` and `chat --help` list their settings).",
        ("TELEGRAM_BOT_TOKEN",),
    ),
    "eval": Command(
        cmd_eval,
        "retrieval report on a questions file",
        "Retrieval report on a questions file: hit@1/3/5, MRR, abstentions, per question "
        "kind, how often the bold sentence holds the answer, every miss.",
        ("INDEX_DIR", "MIN_SCORE"),
    ),
    "feedback": Command(
        cmd_feedback,
        "votes, worst-rated answers, unanswered questions",
        "Report what users made of the answers: totals, the worst-rated questions with the "
        "quotes they got, the most-asked unanswered ones grouped across wordings. --export "
        "appends the 👎 and unanswered questions to an eval file, each once.",
        ("FEEDBACK_DB", "STORE_QUESTIONS", "EMBEDDING_MODEL", "INDEX_DIR"),
    ),
    "health": Command(
        cmd_health,
        "check the index, the token and the last contact with Telegram",
        "Check that the settings load, the index is whole, the token is set and the serving "
        "bot reached Telegram lately (the heartbeat it writes in DATA_DIR); one line per "
        "check. Exit status 0 when healthy, 1 when not.",
        ("DATA_DIR", "INDEX_DIR", "TELEGRAM_BOT_TOKEN"),
    ),
}  # fmt: skip


def _wrap(text: str, indent: str = "", first: str = "") -> str:
    width = min(100, shutil.get_terminal_size().columns - 2)
    return textwrap.fill(text, width, initial_indent=first or indent, subsequent_indent=indent)


def settings_help(names: Sequence[str]) -> str:
    """The epilog of a command's --help: its settings with their meaning and default."""
    lines = []
    for name in (*names, "LOG_LEVEL"):
        field = Settings.model_fields[name.lower()]
        text = field.description or ""
        if field.default_factory is None:
            default = field.default
            text += f" (default: {'unset' if default in (None, frozenset()) else default})"
        elif not field.default_factory_takes_validated_data:
            text += f" (default: {field.default_factory()})"  # type: ignore[call-arg]
        lines.append(_wrap(text, " " * 26, first=f"  {name:<24}"))
    where = (
        f"Settings come from the environment, then from one settings file: --env-file, else "
        f"${ENV_FILE_VARIABLE}, else {default_env_file()}. All are listed in .env.example."
    )
    return "settings:\n" + "\n".join(lines) + "\n\n" + _wrap(where)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("election-bot")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="election-bot",
        description="Answers questions about Kazakhstan's 2019 presidential election by quoting "
        "five news articles, with their sources.",
        epilog="`election-bot COMMAND --help` describes a command and the settings it reads.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parsers = {}
    for name, command in COMMANDS.items():
        p = sub.add_parser(
            name,
            help=command.summary,
            description=_wrap(command.description),
            epilog=settings_help(command.settings),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.add_argument(
            "--env-file",
            metavar="PATH",
            help=f"the settings file to read (instead of ${ENV_FILE_VARIABLE} or the default)",
        )
        p.set_defaults(func=command.run)
        parsers[name] = p

    p = parsers["add"]
    p.add_argument("page", help="a saved news page (.html) or its http(s) URL")
    for name in ("title", "outlet", "published", "url", "author"):
        p.add_argument(f"--{name}", help=f"the article's {name}, if the page lacks it or is wrong")
    p.add_argument("--corpus-dir", type=Path, help="default CORPUS_DIR")
    parsers["sources"].add_argument("--corpus-dir", type=Path, help="default CORPUS_DIR")
    p = parsers["index"]
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.add_argument(
        "--full", action="store_true", help="embed every passage again, reusing no vectors"
    )
    p = parsers["ask"]
    p.add_argument("question", help="the question, in quotes")
    p.add_argument("-k", type=int, default=None, help="how many passages (default TOP_K)")
    p.add_argument(
        "--json",
        action="store_true",
        help='print the passages as JSON: [{"text", "score", "best_sentence", "source": '
        '{"title", "outlet", "url", "published"}}]',
    )
    p.add_argument(
        "--explain",
        action="store_true",
        help="also say how the question was read and why it was answered or refused",
    )
    p = parsers["eval"]
    p.add_argument(
        "file",
        nargs="?",
        default=DEFAULT_EVAL_FILE,
        help="questions.jsonl (in a checkout, default tests/data/dev_questions.jsonl)",
    )
    p.add_argument("--compare", action="store_true", help="also dense-only and lexical-only")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    p = parsers["feedback"]
    p.add_argument("--days", type=int, default=None, help="only the last N days")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "--export",
        metavar="FILE.jsonl",
        help="append the 👎 and unanswered questions as eval records (each question once)",
    )
    p.add_argument("--top", type=int, default=10, help="questions listed per part (default 10)")
    parsers["health"].add_argument("--json", action="store_true", help="print the checks as JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model is bundled; never reach for a hub
    args = build_parser().parse_args(argv)
    from pydantic import ValidationError

    from bot.config import ServeError
    from retrieval.errors import RetrievalError, describe_os_error

    try:
        settings = Settings.load(args.env_file)
        from bot.logs import configure_logging

        configure_logging(settings)
        _say_settings_file(args, settings)
        if getattr(args, "k", None) is not None and args.k < 1:
            raise SystemExit("election-bot: -k must be at least 1")
        return args.func(args, settings)
    except ValidationError as e:
        first = e.errors()[0]
        field = ".".join(str(x) for x in first["loc"]).upper()
        why = first["msg"].removeprefix("Value error, ")
        _fail(f"setting {field}: {why}")
    except RetrievalError as e:
        _fail(str(e))
    except ServeError as e:
        _fail(str(e))
        return 2
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`election-bot eval | head`): not an error worth a traceback.
        sys.stderr.close()
        return 0
    except OSError as e:  # a disk full, a size limit, a permission: what to fix, not a bug
        _fail(describe_os_error(e))
    except Exception as e:  # a bug or a broken install: one line for the user, details in the log
        logging.getLogger("election-bot").debug("unexpected error", exc_info=True)
        _fail(f"unexpected error: {type(e).__name__}: {e} (set LOG_LEVEL=DEBUG for the traceback)")
    return 1


def _fail(message: str) -> None:
    """The last line of a failing command, through the same redaction as the logs."""
    # The token and the webhook secret can hide in any exception's text: a URL, a library's
    # message ("The token `…` was rejected"), an invalid port made of a mis-set base URL.
    from bot.logs import redact

    print(redact(f"election-bot: {message}"), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
