"""The Parquet query cache: a notebook re-run costs no API calls.

Each result is one Parquet file, keyed by the normalised query (table, accounts, columns, filters,
time range, API version, the table's schema version, and the API root it came from; never the
token). Files live one folder per account and table, so DuckDB, Polars or Spark read a table's
files directly::

    {cache dir}/{business_account_id}/{Table}/{key}.parquet     one account
    {cache dir}/_user/{Table}/{key}.parquet                       tables of the user (Pages...)
    {cache dir}/_multi/{Table}/{key}.parquet                      several accounts in one read

The query, ``fetched_at``, row count and instapd version are in the file's metadata (key
``instapd``) and come back in ``df.attrs["instapd"]``. Writes go to a temporary file renamed into
place, so a reader never sees a torn file; an unreadable file is ignored with a warning.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import platformdirs
import pyarrow as pa
import pyarrow.parquet as pq

from .__about__ import __version__
from .catalog import Table
from .errors import AccountError, UnknownTableError, UsageError, warn
from .private import (
    check_tree,
    folder_path,
    make_private_dir,
    private_file,
    read_json_object,
    tighten,
    write_private,
)
from .validation import graph_id, inside, is_graph_id

logger = logging.getLogger("instapd.cache")

METADATA_KEY = b"instapd"
USER_FOLDER, MULTI_FOLDER = "_user", "_multi"


class CacheWarning(UserWarning):
    """The cache could not be read or written; the data itself is fine."""


def default_location() -> Path:
    """``INSTAPD_CACHE_DIR``, else the user's cache directory (platformdirs)."""
    return Path(os.environ.get("INSTAPD_CACHE_DIR") or platformdirs.user_cache_dir("instapd"))


