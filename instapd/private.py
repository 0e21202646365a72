"""Private files: 0600 files in 0700 folders whatever the umask, written atomically.

The token store, the cache and the snapshot dataset all keep their files this way, so a crash
never leaves a torn file and no other local user reads one. Under a root (the cache, the
snapshot dataset), :func:`check_tree` refuses any level that another user owns or may write,
and any link: what such a folder holds may have been put there by someone else.
Only folders instapd makes are tightened; a folder the user made keeps its mode.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from .errors import PrivateFolderError


def folder_path(value: object, setting: str) -> Path:
    """``value`` as a folder path: text or a path, not empty."""
    if isinstance(value, str | os.PathLike) and str(value).strip():
        return Path(value).expanduser()
    raise PrivateFolderError(
        f"{setting} takes a folder path such as '~/instapd-data' (text or a pathlib.Path), "
        f"not {value!r}."
    )


def make_private_dir(folder: Path) -> None:
    """Create ``folder`` and its missing parents as 0700; existing ones are left as they are.
    (The chmod below touches only a level this call made.)"""
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
    """Take group and others' bits off each existing folder of instapd's own making (one an
    earlier version made readable): callers pass only folders below a root, never one the user
    named. Setgid and sticky bits stay; a link is never followed."""
    for folder in folders:
        with contextlib.suppress(OSError):
            _tighten_level(folder, folder.lstat())


def _tighten_level(level: str | Path, status: os.stat_result) -> None:
    """Take group and others' bits off ``level`` (``status`` its lstat) when it is a folder of
    the user's with any of them set."""
    if stat.S_ISDIR(status.st_mode) and status.st_mode & 0o077 and _mine(status):
        with contextlib.suppress(OSError):
            os.chmod(level, stat.S_IMODE(status.st_mode) & ~0o077)


def check_tree(root: Path, path: Path, setting: str) -> Path:
    """``path``, once ``root`` and every level from it down to ``path`` that exists is a real
    folder or file (no link below the root), owned by the current user and writable by no one
    else; else :class:`PrivateFolderError` naming the level and the fix. ``setting`` is the
    property that chose the root (``CacheLocation``, ``SnapshotLocation``)."""
    _checked_levels(root, path, setting)
    return path


def private_tree(root: Path, folder: Path, setting: str) -> None:
    """Make ``folder`` ready to write in, with one look at each level: ``root`` and every level
    down to ``folder`` checked as :func:`check_tree` does, the missing ones made 0700 (with
    :func:`make_private_dir`), and the existing ones below the root (instapd's own) without
    group and others' bits, as :func:`tighten` leaves them. The root keeps its mode."""
    found = _checked_levels(root, folder, setting)
    if len(found) < len(folder.relative_to(root).parts) + 1:
        make_private_dir(folder)  # the levels from the first missing one down
    for depth, level, status in found:
        if depth:  # below the root: instapd's own
            _tighten_level(level, status)


def _checked_levels(root: Path, path: Path, setting: str) -> list[tuple[int, str, os.stat_result]]:
    """Each level from ``root`` (depth 0) down to ``path`` that exists, with its depth and
    status (the root's followed, a level below it not), once it passes :func:`check_tree`'s
    checks; the walk ends at the first level missing."""
    try:
        relative = path.relative_to(root)
    except ValueError:
        raise PrivateFolderError(
            f"Refusing {path}: it is outside the {setting} folder {root}.", path=path
        ) from None
    last = len(relative.parts)
    level = os.fspath(root)
    found: list[tuple[int, str, os.stat_result]] = []
    for depth, part in enumerate(("", *relative.parts)):
        level = os.path.join(level, part) if depth else level
        try:
            status = os.lstat(level) if depth else os.stat(level)
        except FileNotFoundError:
            break  # nothing there yet: instapd makes it, private
        except OSError:
            continue  # unreadable here: the open itself will say why
        if stat.S_ISLNK(status.st_mode):
            raise PrivateFolderError(
                f"Refusing {level}: it is a link inside the {setting} folder {root}, and writes "
                "would follow it elsewhere. Remove the link, or set "
                f"{setting} to a folder of your own.",
                path=Path(level),
            )
        if depth < last and not stat.S_ISDIR(status.st_mode):
            raise PrivateFolderError(
                f"Refusing {level}: it is a file, and {setting} names a folder. Set {setting} "
                "to a folder (instapd makes it if it is missing).",
                path=Path(level),
            )
        if not _mine(status):
            raise PrivateFolderError(
                f"Refusing {level}: it belongs to another user (uid {status.st_uid}), who could "
                f"replace what it holds. Set {setting} to a folder of your own.",
                path=Path(level),
            )
        if status.st_mode & 0o022:
            raise PrivateFolderError(
                f"Refusing {level}: others may write to it ({stat.filemode(status.st_mode)}), "
                f"so what it holds may not be yours. Run `chmod go-w {level}` if it is yours "
                f"alone, or set {setting} to a folder of your own.",
                path=Path(level),
            )
        found.append((depth, level, status))
    return found


def _mine(status: os.stat_result) -> bool:
    getuid = getattr(os, "getuid", None)  # no owners to compare on Windows
    return getuid is None or status.st_uid == getuid()


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


def read_json_object(path: Path) -> dict[str, Any]:
    """The JSON object a private file holds; empty when it is missing, unreadable or no object
    (the caller checks the entries it takes)."""
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


@contextlib.contextmanager
def private_lock(path: Path) -> Iterator[None]:
    """Hold ``{path}.lock`` (a 0600 file beside ``path``) for the block: one process at a
    time reads, merges and replaces ``path``. The operating system's own lock (``flock``,
    ``msvcrt.locking`` on Windows) is released when the process ends, so a crash leaves
    nothing held."""
    make_private_dir(path.parent)
    handle = os.open(path.with_name(f"{path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _lock(handle)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def _lock(handle: int) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        while True:
            try:
                msvcrt.locking(handle, msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
                return
            except OSError:  # LK_LOCK gives up after 10 s: keep waiting
                continue
    fcntl.flock(handle, fcntl.LOCK_EX)


__all__ = [
    "make_private_dir",
    "private_file",
    "private_lock",
    "private_tree",
    "tighten",
    "write_private",
]
