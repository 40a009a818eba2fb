"""Telegram bot and terminal chat that answer questions by quoting the corpus, with sources."""
