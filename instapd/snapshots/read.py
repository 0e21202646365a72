"""Read every snapshot of a table back, typed as ``read_instagram``'s frames plus ``snapshot_at``.

The files' schemas are unified by name, so a metric added later is a column that is missing
(``<NA>``) in older snapshots rather than an error.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from ..catalog.tables import history_table
from ..errors import AccountError, NoSnapshotsError
from ..frames import DTYPES, empty_frame
from ..readers.query import TimeLike, parse_time
from ..validation import graph_id
from .dataset import SnapshotDataset

SNAPSHOT_DTYPE = pd.DatetimeTZDtype("us", "UTC")


def history(
    table: str,
    *,
    location: str | Path | None = None,
    accounts: str | list[str] | None = None,
    since: TimeLike | None = None,
    until: TimeLike | None = None,
) -> pd.DataFrame:
    """Every snapshot of ``table`` at ``location``, ``snapshot_at`` in ``[since, until)``.

    Raises :class:`~instapd.errors.NoSnapshotsError` when no snapshot of ``table`` was ever
    written there; filters that match none of the snapshots give an empty frame.
    """
    spec = history_table(table)
    dataset = SnapshotDataset(location)
    wanted = _accounts(accounts)
    start, end = parse_time(since, "since"), parse_time(until, "until")
    files = list(dataset.files(spec.name))
    if not files and spec.reader == "history":  # WebhookEvents...: only a receiver fills it
        raise NoSnapshotsError(
            f"No {spec.name} in {dataset.location} yet: the webhook receiver keeps them there "
            "(python -m instapd webhooks serve; see docs/howto/webhooks.md)."
        )
    if not files:
        raise NoSnapshotsError(
            f"No snapshot of {spec.name} in {dataset.location} yet. Take one first: "
            f'instapd.snapshot(["{spec.name}"]) in Python, or '
            f"python -m instapd snapshot --tables {spec.name} in a shell (SnapshotLocation, "
            "or location=, says where they go)."
        )
    arrow = _read(files, wanted, start, end)
    frame = _typed(arrow, spec.name)
    frame.attrs["instapd"] = {
        "table": spec.name,
        "accounts": wanted or [],
        "source": "history",
        "location": str(dataset.location),
        "since": None if start is None else start.isoformat(),
        "until": None if end is None else end.isoformat(),
        "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "snapshots": int(frame["snapshot_at"].nunique()),
    }
    return frame


def _accounts(accounts: str | list[str] | None) -> list[str] | None:
    if accounts is None or (isinstance(accounts, str) and accounts.lower() == "all"):
        return None
    given = [accounts] if isinstance(accounts, str | int) else accounts
    if not isinstance(given, list | tuple) or not given:
        raise AccountError(f"accounts= takes an account id or a list of ids, not {accounts!r}.")
    return [graph_id(a, "accounts", AccountError) for a in given]


def _read(
    files: list[Path],
    accounts: list[str] | None,
    since: pd.Timestamp | None,
    until: pd.Timestamp | None,
) -> pa.Table:
    schemas = [pq.read_schema(f).remove_metadata() for f in files]
    schema = pa.unify_schemas(schemas, promote_options="permissive")
    source = ds.dataset([str(f) for f in files], schema=schema, format="parquet")
    condition: Any = None
    if accounts is not None:  # every row names its account, whichever layout its file is in
        condition = ds.field("business_account_id").isin(accounts)
    stamp = ds.field("snapshot_at")
    tests = []
    if since is not None:
        tests.append(stamp >= pa.scalar(since.to_pydatetime(), pa.timestamp("us", tz="UTC")))
    if until is not None:
        tests.append(stamp < pa.scalar(until.to_pydatetime(), pa.timestamp("us", tz="UTC")))
    for test in tests:
        condition = test if condition is None else condition & test
    result = source.to_table(filter=condition)
    return result.sort_by([("snapshot_at", "ascending")])


#: Arrow types read as pandas' nullable ones, so columns with gaps keep their type.
NULLABLE: dict[pa.DataType, Any] = {
    **{t: pd.Int64Dtype() for t in (pa.int8(), pa.int16(), pa.int32(), pa.int64())},
    pa.bool_(): pd.BooleanDtype(),
}


def _typed(arrow: pa.Table | None, table: str) -> pd.DataFrame:
    """Catalog columns typed as ``read_instagram`` types them, new columns as stored."""
    spec = history_table(table)
    if arrow is None:
        frame = empty_frame(spec.columns)
        frame["snapshot_at"] = pd.Series(dtype=SNAPSHOT_DTYPE)
        return frame
    frame = arrow.to_pandas(types_mapper=NULLABLE.get)  # a new metric missing early stays Int64
    known = {c.name: c for c in spec.columns}
    for name in frame.columns:
        if name in known:
            column = known[name]
            if column.type == "list":
                frame[name] = [v.tolist() if isinstance(v, np.ndarray) else v for v in frame[name]]
            else:
                frame[name] = frame[name].astype(DTYPES[column.type])
    frame["snapshot_at"] = frame["snapshot_at"].astype(SNAPSHOT_DTYPE)
    order = [c.name for c in spec.columns if c.name in frame.columns]
    extra = [n for n in frame.columns if n not in known and n != "snapshot_at"]
    typed: pd.DataFrame = frame[[*order, *extra, "snapshot_at"]]
    return typed.reset_index(drop=True)
