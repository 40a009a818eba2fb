"""`python -m bot`: serve the Telegram bot, exactly as `election-bot serve` does."""

from __future__ import annotations

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve"]))
