"""Take a snapshot: read each table for each account and append it to the dataset.

Each table is read for up to 50 accounts at once (``BATCH_ACCOUNTS``), so every level of
requests (first pages, next pages, insights) goes out as one batch request for all of them; the
groups are read concurrently (``workers`` at a time) over one Graph client, whose throttle paces
every operation from its own usage headers (the app's and each account's). A group's frame is
split by account and each (table, account) written at once, then dropped, so memory stays flat
however many accounts there are. A group that fails is read again account by account, so an
account's failure is its own summary row. A killed run goes on where it stopped the next time
the same snapshot is asked for: files are named after the run, and a file already written is
never written again.
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
from ..catalog import get_table
from ..connection import BaseConnection
from ..errors import InstapdError, UsageError
from ..io import read
from ..readers.query import TimeLike, parse_time
from ..validation import graph_id
from . import runs
from .competitors import check_scheme, snapshot_competitors, usernames
from .dataset import SnapshotDataset, check_run_id, file_meta

logger = logging.getLogger("instapd.history")

DEFAULT_TABLES = (
    "Stories",
    "StoryInsights",
    "Media",
    "MediaInsights",
    "AccountInsights",  # daily reach and follower_count, the last 2 days of each run
    "InstagramBusinessProfile",
    "OnlineFollowers",  # Meta keeps 30 days; history keeps every run's
    "AudienceInsights",  # demographics as of now only: history makes them a time series
    "Tags",  # media others tagged the account in, which their owners may delete
)
#: Tables read over a recent window rather than whole: the days back from the snapshot.
RECENT_DAYS = {"AccountInsights": 2}
#: Accounts whose table is read in one go: one operation each in each batch request.
BATCH_ACCOUNTS = 50
#: Files of a group written side by side.
WRITERS = 4
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
    plan = _plan(dataset, names, ids, run, resume, at, rivals)
    logger.info("snapshot run %s: %d tables, %d accounts", plan.id, len(names), len(ids))
    runs.save(dataset, plan)

    def one_group(task: tuple[str, tuple[str, ...]]) -> list[dict[str, Any]]:
        return _group(connection, dataset, plan, *task)

    groups = [
        plan.accounts[i : i + BATCH_ACCOUNTS] for i in range(0, len(plan.accounts), BATCH_ACCOUNTS)
    ]
    tasks = [(table, group) for group in groups for table in plan.tables]
    found: dict[tuple[str, str], dict[str, Any]] = {}
    pool = ThreadPoolExecutor(workers, thread_name_prefix="instapd-snapshot")
    try:
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
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS)).astype(SUMMARY_COLUMNS)


def _plan(
    dataset: SnapshotDataset,
    tables: tuple[str, ...],
    accounts: tuple[str, ...],
    run: str | None,
    resume: bool,
    at: TimeLike | None,
    competitors: tuple[str, ...] = (),
) -> runs.Run:
    """The run to carry out: the one named, an unfinished one with the same plan, or a new one."""
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
        return found or runs.Run(run, started.isoformat(), tables, accounts, False, competitors)
    if resume:
        for earlier in runs.unfinished(dataset):
            if earlier.plan == fresh.plan:
                logger.info("resuming the unfinished snapshot run %s", earlier.id)
                return earlier
    return fresh


def _group(
    connection: BaseConnection,
    dataset: SnapshotDataset,
    run: runs.Run,
    table: str,
    accounts: tuple[str, ...],
) -> list[dict[str, Any]]:
    """``table`` for ``accounts`` in one read (batched across them), written account by account;
    what this run wrote before is kept. A failed read is done again one account at a time."""
    rows: list[dict[str, Any]] = []
    todo: list[str] = []
    for account in accounts:
        path = dataset.path(table, account, run.date, run.id)
        kept = _written(path, run.id)
        if kept is None:
            todo.append(account)
        else:
            rows.append({**_row(run, table, account, path), "rows": kept, "status": "kept"})
    if len(todo) == 1:
        return [*rows, _one(connection, dataset, run, table, todo[0])]
    if not todo:
        return rows
    try:
        frame = read(connection, table, account=todo, cache=False, progress=False,
                     **_options(run, table))  # fmt: skip
    except UsageError:
        raise
    except InstapdError as exc:
        logger.info("snapshot of %s for %d accounts failed (%s); reading them one by one",
                    table, len(todo), type(exc).__name__)  # fmt: skip
        return [*rows, *(_one(connection, dataset, run, table, a) for a in todo)]
    attrs = frame.attrs.get("instapd", {})
    owners = frame["business_account_id"]

    def write(account: str) -> dict[str, Any]:
        part = frame[owners == account].reset_index(drop=True)
        part.attrs = {"instapd": {**attrs, "accounts": [account]}}
        return _write(dataset, run, table, account, part)

    with ThreadPoolExecutor(WRITERS, thread_name_prefix="instapd-write") as writers:
        rows.extend(writers.map(write, todo))  # Parquet and fsync let go of the GIL
    return rows


def _options(run: runs.Run, table: str) -> dict[str, Any]:
    if table in RECENT_DAYS:
        return {"since": run.when - timedelta(days=RECENT_DAYS[table])}
    return {}


def _row(run: runs.Run, table: str, account: str, path: Path) -> dict[str, Any]:
    return {"table": table, "account": account, "path": str(path), "run": run.id}


def _write(
    dataset: SnapshotDataset,
    run: runs.Run,
    table: str,
    account: str,
    frame: pd.DataFrame,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    path = dataset.path(table, account, run.date, run.id)
    meta = {**_meta(run, table, account, len(frame)), **(extra or {})}
    dataset.write(path, to_arrow(frame, run.when), meta)
    return {**_row(run, table, account, path), "rows": len(frame), "status": "written"}


def _one(
    connection: BaseConnection, dataset: SnapshotDataset, run: runs.Run, table: str, account: str
) -> dict[str, Any]:
    path = dataset.path(table, account, run.date, run.id)
    row = _row(run, table, account, path)
    kept = _written(path, run.id)
    if kept is not None:
        return {**row, "rows": kept, "status": "kept"}
    options = _options(run, table)
    try:
        frame = read(connection, table, account=account, cache=False, progress=False, **options)
    except UsageError:
        raise
    except InstapdError as exc:
        logger.warning("snapshot of %s for %s failed: %s", table, account, exc)
        return {**row, "path": None, "rows": 0, "status": "error", "error": str(exc)}
    return _write(dataset, run, table, account, frame)


def _written(path: Path, run_id: str) -> int | None:
    """Rows this run already wrote for the pair (its own file, or merged into a compacted one)."""
    if path.exists():
        return int(file_meta(path).get("rows", 0))
    if path.parent.is_dir():
        for merged in path.parent.glob("compact-*.parquet"):
            meta = file_meta(merged)
            if f"{run_id}.parquet" in meta.get("compacted", []):
                return int(meta.get("rows_by_run", {}).get(run_id, 0))
    return None


def to_arrow(frame: pd.DataFrame, at: datetime) -> pa.Table:
    """The frame plus ``snapshot_at``, as Arrow (lists stay lists, ids stay strings)."""
    stamped = frame.assign(snapshot_at=pd.Timestamp(at).tz_convert("UTC").as_unit("us"))
    return pa.Table.from_pandas(stamped, preserve_index=False)


def _meta(run: runs.Run, table: str, account: str, rows: int) -> dict[str, Any]:
    return {
        "table": table,
        "account": account,
        "run": run.id,
        "snapshot_at": run.at,
        "rows": rows,
        "instapd_version": __version__,
    }
