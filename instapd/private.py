"""Private files: 0600 files in 0700 folders whatever the umask, written atomically.

The token store, the cache and the snapshot dataset all keep their files this way, so a crash
never leaves a torn file and no other local user reads one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO


def make_private_dir(folder: Path) -> None:
    """Create ``folder`` and its missing parents as 0700; existing ones are left as they are."""
    missing = []
    while not folder.is_dir() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for level in reversed(missing):
        with contextlib.suppress(FileExistsError):
            level.mkdir(mode=0o700)
        with contextlib.suppress(OSError):
            level.chmod(0o700)  # mkdir's mode is filtered by the umask


def tighten(folders: Iterable[Path]) -> None:
    """Make each existing folder 0700 if others may read it (a folder made before, or by hand)."""
    for folder in folders:
        with contextlib.suppress(OSError):
            if folder.stat().st_mode & 0o077:
                folder.chmod(0o700)


@contextlib.contextmanager
def private_file(path: Path) -> Iterator[BinaryIO]:
    """A binary stream whose content becomes ``path`` (0600) only once the block ends without
    an error; otherwise nothing is left behind."""
    make_private_dir(path.parent)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(handle, 0o600)  # whatever the umask
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_private(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) atomically to a 0600 file in a 0700 folder."""
    with private_file(path) as stream:
        stream.write(text.encode("utf-8"))


__all__ = [
    "make_private_dir",
    "private_file",
    "tighten",
    "write_private",
]
