"""Atomic writes: readers see the old file or directory, or the new one complete, never a half.

The one way this project writes what others read while it runs: the index builds, the vector
index file, the ONNX export, an article added to the corpus. Each is written under a temporary
name beside its target, flushed to disk, then renamed (or linked) into place (a rename within
one directory is atomic on POSIX).
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


def fsync_tree(root: Path) -> None:
    """Flush every file under `root` to disk, so a rename after it publishes whole files."""
    for path in root.rglob("*"):
        if path.is_file():
            with path.open("rb") as f:
                os.fsync(f.fileno())


@contextmanager
def new_file(path: Path, *, replace: bool = True) -> Iterator[BinaryIO]:
    """A binary file to write, which becomes `path` only if the block completes.

    An existing `path` is replaced (`replace`), or refused with FileExistsError: then the name
    is taken with a hard link, which fails if the name exists, so the check can't race.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Not mkstemp: its files are 0600; this one gets the mode any new file gets (the umask).
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "xb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def new_directory(target: Path, *, replace: bool = True) -> Iterator[Path]:
    """A temporary directory to fill, which becomes `target` only if the block completes.

    An existing `target` is replaced (`replace`), or refused with FileExistsError. A failed
    block leaves nothing behind but what was there before.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.tmp-"))
    try:
        yield tmp
        fsync_tree(tmp)
        if target.exists():
            if not replace:
                raise FileExistsError(f"{target} already exists")
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def point_symlink(link: Path, target: Path) -> None:
    """Make `link` a symlink to `target` (relative to the link's directory), atomically."""
    link = Path(link)
    tmp = link.with_name(f".{link.name}-{os.getpid()}")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(Path(target).relative_to(link.parent))
    os.replace(tmp, link)