def schema_version(table: Table) -> str:
    """Changes whenever the table's columns, types or way of reading change."""
    shape = [(c.name, c.type, c.source) for c in table.columns]
    text = json.dumps([shape, table.reader, sorted(map(str, table.options.items()))])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def query_key(description: dict[str, Any]) -> str:
    """A stable key for a normalised query description (plain JSON)."""
    canonical = json.dumps(description, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Entry:
    """A cached result: the frame (attrs included), its metadata, and where it lives."""

    frame: pd.DataFrame
    meta: dict[str, Any]
    path: Path

    @property
    def fetched_at(self) -> datetime:
        return datetime.fromisoformat(self.meta["fetched_at"])

    @property
    def age(self) -> timedelta:
        return datetime.now(UTC) - self.fetched_at


class QueryCache:
    """Parquet files under ``location``. Constructing one touches no disk."""

    def __init__(self, location: str | Path | None = None) -> None:
        self.location = default_location() if not location else folder_path(location, "location")

    def __repr__(self) -> str:
        return f"<QueryCache {self.location}>"

    def path(self, table: str, accounts: list[str], key: str) -> Path:
        """Where an entry lives; every part is checked, and the result must lie under the root."""
        folder = (
            USER_FOLDER if not accounts else accounts[0] if len(accounts) == 1 else MULTI_FOLDER
        )
        if not is_graph_id(folder) and folder not in (USER_FOLDER, MULTI_FOLDER):
            raise AccountError(f"Account id {folder!r} is not a string of digits; pass a Graph id.")
        if not re.fullmatch(r"[A-Za-z0-9_]+", table) or not re.fullmatch(r"[0-9a-f]+", key):
            raise UsageError(f"Cannot cache table {table!r}: its name is not a plain word.")
        path = self.location / folder / table / f"{key}.parquet"
        return self.inside(path)

    def inside(self, path: Path) -> Path:
        """``path``, once it resolves to a place under the cache root, and the root and every
        level down to it are the user's own, writable by no one else, and no links."""
        inside(
            self.location,
            path,
            "Refusing the cache path {path}: it leads outside the cache folder {root}. "
            "Remove the link, or set CacheLocation to a folder of your own.",
        )
        return check_tree(self.location, path, "CacheLocation")

    def lookup(self, path: Path) -> Entry | None:
        """The entry at ``path``; None when absent, and a warning when unreadable."""
        if not path.exists():
            return None
        try:
            table = pq.read_table(path)
            meta = json.loads((table.schema.metadata or {})[METADATA_KEY])
            if not isinstance(meta, dict) or not isinstance(meta.get("query"), dict):
                raise ValueError("no instapd metadata")
            if datetime.fromisoformat(meta["fetched_at"]).tzinfo is None:
                raise ValueError("a naive fetched_at")
            frame = table.to_pandas()
        except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as exc:
            warn(
                f"Ignoring an unreadable cache file {path} ({type(exc).__name__}); "
                "reading from the API instead.",
                CacheWarning,
            )
            return None
        for column, dtype in frame.dtypes.items():  # Parquet lists come back as arrays
            if isinstance(dtype, np.dtype) and dtype.kind == "O":
                frame[column] = [v.tolist() if hasattr(v, "tolist") else v for v in frame[column]]
        return Entry(frame, meta, path)

    def store(self, path: Path, frame: pd.DataFrame, meta: dict[str, Any]) -> bool:
        """Write atomically; on failure (a full disk...) warn and return False."""
        try:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            metadata = {**(table.schema.metadata or {}), METADATA_KEY: json.dumps(meta).encode()}
            self._tighten(path)
            with private_file(self.inside(path)) as stream:
                pq.write_table(table.replace_schema_metadata(metadata), stream)
        except OSError as exc:
            warn(
                f"Could not write the cache ({exc.strerror or exc}); the data is returned but "
                "not cached.",
                CacheWarning,
            )
            return False
        return True

    def _tighten(self, path: Path) -> None:
        """The entry's folders (instapd's own, below the root) readable by the owner only; the
        root is the user's choice and keeps its mode. Missing folders are made 0700."""
        make_private_dir(self.inside(path.parent))
        tighten((path.parent.parent, path.parent))

    def _accounts_file(self, source: str) -> Path:
        return self.location / USER_FOLDER / f"accounts-{query_key({'source': source})}.json"

    def remember_accounts(self, source: str, accounts: list[dict[str, str]]) -> None:
        """Keep the linked accounts (ids and usernames, no secrets) for offline use."""
        path = self._accounts_file(source)
        try:
            stamped = {"fetched_at": datetime.now(UTC).isoformat(), "accounts": accounts}
            self._tighten(path)
            write_private(self.inside(path), json.dumps(stamped))
        except OSError:
            logger.info("could not remember the linked accounts in %s", self.location)

    def linked_accounts(
        self, source: str, max_age: float | None = None
    ) -> list[dict[str, str]] | None:
        """The remembered linked accounts, if any (and, with ``max_age``, fresh enough)."""
        try:
            stamped = json.loads(self._accounts_file(source).read_text(encoding="utf-8"))
            age = datetime.now(UTC) - datetime.fromisoformat(stamped["fetched_at"])
            accounts = list(stamped["accounts"])
            if not all(isinstance(a, dict) for a in accounts):
                return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return accounts if max_age is None or age.total_seconds() <= max_age else None

    def files(self) -> Iterator[Path]:
        """The entries' files; a link, or a level another user may change, is refused."""
        if self.location.exists():
            yield from (self.inside(p) for p in sorted(self.location.glob("*/*/*.parquet")))

    def entries(self) -> pd.DataFrame:
        """One row per entry: table, account, query, rows, bytes, fetched_at, path."""
        rows = []
        for path in self.files():
            account = path.parent.parent.name
            if not is_graph_id(account) and account not in (USER_FOLDER, MULTI_FOLDER):
                continue  # not a folder instapd wrote
            try:
                meta = json.loads((pq.read_schema(path).metadata or {})[METADATA_KEY])
                row = {
                    "table": str(meta["query"]["table"]),
                    "account": account,
                    "query": json.dumps(meta["query"], sort_keys=True),
                    "rows": int(meta["rows"]),
                    "bytes": path.stat().st_size,
                    "fetched_at": pd.Timestamp(meta["fetched_at"]).tz_convert("UTC"),
                    "path": str(path),
                }
            except (OSError, ValueError, KeyError, TypeError, AttributeError, pa.ArrowException):
                continue  # a foreign or damaged file: not an entry
            rows.append(row)
        columns = ["table", "account", "query", "rows", "bytes", "fetched_at", "path"]
        frame = pd.DataFrame(rows, columns=columns)
        return frame.astype(
            {"table": "string", "account": "string", "query": "string", "rows": "Int64",
             "bytes": "Int64", "fetched_at": "datetime64[us, UTC]", "path": "string"}
        )  # fmt: skip

    def clear(
        self,
        table: str | None = None,
        account: str | None = None,
        older_than: timedelta | str | None = None,
    ) -> int:
        """Remove matching entries (and stray temporary files); returns how many entries."""
        cutoff = _cutoff(older_than)
        if table is not None and not isinstance(table, str):
            raise UnknownTableError(
                f"table= takes a table name such as 'Media', not {type(table).__name__}; "
                "instapd.tables() lists them."
            )
        if account is not None:
            account = graph_id(account, "account", AccountError)
        listing = self.entries()
        if table is not None:
            listing = listing[listing["table"].str.lower() == table.lower()]
        if account is not None:
            listing = listing[listing["account"] == account]
        if cutoff is not None:
            listing = listing[listing["fetched_at"] < cutoff]
        for path in listing["path"]:
            with contextlib.suppress(FileNotFoundError):
                Path(path).unlink()
        if table is None and account is None and older_than is None and self.location.exists():
            for stray in self.location.glob("*/*/.*.tmp"):
                with contextlib.suppress(FileNotFoundError):
                    self.inside(stray).unlink()
        return len(listing)


_BARE_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)\s*$")


