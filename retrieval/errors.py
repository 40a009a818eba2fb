"""Named errors of the retrieval core; the CLI and the bot turn them into one clear sentence."""

from __future__ import annotations


class RetrievalError(Exception):
    """Base class: every error the core raises on purpose."""


class CorpusError(RetrievalError):
    """A corpus file that cannot be used, naming the file and the field."""

    def __init__(self, file: str, field: str, why: str) -> None:
        self.file, self.field, self.why = file, field, why
        where = f"{file}: {field}" if field else file
        super().__init__(f"{where}: {why}")


class IndexNotFound(RetrievalError):
    """No index has been built in the index directory yet."""


class IndexCorrupt(RetrievalError):
    """The index on disk is unreadable or inconsistent."""


class IndexNotWritable(RetrievalError):
    """The index directory cannot be created or written."""


class IndexStale(RetrievalError):
    """The index was built from another corpus or model than the current one."""


class ModelError(RetrievalError):
    """The embedding model could not be loaded."""


class IngestError(RetrievalError):
    """A page that cannot be added to the corpus: nothing was written."""


class SettingsError(RetrievalError):
    """A setting or settings file that cannot be used."""
