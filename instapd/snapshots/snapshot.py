"""Take a snapshot: read each table for each account and append it to the dataset.

Each table is read for up to 50 accounts at once (``BATCH_ACCOUNTS``), so every level of
requests (first pages, next pages, insights) goes out as one batch request for all of them; the
groups are read concurrently (``workers`` at a time, four batch requests each in flight) over
one Graph client, whose throttle paces every operation from its own usage headers (the app's
and each account's). A group's frame is written as one file at once (its metadata counts each
account's rows), then dropped, so memory stays flat however many accounts there are. A group
that fails is read again account by account, so an account's failure is its own summary row
(and its own file). A killed run goes on where it stopped the next time the same snapshot is
asked for: files are named after the run and their accounts, and an account a file of the run
holds is never read or written again.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from ..__about__ import __version__
from ..cache import ReadLog
from ..catalog import SNAPSHOT_TABLES, get_table
from ..connection import BaseConnection
from ..errors import InstapdError, UsageError
from ..io import read
from ..readers.query import TimeLike, parse_time
from ..validation import graph_id
from . import runs
from .competitors import check_scheme, snapshot_competitors, usernames
from .dataset import SnapshotDataset, check_run_id, file_meta

logger = logging.getLogger("instapd.history")

DEFAULT_TABLES = SNAPSHOT_TABLES  # the catalog's one list (health and dlt use it too)
#: Tables read over a recent window rather than whole: the days back from the snapshot.
RECENT_DAYS = {"AccountInsights": 2}
#: Accounts whose table is read in one go: one operation each in each batch request.
BATCH_ACCOUNTS = 50
#: Batch requests in flight for each group being read (a group holds its rows; a request little).
REQUESTS_PER_WORKER = 4
SUMMARY_COLUMNS = {
    "table": "string",
    "account": "string",
    "rows": "Int64",
    "path": "string",
    "status": "string",
    "error": "string",
    "run": "string",
    "competitor": "string",  # the username, on competitors' rows
}


def location_for(connection: BaseConnection | None, location: str | Path | None) -> Path:
    """``location``, else the connection's ``SnapshotLocation``, else the default folder."""
    configured = connection.config.snapshot_location if connection is not None else None
    return SnapshotDataset(location or configured).location


def table_names(tables: str | Sequence[str] | None) -> tuple[str, ...]:
    """Catalog names for ``tables`` (any case); account tables only."""
    if tables is None:
        return DEFAULT_TABLES
    given = [tables] if isinstance(tables, str) else tables
    if (
        not isinstance(given, list | tuple)
        or not given
        or not all(isinstance(t, str) for t in given)
    ):
        raise UsageError(f"tables= takes a table name or a list of names, not {tables!r}.")
    names = []
    for name in given:
        table = get_table(name)
        if table.scope != "account":
            raise UsageError(
                f"{table.name} is not read per account, so it cannot be snapshotted; choose "
                f"tables such as {', '.join(DEFAULT_TABLES[:3])}."
            )
        names.append(table.name)
    return tuple(dict.fromkeys(names))


