"""The receiver's durable spool: each accepted delivery is appended here *before* it is
acknowledged, so a receiver killed at any moment loses nothing Meta was told it got.

``{location}/_webhooks/spool.log`` holds one line per delivery (received time in microseconds,
then the raw body in base64); ``checkpoint`` is the offset up to which every line is in the
history. On start the lines past the checkpoint are kept again (the history's keys drop what was
already written), a torn last line (a kill mid-append, never acknowledged) is cut off, and a lock
keeps a second receiver off the same spool. A write reaches the kernel before the answer goes
out, which a killed process cannot undo; ``fsync=True`` also survives a power cut, slower.
"""

from __future__ import annotations

import base64
import fcntl
import logging
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from ..errors import UsageError
from ..private import make_private_dir, write_private

logger = logging.getLogger("instapd.webhooks")

FOLDER = "_webhooks"
#: Past this size, a spool whose every line is kept starts again from empty.
ROTATE_BYTES = 64 * 1024 * 1024


class Spool:
    """Append-only lines with a checkpoint; opening it takes the lock."""

    def __init__(self, folder: Path, *, fsync: bool = False) -> None:
        make_private_dir(folder)
        self.path, self.checkpoint_path = folder / "spool.log", folder / "checkpoint"
        self._fsync = fsync
        self._lock = threading.Lock()
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            raise UsageError(
                f"Another webhook receiver is using {folder}; stop it, or give this one its "
                "own SnapshotLocation."
            ) from None
        self._cut_torn_tail()
        self.end = os.fstat(self._fd).st_size
        kept = self._read_checkpoint()
        self.kept = kept if kept <= self.end else 0  # a rotation cut the spool after it

    def _cut_torn_tail(self) -> None:
        """Drop a last line without its newline: a kill mid-append, never acknowledged."""
        size = os.fstat(self._fd).st_size
        end = size
        with open(self.path, "rb") as stream:
            while end > 0:
                start = max(0, end - (1 << 16))
                stream.seek(start)
                cut = stream.read(end - start).rfind(b"\n")
                if cut >= 0:
                    end = start + cut + 1
                    break
                end = start
        if end < size:
            os.ftruncate(self._fd, end)

    def _read_checkpoint(self) -> int:
        try:
            return int(self.checkpoint_path.read_text().strip() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    def append(self, received: datetime, body: bytes) -> int:
        """Append one delivery; returns the offset just past it."""
        micros = int(received.timestamp() * 1_000_000)
        line = b"%d %s\n" % (micros, base64.b64encode(body))
        with self._lock:
            written = os.write(self._fd, line)
            while written < len(line):  # a short write to a regular file is rare; finish it
                written += os.write(self._fd, line[written:])
            if self._fsync:
                os.fsync(self._fd)
            self.end += len(line)
            return self.end

    def replay(self, start: int, stop: int) -> Iterator[tuple[int, datetime, bytes]]:
        """The deliveries between two offsets: (offset past it, received, body)."""
        with open(self.path, "rb") as stream:
            stream.seek(start)
            offset = start
            while offset < stop:
                line = stream.readline()
                if not line.endswith(b"\n"):
                    return
                offset += len(line)
                micros, _, body = line.rstrip(b"\n").partition(b" ")
                try:
                    received = datetime.fromtimestamp(int(micros) / 1_000_000, UTC)
                    raw = base64.b64decode(body, validate=True)
                except ValueError:  # a damaged line (a disk error, an edit): skip it, say so
                    logger.error("skipping a damaged line of %s at byte %d", self.path, offset)
                    continue
                yield offset, received, raw

    def mark_kept(self, offset: int) -> None:
        """Every delivery up to ``offset`` is in the history; rotate once all is kept."""
        write_private(self.checkpoint_path, str(offset))
        self.kept = offset
        with self._lock:
            if offset == self.end and self.end > ROTATE_BYTES:
                os.ftruncate(self._fd, 0)
                self.end = 0
                write_private(self.checkpoint_path, "0")
                self.kept = 0

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)  # releases the lock
                self._fd = -1
