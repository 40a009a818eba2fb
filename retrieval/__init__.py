"""Retrieval core: find the passages of the corpus that answer a question.

>>> from retrieval import Retriever
>>> r = Retriever.load()
>>> r.search("Who won the presidential election?", k=3)
"""

from retrieval.errors import (
    CorpusError,
    IndexCorrupt,
    IndexNotFound,
    IndexStale,
    ModelError,
    RetrievalError,
)
from retrieval.records import Article, Hit, Passage, Ranked, Refusal, SearchResult, Source

__all__ = [
    "Article",
    "CorpusError",
    "Hit",
    "IndexCorrupt",
    "IndexNotFound",
    "IndexStale",
    "ModelError",
    "Passage",
    "Ranked",
    "Refusal",
    "RetrievalError",
    "Retriever",
    "SearchResult",
    "Source",
]


def __getattr__(name: str):
    # Imported lazily so `from retrieval import Hit` stays cheap for the bot's formatter.
    if name == "Retriever":
        from retrieval.retriever import Retriever

        return Retriever
    raise AttributeError(name)
