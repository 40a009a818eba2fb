"""`python -m bot`: serve the Telegram bot, as `election-bot serve` does; with arguments it is
the `election-bot` command itself (`python -m bot --help`, `python -m bot health`)."""

from __future__ import annotations

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["serve"]))