def snapshot(
    connection: BaseConnection,
    tables: str | Sequence[str] | None = None,
    *,
    accounts: str | list[str] = "all",
    location: str | Path | None = None,
    run: str | None = None,
    resume: bool = True,
    at: TimeLike | None = None,
    workers: int = 4,
    competitors: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Snapshot ``tables`` of ``accounts`` into the dataset at ``location``; one summary row per
    (table, account): ``rows``, ``path``, ``status`` (``written``, ``kept``: written earlier by
    this run, or ``error``), ``error`` and ``run``. Every row gets ``snapshot_at``: ``at``, by
    default the time the run started (a resumed run keeps its own). ``competitors``: usernames
    whose ``BusinessDiscovery`` and ``BusinessDiscoveryMedia`` are kept too, read through the
    first account (a row per table and username, ``competitor`` naming it)."""
    if not isinstance(workers, int) or isinstance(workers, bool) or not 1 <= workers <= 64:
        raise UsageError(f"workers= takes a whole number from 1 to 64, not {workers!r}.")
    names = table_names(tables)
    rivals = usernames(competitors)
    check_scheme(connection, rivals)
    ids = tuple(graph_id(a, "account") for a in connection.resolve_accounts(accounts))
    dataset = SnapshotDataset(location_for(connection, location))
    plan, resuming = _plan(dataset, names, ids, run, resume, at, rivals)
    logger.info("snapshot run %s: %d tables, %d accounts", plan.id, len(names), len(ids))
    runs.save(dataset, plan)
    # A group's level may take several batch requests (300 media's insights are six): room for
    # them side by side, so waiting on the API overlaps the other groups' work on their rows.
    connection.client.widen(workers * REQUESTS_PER_WORKER)

    def one_group(task: tuple[str, tuple[str, ...]]) -> list[dict[str, Any]]:
        return _group(connection, dataset, plan, *task, resuming=resuming)

    groups = [
        plan.accounts[i : i + BATCH_ACCOUNTS] for i in range(0, len(plan.accounts), BATCH_ACCOUNTS)
    ]
    # each group's deepest reads first (a worker that frees up late then starts a one-level
    # read), group after group: the workers read a mix of tables, never sixteen groups of the
    # heaviest at once (table after table doubled the memory of 1,000 accounts)
    deepest = sorted(plan.tables, key=lambda name: -get_table(name).depth)
    tasks = [(table, group) for group in groups for table in deepest]
    found: dict[tuple[str, str], dict[str, Any]] = {}
    pool = ThreadPoolExecutor(workers, thread_name_prefix="instapd-snapshot")
    try:
        with ReadLog(connection.config.cache_location).hold():  # health's notes, written once
            for done in pool.map(one_group, tasks):
                found.update(((row["table"], row["account"]), row) for row in done)
    except BaseException:  # Ctrl-C or a bad input: stop now, the run resumes later
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    rows = [found[(table, account)] for account in plan.accounts for table in plan.tables]
    if plan.competitors:
        rows.extend(snapshot_competitors(connection, dataset, plan, _write))
    runs.save(dataset, dataclasses.replace(plan, done=True))
    return summary_frame(rows)


def summary_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The summary rows as a frame of ``SUMMARY_COLUMNS`` (a key a row lacks is missing),
    each column built in its dtype (a frame of objects cast after costs a few ms more)."""
    kinds: dict[str, Any] = SUMMARY_COLUMNS  # pandas-stubs types dtype= by each literal
    columns = {
        name: pd.array([row.get(name) for row in rows], dtype=kind) for name, kind in kinds.items()
    }
    return pd.DataFrame(columns)


def _plan(
    dataset: SnapshotDataset,
    tables: tuple[str, ...],
    accounts: tuple[str, ...],
    run: str | None,
    resume: bool,
    at: TimeLike | None,
    competitors: tuple[str, ...] = (),
) -> tuple[runs.Run, bool]:
    """The run to carry out: the one named, an unfinished one with the same plan, or a new one;
    and whether it is one that may have written files already."""
    when = parse_time(at, "at") if at is not None else None
    fresh = runs.new_run(
        when.to_pydatetime() if when is not None else datetime.now(UTC),
        tables,
        accounts,
        competitors,
    )
    if run is not None:
        found = runs.load(dataset, check_run_id(run))
        started = datetime.strptime(run[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        named = found or runs.Run(run, started.isoformat(), tables, accounts, False, competitors)
        return named, True
    if resume:
        for earlier in runs.unfinished(dataset):
            if earlier.plan == fresh.plan:
                logger.info("resuming the unfinished snapshot run %s", earlier.id)
                return earlier, True
    return fresh, False


def _group(
    connection: BaseConnection,
    dataset: SnapshotDataset,
    run: runs.Run,
    table: str,
    accounts: tuple[str, ...],
    *,
    resuming: bool = True,
) -> list[dict[str, Any]]:
    """``table`` for ``accounts`` in one read (batched across them), written as one file; what
    this run wrote before is kept (a new run has written nothing: no files to look through).
    A failed read is done again one account at a time."""
    written = _written(dataset, run, table, accounts) if resuming else {}
    rows = [
        {**_row(run, table, account, path), "rows": count, "status": "kept"}
        for account, (path, count) in written.items()
    ]
    todo = tuple(a for a in accounts if a not in written)
    if len(todo) == 1:
        return [*rows, _one(connection, dataset, run, table, todo[0], resuming)]
    if not todo:
        return rows
    try:
        frame = read(connection, table, account=list(todo), cache=False, progress=False,
                     **_options(run, table))  # fmt: skip
    except UsageError:
        raise
    except InstapdError as exc:
        logger.info("snapshot of %s for %d accounts failed (%s); reading them one by one",
                    table, len(todo), type(exc).__name__)  # fmt: skip
        return [*rows, *(_one(connection, dataset, run, table, a, resuming) for a in todo)]
    rows += _write(dataset, run, table, todo, frame)
    del frame
    # Arrow's allocator keeps freed blocks for reuse; a group's strings, Arrow table and
    # Parquet buffers are done with: giving them back keeps memory flat across groups
    pa.default_memory_pool().release_unused()
    return rows


def _options(run: runs.Run, table: str) -> dict[str, Any]:
    if table in RECENT_DAYS:
        return {"since": run.when - timedelta(days=RECENT_DAYS[table])}
    return {}


def _row(run: runs.Run, table: str, account: str, path: Path | None) -> dict[str, Any]:
    return {"table": table, "account": account, "path": path and str(path), "run": run.id}


def _write(
    dataset: SnapshotDataset,
    run: runs.Run,
    table: str,
    accounts: tuple[str, ...],
    frame: pd.DataFrame,
    extra: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """One file for the group: its rows, and in its metadata how many each account has (and
    ``extra``)."""
    path = dataset.group_path(table, run.date, run.id, accounts)
    arrow = to_arrow(frame, run.when)
    owners = arrow.column("business_account_id").value_counts().to_pylist()
    counts = dict.fromkeys(accounts, 0) | {str(o["values"]): int(o["counts"]) for o in owners}
    dataset.write(path, arrow, {**_meta(run, table, counts), **(extra or {})})
    return [
        {**_row(run, table, account, path), "rows": counts[account], "status": "written"}
        for account in accounts
    ]


def _one(
    connection: BaseConnection,
    dataset: SnapshotDataset,
    run: runs.Run,
    table: str,
    account: str,
    resuming: bool = True,
) -> dict[str, Any]:
    written = _written(dataset, run, table, (account,)) if resuming else {}
    if account in written:
        path, count = written[account]
        return {**_row(run, table, account, path), "rows": count, "status": "kept"}
    options = _options(run, table)
    try:
        frame = read(connection, table, account=account, cache=False, progress=False, **options)
    except UsageError:
        raise
    except InstapdError as exc:
        logger.warning("snapshot of %s for %s failed: %s", table, account, exc)
        row = _row(run, table, account, None)
        return {**row, "rows": 0, "status": "error", "error": str(exc)}
    (row,) = _write(dataset, run, table, (account,), frame)
    return row


def _written(
    dataset: SnapshotDataset, run: runs.Run, table: str, accounts: tuple[str, ...]
) -> dict[str, tuple[Path, int]]:
    """Of ``accounts``, those this run already wrote ``table`` for: where, and how many rows
    (a group file's metadata, a compacted file's, or an earlier version's file per account)."""
    wanted = set(accounts)
    found: dict[str, tuple[Path, int]] = {}
    for path in dataset.run_files(table, run.date, run.id):
        meta = file_meta(path)
        if path.name.startswith("compact-"):
            counts = meta.get("accounts_by_run", {}).get(run.id, {})
        else:
            counts = meta.get("accounts", {})
        found.update((a, (path, int(n))) for a, n in counts.items() if a in wanted)
    missing = wanted - found.keys()
    if not missing or not dataset.has_account_folders(table):
        return found
    for account in missing:  # a run an earlier version started
        legacy = dataset.path(table, account, run.date, run.id)
        kept = _legacy_written(legacy, run.id)
        if kept is not None:
            found[account] = (legacy, kept)
    return found


def _legacy_written(path: Path, run_id: str) -> int | None:
    """Rows this run wrote for one account before groups (its own file, or compacted)."""
    if path.exists():
        return int(file_meta(path).get("rows", 0))
    if path.parent.is_dir():
        for merged in path.parent.glob("compact-*.parquet"):
            meta = file_meta(merged)
            if f"{run_id}.parquet" in meta.get("compacted", []):
                return int(meta.get("rows_by_run", {}).get(run_id, 0))
    return None


def to_arrow(frame: pd.DataFrame, at: datetime) -> pa.Table:
    """The frame plus ``snapshot_at``, as Arrow (lists stay lists, ids stay strings), with the
    pandas metadata ``pa.Table.from_pandas`` gives it (a file read back keeps its dtypes)."""
    plain = pd.DataFrame(frame, copy=False)  # frame.copy() would deep-copy attrs first
    plain.attrs = {}  # pandas deep-copies attrs on every column access pyarrow makes
    stamp = pd.Timestamp(at).tz_convert("UTC").as_unit("us")
    names = list(plain.columns)
    if "snapshot_at" in names or len(set(names)) < len(names):
        return pa.Table.from_pandas(plain.assign(snapshot_at=stamp), preserve_index=False)
    # Each column as from_pandas converts it, and the pandas metadata from_pandas works out,
    # which follows from the columns' names, dtypes and Arrow types alone: once per kind of
    # frame (a snapshot writes the same kinds again and again), not for every file.
    columns = [plain[name] for name in names]
    arrays = [_arrow_column(column) for column in columns]
    arrays.append(pa.repeat(pa.scalar(stamp.to_pydatetime(), _STAMP), len(plain)))
    types = tuple(array.type for array in arrays)
    key = (tuple(names), tuple(column.dtype for column in columns), types)
    metadata = _PANDAS_METADATA.get(key)
    if metadata is None:
        table = pa.Table.from_pandas(plain.assign(snapshot_at=stamp), preserve_index=False)
        if tuple(table.schema.types) == types and len(_PANDAS_METADATA) < 1024:
            _PANDAS_METADATA[key] = table.schema.metadata
        return table
    named = zip([*names, "snapshot_at"], types, strict=True)
    fields = [pa.field(str(name), kind) for name, kind in named]
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata))


def _arrow_column(column: pd.Series) -> pa.Array | pa.ChunkedArray:
    """``pa.array(column, from_pandas=True)``, as ``from_pandas`` converts a column; an array
    that converts itself (pandas' strings, nullable numbers) is asked directly, as pyarrow does
    once it has looked the Series over (which costs more than the conversion)."""
    values = column.array
    if hasattr(values, "__arrow_array__") and not isinstance(column.dtype, pd.DatetimeTZDtype):
        return pa.array(values, from_pandas=True)
    return pa.array(column, from_pandas=True)


#: ``snapshot_at``'s type: the column pandas makes of a UTC ``Timestamp`` in microseconds.
_STAMP = pa.timestamp("us", tz="UTC")
#: (names, dtypes, Arrow types) -> the pandas metadata ``from_pandas`` gave such a frame.
_PANDAS_METADATA: dict[tuple[Any, ...], dict[bytes, bytes]] = {}


def _meta(run: runs.Run, table: str, accounts: dict[str, int]) -> dict[str, Any]:
    return {
        "table": table,
        "accounts": accounts,
        "run": run.id,
        "snapshot_at": run.at,
        "rows": sum(accounts.values()),
        "instapd_version": __version__,
    }
