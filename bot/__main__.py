"""`python -m bot`: serve the Telegram bot, like `election-bot serve`."""

from __future__ import annotations

import sys

from bot.config import Settings, token_problem


def main() -> int:
    settings = Settings()
    problem = token_problem(settings)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    from retrieval import RetrievalError, Retriever

    try:
        retriever = Retriever.load(settings)
    except RetrievalError as exc:
        print(f"Can't load the search index: {exc}", file=sys.stderr)
        return 1
    from bot.app import run

    run(settings, retriever)
    return 0


if __name__ == "__main__":
    sys.exit(main())
