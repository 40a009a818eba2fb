"""Named errors of the retrieval core; the CLI and the bot turn them into one clear sentence."""

from __future__ import annotations

import errno


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


# What an operator can do something about, said in words (strerror is terse: "File too large").
_OS_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "a file grew past the file-size limit (ulimit -f)",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
}


def describe_os_error(exc: OSError) -> str:
    """What went wrong with a file, in words, with the file's name when known."""
    if exc.errno in _OS_REASONS:
        reason = _OS_REASONS[exc.errno]
    elif exc.errno is None:
        # Libraries that write through C report a short write without an errno (numpy:
        # "298752 requested and 262112 written"): the disk filled up or a limit was reached.
        reason = f"a write was cut short ({exc}): the disk is full or a file-size limit was reached"
    else:
        reason = exc.strerror or str(exc)
    return f"{reason}: {exc.filename}" if exc.filename else reason