def _cutoff(older_than: timedelta | str | None) -> pd.Timestamp | None:
    """Entries fetched before this time are older than ``older_than``."""
    if older_than is None:
        return None
    bare = isinstance(older_than, str) and _BARE_NUMBER.match(older_than)
    if bare or not isinstance(older_than, timedelta | str):
        raise UsageError(  # pandas would read a bare 7 as 7 nanoseconds: everything is older
            f"older_than needs a unit: a duration such as '7d', '12h', '30m' or '7 days', or a "
            f"timedelta, not {older_than!r}."
        )
    try:
        age = pd.Timedelta(older_than)
        cutoff = None if pd.isna(age) or age < pd.Timedelta(0) else pd.Timestamp.now(tz="UTC") - age
    except (ValueError, TypeError, OverflowError):  # OutOfBoundsDatetime is a ValueError
        cutoff = None
    if cutoff is None:
        raise UsageError(
            f"older_than must be a duration such as '7 days', '12 hours' or a timedelta, "
            f"not {older_than!r}."
        )
    return cutoff


def entries(location: str | Path | None = None) -> pd.DataFrame:
    """The cache's entries as a DataFrame (default location: see :func:`default_location`)."""
    return QueryCache(location).entries()


def clear(
    table: str | None = None,
    account: str | None = None,
    older_than: timedelta | str | None = None,
    *,
    location: str | Path | None = None,
) -> int:
    """Remove cache entries by table, account and/or age; returns how many."""
    return QueryCache(location).clear(table, account, older_than)


def stamp_meta(query: dict[str, Any], rows: int, api_version: str) -> dict[str, Any]:
    return {
        "query": query,
        "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": rows,
        "api_version": api_version,
        "instapd_version": __version__,
    }


__all__ = [
    "METADATA_KEY",
    "CacheWarning",
    "Entry",
    "QueryCache",
    "ReadLog",
    "clear",
    "default_location",
    "entries",
    "query_key",
    "schema_version",
    "stamp_meta",
]


#: Characters of an error message kept in the read log.
_ERROR_CHARS = 300
_READ_LOG_LOCK = threading.Lock()
#: Read logs being held (:meth:`ReadLog.hold`): path -> [holders, the notes not yet written].
_HELD: dict[Path, list[Any]] = {}


class ReadLog:
    """Each account's last good read and last error, for :func:`instapd.health`.

    A small private file (``reads.json``, 0600, written atomically) in the cache folder: table
    names, times and error messages (which the client has already cleared of the token), never
    a secret. It is kept whether or not reads are cached; a write it cannot make is skipped.
    """

    def __init__(self, location: str | Path | None = None) -> None:
        self.path = Path(location or default_location()) / "reads.json"

    def record(self, accounts: list[str], table: str, error: Exception | None = None) -> None:
        """Note a read of ``table`` for ``accounts`` that succeeded, or failed with ``error``."""
        if not accounts:
            return
        now = datetime.now(UTC).isoformat(timespec="seconds")
        if error is None:
            note = {"last_good_read": now, "last_good_table": table}
        else:
            message = f"{table}: {type(error).__name__}: {error}"[:_ERROR_CHARS]
            note = {"last_error_at": now, "last_error": message}
        with _READ_LOG_LOCK:
            held = _HELD.get(self.path)
            known = self._read() if held is None or held[1] is None else held[1]
            for account in accounts:
                known.setdefault(account, {}).update(note)
            if held is not None:
                held[1] = known  # written once, when the last holder lets go
            else:
                self._write(known)

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Keep the notes of the block's reads in memory and write them once at its end (a
        snapshot makes hundreds of reads; each would rewrite and sync the whole file)."""
        with _READ_LOG_LOCK:
            held = _HELD.setdefault(self.path, [0, None])
            held[0] += 1
        try:
            yield
        finally:
            with _READ_LOG_LOCK:
                held[0] -= 1
                if held[0] == 0:
                    del _HELD[self.path]
                    if held[1] is not None:
                        self._write(held[1])

    def _write(self, known: dict[str, dict[str, str]]) -> None:
        try:
            write_private(self.path, json.dumps(known, sort_keys=True))
        except OSError:
            logger.info("could not note the read in %s", self.path)

    def entries(self) -> dict[str, dict[str, str]]:
        """Account id -> its notes (those a held log has not written yet too); nothing when the
        file is missing or unreadable."""
        with _READ_LOG_LOCK:
            held = _HELD.get(self.path)
            if held is not None and held[1] is not None:
                return {k: dict(v) for k, v in held[1].items()}
            return self._read()

    def _read(self) -> dict[str, dict[str, str]]:
        found = read_json_object(self.path)
        return {
            str(k): {str(n): str(v) for n, v in notes.items()}
            for k, notes in found.items()
            if is_graph_id(k) and isinstance(notes, dict)
        }
