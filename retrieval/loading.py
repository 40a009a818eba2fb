"""When to rebuild: the index loaded, or built first when it is missing, stale or damaged."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from retrieval.build import build_index, staleness
from retrieval.config import RetrievalSettings
from retrieval.encoders import Encoder, ensure_query_encoder
from retrieval.errors import CorpusError, IndexCorrupt, IndexNotFound, IndexStale
from retrieval.store import IndexData, build_lock, load_index

log = logging.getLogger(__name__)


def open_index(
    settings: RetrievalSettings,
    encoder: Encoder | None = None,
    *,
    progress: bool = True,
    rebuild: bool = True,
) -> tuple[IndexData, list[str]]:
    """The index of INDEX_DIR, built first when missing or stale; and warnings to show.

    A stale or damaged index is rebuilt when AUTO_REBUILD is on (the default); otherwise
    IndexStale, IndexNotFound or IndexCorrupt says to run `election-bot index`. When the
    corpus cannot be indexed (a bad file) but a sound older index exists, that index is used
    and the problem returned as a warning; a damaged index is never served. `rebuild=False`
    loads the current build as it is, stale or not, and never builds.
    """
    index_dir = Path(settings.index_dir)
    warnings: list[str] = []
    if not rebuild:
        return load_index(index_dir), warnings
    data: IndexData | None = None
    error: Exception | None = None
    try:
        data = load_index(index_dir)
        why = staleness(settings, data.manifest)
    except (IndexNotFound, IndexCorrupt) as e:
        why = "there is no index yet" if isinstance(e, IndexNotFound) else str(e)
        error = e
    if why is None:
        assert data is not None
        return data, warnings
    if not settings.auto_rebuild:
        if error is None:
            raise IndexStale(f"the index is stale: {why}; run `election-bot index`")
        raise type(error)(f"{error}; run `election-bot index` to rebuild it")
    if progress:
        print(f"Building the index ({why}).", file=sys.stderr)
    try:
        build_index(settings, encoder, progress=progress)
        data = load_index(index_dir)
        if encoder is None:
            ensure_export(settings, progress)
    except CorpusError as e:
        if data is None:  # nothing sound to fall back on
            raise
        warnings.append(f"serving the previous index: the corpus cannot be indexed ({e})")
        log.warning(warnings[-1])
    return data, warnings


def ensure_export(settings: RetrievalSettings, progress: bool = True) -> None:
    """The question encoder exported (or exported again, when damaged), one process at a time:
    under the build lock, so two exports never replace each other's files."""
    with build_lock(Path(settings.index_dir)):
        ensure_query_encoder(settings, progress)
