"""`election-bot`: add articles, build the index, ask, chat, serve the bot, evaluate, and
report the feedback.

Imports stay inside the commands: `ask` must not pay for Telegram or torch.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from retrieval.config import PROJECT_ROOT

# The development questions, where the project's shared/ folder sits beside the repository.
DEFAULT_EVAL_FILE = PROJECT_ROOT.parent / "shared" / "eval" / "questions.jsonl"


def _settings():
    from bot.config import Settings

    return Settings()


def _load_retriever(settings, progress: bool = True):
    from retrieval import Retriever

    retriever = Retriever.load(settings, progress=progress)
    for warning in retriever.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return retriever


def cmd_index(args: argparse.Namespace, settings) -> int:
    """Build the index from the corpus."""
    from retrieval.build import build_index
    from retrieval.encoders import ensure_query_encoder
    from retrieval.store import read_manifest

    print(f"Indexing {settings.corpus_dir} ...", file=sys.stderr)
    m = read_manifest(build_index(settings, progress=not args.quiet))
    print(
        f"Indexed {m['passages']} passages from {m['articles']} articles "
        f"({m['index_type']} index, model {m['model']}) in {m['build_seconds']}s "
        f"-> {settings.index_dir}"
    )
    ensure_query_encoder(settings, progress=not args.quiet)
    return 0


def cmd_ask(args: argparse.Namespace, settings) -> int:
    """Answer one question with quoted passages."""
    if not args.question.strip():
        print('election-bot: ask needs a question: election-bot ask "Who won?"', file=sys.stderr)
        return 2
    retriever = _load_retriever(settings, progress=not args.json)
    hits = retriever.search(args.question, k=args.k or settings.top_k)
    if args.json:
        print(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
        return 0
    from bot.answer import plain_answer

    print(plain_answer(args.question, hits))
    return 0


def cmd_chat(args: argparse.Namespace, settings) -> int:
    """A terminal chat with the same answers as the bot."""
    from bot.chat import run_chat

    run_chat(settings, _load_retriever(settings))
    return 0


def cmd_serve(args: argparse.Namespace, settings) -> int:
    """Run the Telegram bot."""
    from bot.config import serve_problem

    problem = serve_problem(settings)  # before the index loads: a typo shouldn't wait for it
    if problem:
        print(problem, file=sys.stderr)
        return 2
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
    from retrieval.ingest import OVERRIDABLE, add_page

    given = {name: getattr(args, name) for name in OVERRIDABLE}
    overrides = {name: value for name, value in given.items() if value is not None}
    added = add_page(args.page, args.corpus_dir or settings.corpus_dir, overrides)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="election-bot",
        description="Answers questions about Kazakhstan's 2019 presidential election by quoting "
        "five news articles, with their sources.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("add", help="add an article to the corpus from a saved page or a URL")
    p.add_argument("page", help="a saved news page (.html) or its http(s) URL")
    for name in ("title", "outlet", "published", "url", "author"):
        p.add_argument(f"--{name}", help=f"the article's {name}, if the page lacks it or is wrong")
    p.add_argument("--corpus-dir", type=Path, help="default CORPUS_DIR")
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("sources", help="list the corpus's articles, newest first")
    p.add_argument("--corpus-dir", type=Path, help="default CORPUS_DIR")
    p.set_defaults(func=cmd_sources)

    p = sub.add_parser("index", help="build the index from the corpus")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("ask", help="answer one question")
    p.add_argument("question", help="the question, in quotes")
    p.add_argument("-k", type=int, default=None, help="how many passages (default TOP_K)")
    p.add_argument("--json", action="store_true", help="print the passages as JSON")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="chat in the terminal")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("serve", help="run the Telegram bot")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("run", help="serve the bot if a token is set, else chat in the terminal")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("eval", help="retrieval report on a questions file")
    p.add_argument("file", nargs="?", default=str(DEFAULT_EVAL_FILE), help="questions.jsonl")
    p.add_argument("--compare", action="store_true", help="also dense-only and lexical-only")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("feedback", help="votes, worst-rated answers, unanswered questions")
    p.add_argument("--days", type=int, default=None, help="only the last N days")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "--export",
        metavar="FILE.jsonl",
        help="append the 👎 and unanswered questions as eval records (each question once)",
    )
    p.add_argument("--top", type=int, default=10, help="questions listed per part (default 10)")
    p.set_defaults(func=cmd_feedback)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model is bundled; never reach for a hub
    args = build_parser().parse_args(argv)
    from pydantic import ValidationError

    from retrieval.errors import RetrievalError

    try:
        settings = _settings()
        from bot.logs import configure_logging

        configure_logging(settings)
        if getattr(args, "k", None) is not None and args.k < 1:
            raise SystemExit("election-bot: -k must be at least 1")
        return args.func(args, settings)
    except ValidationError as e:
        first = e.errors()[0]
        field = ".".join(str(x) for x in first["loc"]).upper()
        print(f"election-bot: setting {field}: {first['msg']}", file=sys.stderr)
    except RetrievalError as e:
        print(f"election-bot: {e}", file=sys.stderr)
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`election-bot eval | head`): not an error worth a traceback.
        sys.stderr.close()
        return 0
    except Exception as e:  # a bug or a broken install: one line for the user, details in the log
        logging.getLogger("election-bot").debug("unexpected error", exc_info=True)
        print(
            f"election-bot: unexpected error: {type(e).__name__}: {e} "
            "(set LOG_LEVEL=DEBUG for the traceback)",
            file=sys.stderr,
        )
    return 1


if __name__ == "__main__":
    sys.exit(main())
